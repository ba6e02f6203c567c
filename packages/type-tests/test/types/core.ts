// Compiled, never run (see ../types.test.ts): every way of composing core's createCache with the
// local tiers and marshallers must compile without a cast and infer the right value type, and the
// wrong compositions must not compile.
import {
  createCache,
  type LocalEntry,
  type Marshaller,
  SieveCache,
  type SyncedCache,
} from '@synced-cache/core';
import { createJsonMarshaller } from '@synced-cache/json';
import { createLfuCache, lfuCacheFactory } from '@synced-cache/lfu';
import { createLruCache, lruCacheFactory } from '@synced-cache/lru';
import { createMsgpackMarshaller } from '@synced-cache/msgpack';
import { expectTypeOf } from 'vitest';

interface Order {
  id: string;
  placedAt: Date;
  total: bigint;
}

/** createCache × {default, lru, lfu} local tier × {default, json, msgpack} marshaller × {V, no V}. */
export async function everyCombination(): Promise<void> {
  // local tier: default, marshaller: default
  expectTypeOf(await createCache<Order>({ namespace: 'orders' })).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(await createCache({ namespace: 'orders' })).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: default, marshaller: json
  expectTypeOf(
    await createCache<Order>({ namespace: 'orders', marshaller: createJsonMarshaller() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(await createCache({ namespace: 'orders', marshaller: createJsonMarshaller() })).toEqualTypeOf<
    SyncedCache<unknown>
  >();
  // local tier: default, marshaller: msgpack
  expectTypeOf(
    await createCache<Order>({ namespace: 'orders', marshaller: createMsgpackMarshaller() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createCache({ namespace: 'orders', marshaller: createMsgpackMarshaller() }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: default
  expectTypeOf(
    await createCache<Order>({ namespace: 'orders', localCache: lruCacheFactory() }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(await createCache({ namespace: 'orders', localCache: lruCacheFactory() })).toEqualTypeOf<
    SyncedCache<unknown>
  >();
  // local tier: lru, marshaller: json
  expectTypeOf(
    await createCache<Order>({
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createCache({
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lru, marshaller: msgpack
  expectTypeOf(
    await createCache<Order>({
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createCache({
      namespace: 'orders',
      localCache: lruCacheFactory(),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: default
  expectTypeOf(
    await createCache<Order>({ namespace: 'orders', localCache: lfuCacheFactory({ maxCost: 1 << 20 }) }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createCache({ namespace: 'orders', localCache: lfuCacheFactory({ maxCost: 1 << 20 }) }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: json
  expectTypeOf(
    await createCache<Order>({
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createCache({
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createJsonMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
  // local tier: lfu, marshaller: msgpack
  expectTypeOf(
    await createCache<Order>({
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(
    await createCache({
      namespace: 'orders',
      localCache: lfuCacheFactory({ maxCost: 1 << 20 }),
      marshaller: createMsgpackMarshaller(),
    }),
  ).toEqualTypeOf<SyncedCache<unknown>>();
}

/** Local cache instances (not factories) and reused parts. */
export async function instancesAndSharedParts(): Promise<void> {
  expectTypeOf(await createCache<Order>({ localCache: createLfuCache() })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  expectTypeOf(await createCache<Order>({ localCache: createLruCache(1000) })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  expectTypeOf(await createCache<Order>({ localCache: new SieveCache() })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  // One factory serves caches of different value types.
  const local = lfuCacheFactory({ maxEntries: 1000 });
  expectTypeOf(await createCache<Order>({ localCache: local })).toEqualTypeOf<SyncedCache<Order>>();
  expectTypeOf(await createCache<string>({ localCache: local })).toEqualTypeOf<SyncedCache<string>>();
  expectTypeOf(local<Order>()).toEqualTypeOf<ReturnType<typeof createLfuCache<Order>>>();
  // The deprecated LocalEntry is the value itself: caches typed with it still fit.
  expectTypeOf<LocalEntry<Order>>().toEqualTypeOf<Order>();
  expectTypeOf(await createCache<Order>({ localCache: createLfuCache<LocalEntry<Order>>() })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  // The value type follows a typed marshaller.
  const orders = createMsgpackMarshaller<Order>();
  expectTypeOf(orders).toEqualTypeOf<Marshaller<Order>>();
  expectTypeOf(await createCache({ marshaller: orders, localCache: lruCacheFactory() })).toEqualTypeOf<
    SyncedCache<Order>
  >();
  // On its own a marshaller without a type argument encodes anything and decodes `unknown`.
  expectTypeOf(createJsonMarshaller().decode(new Uint8Array())).toEqualTypeOf<unknown>();
  const cache = await createCache<Order>({
    localCache: lfuCacheFactory(),
    marshaller: createJsonMarshaller(),
  });
  expectTypeOf(await cache.get('o:1')).toEqualTypeOf<Order | undefined>();
}

/** What must not compile. */
export async function rejected(): Promise<void> {
  const cache = await createCache<Order>({
    localCache: lfuCacheFactory(),
    marshaller: createMsgpackMarshaller(),
  });
  // @ts-expect-error a value of another type
  await cache.set('o:1', { id: 'o:1' });
  // @ts-expect-error a marshaller typed for strings cannot carry orders
  await createCache<Order>({ marshaller: createJsonMarshaller<string>() });
  const strings: Marshaller<string> = createMsgpackMarshaller();
  // @ts-expect-error idem, declared elsewhere
  await createCache<Order>({ marshaller: strings });
  // A marshaller typed once keeps its type: one made for `unknown` does not pass for orders.
  const untyped = createJsonMarshaller();
  // @ts-expect-error write createJsonMarshaller<Order>() instead
  await createCache<Order>({ marshaller: untyped });
  // @ts-expect-error a local cache instance holding other entries
  await createCache<Order>({ localCache: createLruCache<string>() });
  // @ts-expect-error an unknown option
  await createCache<Order>({ localCache: lfuCacheFactory(), marshaler: createJsonMarshaller() });
  // @ts-expect-error an unknown factory option
  lfuCacheFactory({ maxEntrys: 10 });
  // @ts-expect-error an unknown factory option
  createJsonMarshaller({ depth: 10 });
}
