import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { privateRedis, runLesson } from './run-lesson.js';

describe('custom-config', () => {
  const redis = privateRedis();

  it('writes to the configured database under the namespace, with the store TTL, on the custom channel', async () => {
    const run = await runLesson('custom-config/main.ts', { REDIS_URL: redis.url, REDIS_DB: '3' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('order:1 = {"id":"order:1","total":42}');
    expect(run.output).toContain('subscribed channel: orders:events:orders');

    const db3 = new Redis(redis.url, { db: 3 });
    const db0 = new Redis(redis.url, { db: 0 });
    try {
      const pttl = await db3.pttl('orders:order:1');
      expect(pttl).toBeGreaterThan(14 * 60_000);
      expect(pttl).toBeLessThanOrEqual(15 * 60_000);
      expect(await db0.exists('orders:order:1')).toBe(0);
    } finally {
      db3.disconnect();
      db0.disconnect();
    }
  });
});
