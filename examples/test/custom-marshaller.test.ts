import { gunzipSync } from 'node:zlib';
import { HEADER_WITH_EXPIRY_BYTES, KIND_VALUE_WITH_EXPIRY } from '@synced-cache/redis-common';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { privateRedis, runLesson } from './run-lesson.js';

describe('custom-marshaller', () => {
  const redis = privateRedis();

  it('what Redis holds after the store header is a gzip stream of the JSON, and pod B decoded it', async () => {
    const run = await runLesson('custom-marshaller/main.ts', { REDIS_URL: redis.url });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("pod-b decoded the report from pod-a's event: 500 rows");

    const client = new Redis(redis.url);
    const stored = await client.getBuffer('example-custom-marshaller:report:daily');
    client.disconnect();
    expect(stored?.[0]).toBe(KIND_VALUE_WITH_EXPIRY);
    const payload = stored!.subarray(HEADER_WITH_EXPIRY_BYTES);
    expect([...payload.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const report = JSON.parse(gunzipSync(payload).toString('utf8'));
    expect(report.title).toBe('orders per region and day');
    expect(report.rows).toHaveLength(500);
    expect(run.output).toContain(
      `redis holds ${stored!.length} bytes: a ${HEADER_WITH_EXPIRY_BYTES}-byte store header`,
    );
    // compression is the point: far fewer bytes than the JSON
    expect(stored!.length * 4).toBeLessThan(JSON.stringify(report).length);
  });
});
