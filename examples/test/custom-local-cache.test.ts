import { describe, expect, it } from 'vitest';
import { numbersOn, privateRedis, runLesson } from './run-lesson.js';

describe('custom-local-cache', () => {
  const redis = privateRedis();

  it('the pod runs on RandomEvictionCache: bounded at 100, evicting, every read right, metrics reported', async () => {
    const run = await runLesson('custom-local-cache/main.ts', { REDIS_URL: redis.url });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('wrong reads: 0');
    const stats = numbersOn(run.output, 'cache stats:', 'localHits', 'remoteHits', 'localSize');
    const local = numbersOn(run.output, 'local metrics:', 'size', 'evictions', 'hits');
    expect(stats.localHits + stats.remoteHits).toBe(300);
    expect(local.size).toBe(100);
    expect(stats.localSize).toBe(100);
    expect(local.evictions).toBeGreaterThanOrEqual(200);
    // the cache's local hits are this local cache's hits: core really reads through it
    expect(local.hits).toBe(stats.localHits);
  });
});
