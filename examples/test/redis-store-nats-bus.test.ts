import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type NatsServer, type RedisServer, startNats, startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLesson } from './run-lesson.js';

describe('redis-store-nats-bus', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let watcher: NatsConnection;
  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    watcher = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await watcher?.close();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('values land in Redis while every event travels on NATS, and none on Redis pub/sub', async () => {
    const subjects: string[] = [];
    const subscription = watcher.subscribe('synced-cache.>', {
      callback: (_, message) => {
        subjects.push(message.subject);
      },
    });
    await watcher.flush();
    const run = await runLesson('redis-store-nats-bus/main.ts', { REDIS_URL: redis.url, NATS_URL: nats.url });
    subscription.unsubscribe();
    expect(run.code, run.output).toBe(0);
    for (const stock of [3, 2, 1])
      expect(run.output).toMatch(new RegExp(`pod-b sees item:42 stock=${stock} [\\d.]+ ms`));
    expect(run.output).toContain("pod-a after pod-b's delete: item:42=undefined");

    // three sets and a delete, each heard by both pods, all on the namespace's subject
    expect(
      subjects.filter((subject) => subject === 'synced-cache.cache:invalidate:example-nats-bus').length,
    ).toBeGreaterThanOrEqual(4);
    const client = new Redis(redis.url);
    try {
      expect(await client.exists('example-nats-bus:item:42')).toBe(1); // its tombstone
      const commands = await client.info('commandstats');
      expect(commands).not.toMatch(/cmdstat_s?publish:/);
      expect(commands).toMatch(/cmdstat_(evalsha|fcall|eval):/);
    } finally {
      client.disconnect();
    }
  });
});
