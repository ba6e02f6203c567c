import { KIND_TOMBSTONE } from '@synced-cache/redis-common';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { privateRedis, runLesson } from './run-lesson.js';

describe('reader-writer', () => {
  const redis = privateRedis();

  it("a reader's set stays local unless readerCanSetToStore; its delete reaches Redis and the writer", async () => {
    const run = await runLesson('reader-writer/main.ts', { REDIS_URL: redis.url });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('reader reads theme=dark (written by the writer)');
    expect(run.output).toContain('reader reads draft=only on the reader; writer reads draft=undefined');
    expect(run.output).toContain('writer reads note=shared by a trusted reader');
    expect(run.output).toContain('after the reader deleted theme, writer reads theme=undefined');

    const client = new Redis(redis.url);
    try {
      expect(await client.exists('example-roles:draft')).toBe(0);
      expect(await client.exists('example-roles:note')).toBe(1);
      expect((await client.getBuffer('example-roles:theme'))?.[0]).toBe(KIND_TOMBSTONE);
    } finally {
      client.disconnect();
    }
  });
});
