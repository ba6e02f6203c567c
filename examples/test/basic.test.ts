import { KIND_TOMBSTONE } from '@synced-cache/redis-common';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { numbersOn, privateRedis, runLesson } from './run-lesson.js';

describe('basic', () => {
  const redis = privateRedis();

  it('a value set on pod A is read on pod B, locally after a set, remotely after setWithInvalidate', async () => {
    const run = await runLesson('basic/main.ts', { REDIS_URL: redis.url });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('pod-b read user:1 = {"name":"Ada","plan":"free"} (local hit');
    expect(run.output).toContain('pod-b read user:1 = {"name":"Ada","plan":"pro"} (remote hit');
    expect(run.output).toContain('pod-a read user:1 after pod-b deleted it = undefined');
    const podB = numbersOn(run.output, 'pod-b stats:', 'localHits', 'remoteHits', 'remoteMisses');
    expect(podB).toMatchObject({ localHits: 2, remoteHits: 1, remoteMisses: 1 });

    const client = new Redis(redis.url);
    try {
      expect(await client.exists('example-basic:user:2')).toBe(1);
      // A deleted key keeps its version in a tombstone, so a late event can never resurrect it.
      expect((await client.getBuffer('example-basic:user:1'))?.[0]).toBe(KIND_TOMBSTONE);
    } finally {
      client.disconnect();
    }
  });
});
