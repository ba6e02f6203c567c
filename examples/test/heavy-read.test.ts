import { describe, expect, it } from 'vitest';
import { numbersOn, runLesson } from './run-lesson.js';

describe('heavy-read benchmark', () => {
  it('the smoke run starts Redis, a writer, a reader per endpoint and the load generator, and measures every endpoint', async () => {
    const run = await runLesson('heavy-read/bench.ts', {}, ['--smoke'], 90_000);
    expect(run.code, run.output).toBe(0);
    for (const endpoint of ['/post-redis', '/post-marshal', '/post', '/static']) {
      const round = numbersOn(
        run.output,
        `round 1 ${endpoint}:`,
        'rps',
        'p50',
        'p99',
        'requests',
        'failures',
      );
      expect(round.requests).toBeGreaterThanOrEqual(300);
      expect(round.failures).toBe(0);
      expect(round.rps).toBeGreaterThan(0);
      expect(round.p99).toBeGreaterThanOrEqual(round.p50);
    }
    const summary = numbersOn(
      run.output,
      'ratios:',
      'rps',
      'p99',
      'ceilingRps',
      'ceilingP99',
      'propagationSamples',
    );
    for (const ratio of [summary.rps, summary.p99, summary.ceilingRps, summary.ceilingP99])
      expect(Number.isFinite(ratio)).toBe(true);
    // the writer's updates reached the readers while they served
    expect(summary.propagationSamples).toBeGreaterThan(0);
    expect(run.output).toContain('| `/post` | local tier holds the response bytes');
  }, 120_000);
});
