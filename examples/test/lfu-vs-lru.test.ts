import { describe, expect, it } from 'vitest';
import { numbersOn, privateRedis, runLesson } from './run-lesson.js';

describe('lfu-vs-lru', () => {
  const redis = privateRedis();

  it('replays one skewed trace on both policies; LFU hit ratio ≥ LRU, each ratio matching its counters', async () => {
    const run = await runLesson('lfu-vs-lru/main.ts', { REDIS_URL: redis.url });
    expect(run.code, run.output).toBe(0);
    const reads = Number(/^(\d+) reads:/m.exec(run.output)?.[1]);
    const lfu = numbersOn(run.output, 'lfu:', 'hitRatio', 'localHits', 'localMisses', 'remoteHits');
    const lru = numbersOn(run.output, 'lru:', 'hitRatio', 'localHits', 'localMisses', 'remoteHits');
    for (const policy of [lfu, lru]) {
      expect(policy.localHits + policy.localMisses).toBe(reads);
      // every key was seeded in Redis: each local miss is answered by the store
      expect(policy.remoteHits).toBe(policy.localMisses);
      expect(policy.hitRatio).toBeCloseTo(policy.localHits / reads, 3);
      expect(policy.hitRatio).toBeGreaterThan(0);
      expect(policy.hitRatio).toBeLessThan(1);
    }
    expect(lfu.hitRatio).toBeGreaterThanOrEqual(lru.hitRatio);
  });
});
