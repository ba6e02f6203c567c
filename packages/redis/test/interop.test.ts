import { createCache, type SyncedCache } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore } from '@synced-cache/ioredis';
import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, createRedisStore, createRedisSynchronizer } from '../src/index.js';
import { majors, randomPrefix, watchPublishes } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const text = (value: string) => new TextEncoder().encode(value);

type Pod = SyncedCache<{ n: number }>;
type Source = 'script' | 'client';

/**
 * Sets, overwrites and deletes in both directions between a node-redis pod and an ioredis pod,
 * then a clear from the node-redis pod, while MONITOR records where each event's PUBLISH came
 * from. Checks the PUBLISH sources: `nodeRedis` / `ioredis` for each pod's set and delete events
 * (`'script'` = the store's write script, `'client'` = the synchronizer); clear is always the
 * synchronizer's.
 */
async function exchange(
  namespace: string,
  nodeRedisPod: Pod,
  ioredisPod: Pod,
  sources: { nodeRedis: Source; ioredis: Source },
  watch: { readonly sources: string[] },
): Promise<void> {
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
  await ioredisPod.set('d', { n: 0 });
  await waitForSync(() => nodeRedisPod.peek('d')?.n === 0, { message: 'd reaches node-redis' });
  await nodeRedisPod.setWithInvalidate('d', { n: 5 });
  await waitForSync(() => ioredisPod.peek('d') === undefined, {
    message: 'node-redis invalidation reaches ioredis',
  });
  expect(await ioredisPod.get('d')).toEqual({ n: 5 });
  expect(await nodeRedisPod.get('d')).toEqual({ n: 5 });
  expect(nodeRedisPod.peek('d')).toEqual({ n: 5 });
  await ioredisPod.setWithInvalidate('d', { n: 6 });
  await waitForSync(() => nodeRedisPod.peek('d') === undefined, {
    message: 'ioredis invalidation reaches node-redis',
  });
  expect(await nodeRedisPod.get('d')).toEqual({ n: 6 });
  await nodeRedisPod.clear();
  await waitForSync(() => ioredisPod.peek('c') === undefined, {
    message: 'node-redis clear reaches ioredis',
  });
  expect(await ioredisPod.get('c')).toBeUndefined();

  const { nodeRedis, ioredis } = sources;
  const expected = [
    ...[ioredis, nodeRedis, nodeRedis, ioredis, nodeRedis], // a, b, a again, delete b, delete a
    ...[ioredis, ioredis, nodeRedis, ioredis], // c, d, invalidate d twice
    'client', // clear
  ];
  await waitForSync(() => watch.sources.length >= expected.length, {
    message: `MONITOR saw every PUBLISH on ${namespace}`,
  });
  expect(watch.sources).toEqual(expected);
}

describe('interop with @synced-cache/ioredis on one server and channel', () => {
  for (const major of majors) {
    it(`a fused ioredis pod and a fused ${major.name} pod see each other's sets, deletes and clears`, async () => {
      const namespace = randomPrefix('interop').slice(0, -1);
      const watch = await watchPublishes(server.url, namespace);
      const client = major.createClient({ url: server.url });
      await client.connect();
      // Both factories share one connection between store and synchronizer: the write scripts publish.
      const options = { namespace, heartbeatMs: 0 };
      const nodeRedisPod = await createRedisCache<{ n: number }>(client, { ...options, podId: 'node-redis' });
      const ioredisPod = await createIoredisCache<{ n: number }>(server.url, {
        ...options,
        podId: 'ioredis',
      });
      await exchange(namespace, nodeRedisPod, ioredisPod, { nodeRedis: 'script', ioredis: 'script' }, watch);
      await nodeRedisPod.close();
      await ioredisPod.close();
      await client.close();
      await watch.stop();
    });

    it(`a ${major.name} pod on separate clients (core publishes) and a fused ioredis pod interoperate`, async () => {
      const namespace = randomPrefix('interop-split').slice(0, -1);
      const watch = await watchPublishes(server.url, namespace);
      const storeClient = major.createClient({ url: server.url });
      const synchronizerClient = major.createClient({ url: server.url });
      await Promise.all([storeClient.connect(), synchronizerClient.connect()]);
      const store = createRedisStore(storeClient);
      const synchronizer = createRedisSynchronizer(synchronizerClient);
      expect(store.publishesTo?.(synchronizer)).toBe(false);
      const options = { namespace, heartbeatMs: 0 };
      const nodeRedisPod = await createCache<{ n: number }>({
        ...options,
        podId: 'node-redis',
        store,
        synchronizer,
      });
      const ioredisPod = await createIoredisCache<{ n: number }>(server.url, {
        ...options,
        podId: 'ioredis',
      });
      await exchange(namespace, nodeRedisPod, ioredisPod, { nodeRedis: 'client', ioredis: 'script' }, watch);
      await nodeRedisPod.close();
      await ioredisPod.close();
      await Promise.all([storeClient.close(), synchronizerClient.close()]);
      await watch.stop();
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
