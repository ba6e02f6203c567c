import { HEADER_BYTES, KIND_VALUE } from '@synced-cache/redis-common';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { privateRedis, runLesson } from './run-lesson.js';

describe('stale-data-prevention', () => {
  const redis = privateRedis();

  it('a late write of an older revision reaches Redis and the plain pod; the onSetLocalCache guard keeps the newer one', async () => {
    const run = await runLesson('stale-data-prevention/main.ts', { REDIS_URL: redis.url });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('plain serves price:tea revision=1 cents=1000');
    expect(run.output).toContain('guarded serves price:tea revision=2 cents=1200');
    expect(run.output).toContain('guarded refused=1');

    // the store really holds the older revision: the guard is what kept the pod right
    const client = new Redis(redis.url);
    const stored = await client.getBuffer('example-stale-data:price:tea');
    client.disconnect();
    expect(stored?.[0]).toBe(KIND_VALUE);
    expect(JSON.parse(stored!.subarray(HEADER_BYTES).toString('utf8'))).toEqual({
      sku: 'tea',
      cents: 1000,
      revision: 1,
    });
  });
});
