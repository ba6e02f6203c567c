// Compiled, never run (see ../types.test.ts): createIoredisCache with every local tier and marshaller.
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore } from '@synced-cache/ioredis';
import { createJsonMarshaller } from '@synced-cache/json';
import { lfuCacheFactory } from '@synced-cache/lfu';
import { lruCacheFactory } from '@synced-cache/lru';
import { createMsgpackMarshaller } from '@synced-cache/msgpack';
import { expectTypeOf } from 'vitest';

interface Order {
  id: string;
  placedAt: Date;
  total: bigint;
}

/** createIoredisCache × {default, lru, lfu} local tier × {default, json, msgpack} marshaller × {V, no V}. */
export async function everyCombination(): Promise<void> {
  // local tier: default, marshaller: default
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', { namespace: 'orders' }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(await createIoredisCache('redis://127.0.0.1:6379', { namespace: 'orders' })).toEqualTypeOf<
    SyncedCache<unknown>
  >();
  // local tier: default, marshaller: json
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: default, marshaller: msgpack
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: default
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lruCacheFactory(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lruCacheFactory(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: json
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: msgpack
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: default
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: json
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: msgpack
  expectTypeOf(
    await createIoredisCache<Order>('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createIoredisCache('redis://127.0.0.1:6379', {
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
}

/** What must not compile. */
export async function rejected(): Promise<void> {
  const cache = await createIoredisCache<Order>('redis://127.0.0.1:6379', { localCache: lruCacheFactory() });
  // @ts-expect-error a value of another type
  await cache.set('o:1', 'not an order');
  // @ts-expect-error a marshaller typed for strings cannot carry orders
  await createIoredisCache<Order>('redis://127.0.0.1:6379', { marshaller: createJsonMarshaller<string>() });
  // @ts-expect-error core's store and synchronizer are the adapter's to make
  await createIoredisCache<Order>('redis://127.0.0.1:6379', { store: undefined });
  // @ts-expect-error an unknown adapter option
  await createIoredisCache<Order>('redis://127.0.0.1:6379', { redis: { commandTimeout: 5 } });
  // @ts-expect-error node-redis' { url } is not an ioredis connection: pass the URL itself
  createIoredisStore({ url: 'redis://10.0.0.5:6379/2' });
}
