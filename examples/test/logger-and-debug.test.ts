import { describe, expect, it } from 'vitest';
import { privateRedis, runLesson } from './run-lesson.js';

describe('logger-and-debug', () => {
  const redis = privateRedis();

  it('debug mode logs every received event through the custom logger; errors are logged either way', async () => {
    const run = await runLesson('logger-and-debug/main.ts', { REDIS_URL: redis.url, DEBUG: '1' });
    expect(run.code, run.output).toBe(0);
    for (const action of ['set', 'invalidate', 'delete', 'clear']) {
      expect(run.output).toMatch(
        new RegExp(`^\\[pod-a\\] DEBUG event action=${action} .*from=pod-b version=\\d+ applied=true$`, 'm'),
      );
    }
    expect(run.output).toMatch(/^\[pod-a\] DEBUG dropped bus message reason=\w+/m);
    expect(run.output).toMatch(/^\[pod-a\] ERROR receive failed: dropped a bus message/m);
    expect(run.output).toContain('pod-a stats: eventsApplied=4 eventsDropped=1');
  });

  it('with DEBUG=0 no debug line is written, and the dropped message is still reported at error level', async () => {
    const run = await runLesson('logger-and-debug/main.ts', { REDIS_URL: redis.url, DEBUG: '0' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain('DEBUG');
    expect(run.output).toMatch(/^\[pod-a\] ERROR receive failed: dropped a bus message/m);
    expect(run.output).toContain('pod-a stats: eventsApplied=4 eventsDropped=1');
  });
});
