import { createIoredisCache, createIoredisStore } from '@synced-cache/ioredis';
import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, createRedisStore } from '../src/index.js';
import { majors, randomPrefix } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const text = (value: string) => new TextEncoder().encode(value);

describe('interop with @synced-cache/ioredis on one server and channel', () => {
  for (const major of majors) {
    it(`an ioredis pod and a ${major.name} pod see each other's sets, deletes and clears`, async () => {
      const namespace = randomPrefix('interop').slice(0, -1);
      const client = major.createClient({ url: server.url });
      await client.connect();
      const nodeRedisPod = await createRedisCache<{ n: number }>(client, { namespace, podId: 'node-redis' });
      const ioredisPod = await createIoredisCache<{ n: number }>(server.url, { namespace, podId: 'ioredis' });

      await ioredisPod.set('a', { n: 1 });
      await waitForSync(() => nodeRedisPod.peek('a')?.n === 1, { message: 'ioredis set reaches node-redis' });
      await nodeRedisPod.set('b', { n: 2 });
      await waitForSync(() => ioredisPod.peek('b')?.n === 2, { message: 'node-redis set reaches ioredis' });

      // Versions come from the same scripts: a newer write from either side wins on both.
      await nodeRedisPod.set('a', { n: 3 });
      await waitForSync(() => ioredisPod.peek('a')?.n === 3, { message: 'overwrite reaches ioredis' });
      expect(await ioredisPod.get('a')).toEqual({ n: 3 });

      await ioredisPod.delete('b');
      await waitForSync(() => nodeRedisPod.peek('b') === undefined, {
        message: 'ioredis delete reaches node-redis',
      });
      expect(await nodeRedisPod.get('b')).toBeUndefined();
      await nodeRedisPod.delete('a');
      await waitForSync(() => ioredisPod.peek('a') === undefined, {
        message: 'node-redis delete reaches ioredis',
      });
      expect(await ioredisPod.get('a')).toBeUndefined();

      await ioredisPod.set('c', { n: 4 });
      await waitForSync(() => nodeRedisPod.peek('c')?.n === 4, { message: 'set before clear' });
      await nodeRedisPod.clear();
      await waitForSync(() => ioredisPod.peek('c') === undefined, {
        message: 'node-redis clear reaches ioredis',
      });
      expect(await ioredisPod.get('c')).toBeUndefined();

      await nodeRedisPod.close();
      await ioredisPod.close();
      await client.close();
    });
  }

  it('both stores read what the other wrote, with one version sequence per key', async () => {
    const prefix = randomPrefix('interop-store');
    const nodeRedisStore = createRedisStore(server.url);
    const ioredisStore = createIoredisStore(server.url);
    const key = `${prefix}k`;
    const first = await nodeRedisStore.set(key, text('from node-redis'), { ttlMs: 60_000 });
    const read = await ioredisStore.get(key);
    expect(read?.version).toBe(first);
    expect(Buffer.from(read?.payload ?? []).toString()).toBe('from node-redis');
    const second = await ioredisStore.set(key, text('from ioredis'));
    expect(second).toBeGreaterThan(first);
    expect((await nodeRedisStore.get(key))?.version).toBe(second);
    const deleted = await nodeRedisStore.delete(key);
    expect(deleted).toBeGreaterThan(second);
    expect(await ioredisStore.get(key)).toBeUndefined();
    expect(await ioredisStore.set(key, text('again'))).toBeGreaterThan(deleted);
    expect(await nodeRedisStore.size(prefix)).toBe(await ioredisStore.size(prefix));
    expect(await nodeRedisStore.clear(prefix)).toBeGreaterThan(deleted);
    expect(await ioredisStore.size(prefix)).toBe(0);
    await nodeRedisStore.close();
    await ioredisStore.close();
  });
});
