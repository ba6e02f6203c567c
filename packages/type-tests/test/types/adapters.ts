// Compiled, never run (see ../types.test.ts): createIoredisCache and createRedisCache with every
// local tier and marshaller must compile without a cast and infer the value type like createCache.
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore } from '@synced-cache/ioredis';
import { createJsonMarshaller } from '@synced-cache/json';
import { lfuCacheFactory } from '@synced-cache/lfu';
import { lruCacheFactory } from '@synced-cache/lru';
import { createMsgpackMarshaller } from '@synced-cache/msgpack';
import { createRedisCache, createRedisStore } from '@synced-cache/redis';
import { expectTypeOf } from 'vitest';

interface Order {
  id: string;
  placedAt: Date;
  total: bigint;
}

const url = 'redis://127.0.0.1:6379';

/** {createIoredisCache, createRedisCache} × {default, lru, lfu} × {default, json, msgpack} × {V, no V}. */
export async function everyCombination(): Promise<void> {
  // local tier: default, marshaller: default
  expectTypeOf(await createIoredisCache<Order>(url, { namespace: 'orders' })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  expectTypeOf(await createIoredisCache(url, { namespace: 'orders' })).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(await createRedisCache<Order>(url, { namespace: 'orders' })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  expectTypeOf(await createRedisCache(url, { namespace: 'orders' })).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: default, marshaller: json
  expectTypeOf(
    await createIoredisCache<Order>(url, { namespace: 'orders', marshaller: createJsonMarshaller() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, { namespace: 'orders', marshaller: createJsonMarshaller() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, { namespace: 'orders', marshaller: createJsonMarshaller() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, { namespace: 'orders', marshaller: createJsonMarshaller() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: default, marshaller: msgpack
  expectTypeOf(
    await createIoredisCache<Order>(url, { namespace: 'orders', marshaller: createMsgpackMarshaller() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, { namespace: 'orders', marshaller: createMsgpackMarshaller() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, { namespace: 'orders', marshaller: createMsgpackMarshaller() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, { namespace: 'orders', marshaller: createMsgpackMarshaller() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: default
  expectTypeOf(
    await createIoredisCache<Order>(url, { namespace: 'orders', localCache: lruCacheFactory() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, { namespace: 'orders', localCache: lruCacheFactory() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, { namespace: 'orders', localCache: lruCacheFactory() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, { namespace: 'orders', localCache: lruCacheFactory() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: json
  expectTypeOf(
    await createIoredisCache<Order>(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: msgpack
  expectTypeOf(
    await createIoredisCache<Order>(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: default
  expectTypeOf(
    await createIoredisCache<Order>(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, { namespace: 'orders', localCache: lfuCacheFactory({ maxCost: 1 << 20 }) }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, { namespace: 'orders', localCache: lfuCacheFactory({ maxCost: 1 << 20 }) }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: json
  expectTypeOf(
    await createIoredisCache<Order>(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: msgpack
  expectTypeOf(
    await createIoredisCache<Order>(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  expectTypeOf(
    await createRedisCache<Order>(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createRedisCache(url, {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
}

/** What must not compile. */
export async function rejected(): Promise<void> {
  const ioredis = await createIoredisCache<Order>(url, { localCache: lruCacheFactory() });
  const redis = await createRedisCache<Order>(url, { localCache: lfuCacheFactory() });
  // @ts-expect-error a value of another type
  await ioredis.set('o:1', 'not an order');
  // @ts-expect-error a value of another type
  await redis.set('o:1', 'not an order');
  // @ts-expect-error a marshaller typed for strings cannot carry orders
  await createIoredisCache<Order>(url, { marshaller: createJsonMarshaller<string>() });
  // @ts-expect-error a marshaller typed for strings cannot carry orders
  await createRedisCache<Order>(url, { marshaller: createMsgpackMarshaller<string>() });
  // @ts-expect-error core's store and synchronizer are the adapter's to make
  await createIoredisCache<Order>(url, { store: undefined });
  // @ts-expect-error core's store and synchronizer are the adapter's to make
  await createRedisCache<Order>(url, { synchronizer: undefined });
  // @ts-expect-error an unknown adapter option
  await createIoredisCache<Order>(url, { redis: { commandTimeout: 5 } });
  // @ts-expect-error an unknown adapter option
  await createRedisCache<Order>(url, { redis: { commandTimeout: 5 } });
  // @ts-expect-error node-redis' { url } is not an ioredis connection: pass the URL itself
  createIoredisStore({ url: 'redis://10.0.0.5:6379/2' });
  // @ts-expect-error ioredis' { host, port } is not a node-redis connection
  createRedisStore({ host: '10.0.0.5', port: 6379 });
}
