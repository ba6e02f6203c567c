/**
 * The two clients the `remote` benchmark measures, each as a {@link Subject}: a cache in its
 * default configuration (apart from a local tier that admits nothing, so every get is a local
 * miss) and the raw client it is compared with, made the way a user would make it for speed
 * (ioredis as is; node-redis without its default per-command timer).
 */
import { createKeyv } from '@keyv/redis';
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache } from '@synced-cache/ioredis';
import { createRedisCache } from '@synced-cache/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { missingLocalCache } from './redis-shared.js';

/**
 * A peer library on the same Redis, set up as its docs recommend, read so that every get misses
 * its memory tier (if it has one) and reads Redis, as the cache's gets do here.
 */
export interface Peer {
  /** The library, its version and its setup, as the report names it. */
  readonly name: string;
  get(key: string): Promise<unknown>;
  /** One write (and, where the library has a bus, its announcement). */
  set(key: string, value: unknown, ttlMs: number): Promise<unknown>;
  /** The library's batch read, when it has one. */
  getMany?(keys: readonly string[]): Promise<unknown>;
  /** The library's batch write, when it has one. */
  setMany?(keys: readonly string[], value: unknown, ttlMs: number): Promise<unknown>;
  close(): Promise<void>;
}

/** A client under test: its cache and the raw commands the baselines use. */
export interface Subject {
  /** `ioredis` or `node-redis`. */
  readonly name: string;
  /** A pod whose local tier admits nothing (every get reads Redis). */
  readonly cache: SyncedCache<unknown>;
  /** The peer built on the same client library (BentoCache on ioredis, cache-manager's Redis store on node-redis). */
  readonly peer: Peer;
  /** Raw `GET`. */
  get(key: string): Promise<unknown>;
  /** Raw `GET` with the reply as bytes (a Buffer), as a binary-safe store must read it. */
  getBytes(key: string): Promise<unknown>;
  /** Raw `MGET`. */
  mget(keys: readonly string[]): Promise<unknown>;
  /** Raw `SET key value PX ttl` pipelined with `PUBLISH channel value`: one round trip. */
  setPublish(key: string, value: string, ttlMs: number, channel: string): Promise<unknown>;
  /** Raw `SET … PX` + `PUBLISH` for every key, all in one pipeline. */
  setPublishMany(keys: readonly string[], value: string, ttlMs: number, channel: string): Promise<unknown>;
  /** Raw `SET … PX` (seeding). */
  set(key: string, value: string, ttlMs: number): Promise<unknown>;
  /** Closes the cache and the raw client. */
  close(): Promise<void>;
}

/** Options of every benchmarked cache: the defaults, a namespace, no heartbeat noise. */
function cacheOptions(namespace: string) {
  return { namespace, podId: `${namespace}-pod`, localCache: missingLocalCache, heartbeatMs: 0 };
}

/** ioredis: the cache from `createIoredisCache(url)`, the raw client from `new Redis(url)`. */
export async function ioredisSubject(url: string): Promise<Subject> {
  const raw = new Redis(url);
  const cache = await createIoredisCache<unknown>(url, cacheOptions('bench-ioredis'));
  const peer = bentoPeer(url);
  return {
    name: 'ioredis',
    cache,
    peer,
    get: (key) => raw.get(key),
    getBytes: (key) => raw.getBuffer(key),
    mget: (keys) => raw.mget(...keys),
    setPublish: (key, value, ttlMs, channel) =>
      raw.pipeline().set(key, value, 'PX', ttlMs).publish(channel, value).exec(),
    setPublishMany: (keys, value, ttlMs, channel) => {
      const pipeline = raw.pipeline();
      for (const key of keys) pipeline.set(key, value, 'PX', ttlMs).publish(channel, value);
      return pipeline.exec();
    },
    set: (key, value, ttlMs) => raw.set(key, value, 'PX', ttlMs),
    close: async () => {
      await cache.close();
      raw.disconnect();
      await peer.close();
    },
  };
}

/**
 * node-redis: the cache from `createRedisCache(url)`; the raw client without the 5 s
 * per-command timer node-redis 6 gives every command by default (an AbortSignal timer each).
 * Commands issued in one tick go out in one write (node-redis pipelines them).
 */
export async function nodeRedisSubject(url: string): Promise<Subject> {
  const client = createClient({ url });
  await client.connect();
  const raw = client.withCommandOptions({ timeout: 0 });
  // Buffer replies from the client's own defaults, not per command: node-redis merges per-command
  // options into its defaults with an object spread, and one that adds a key (typeMapping to
  // node-redis 6's { timeout }) costs ~1 µs per command in V8 (docs/architecture.md).
  const bytesClient = createClient({
    url,
    commandOptions: { timeout: 0, typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } },
  });
  await bytesClient.connect();
  const cache = await createRedisCache<unknown>(url, cacheOptions('bench-node-redis'));
  const peer = cacheManagerPeer(url);
  return {
    name: 'node-redis',
    cache,
    peer,
    get: (key) => raw.get(key),
    getBytes: (key) => bytesClient.get(key),
    mget: (keys) => raw.mGet([...keys]),
    setPublish: (key, value, ttlMs, channel) =>
      Promise.all([raw.set(key, value, { PX: ttlMs }), raw.publish(channel, value)]),
    setPublishMany: (keys, value, ttlMs, channel) => {
      const replies: Promise<unknown>[] = [];
      for (const key of keys) replies.push(raw.set(key, value, { PX: ttlMs }), raw.publish(channel, value));
      return Promise.all(replies);
    },
    set: (key, value, ttlMs) => raw.set(key, value, { PX: ttlMs }),
    close: async () => {
      await cache.close();
      client.destroy();
      bytesClient.destroy();
      await peer.close();
    },
  };
}

/**
 * BentoCache as its docs set it up for several processes: a memory L1, a Redis L2 and a Redis bus
 * (all on ioredis), its defaults otherwise. Its L1 holds one entry, so a get of another key misses
 * it and reads Redis (the path this benchmark measures), then fills the L1 as it would in use.
 */
function bentoPeer(url: string): Peer {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port) };
  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 1 }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  });
  return {
    name: 'BentoCache 1.6 (memory L1 of 1 entry, Redis L2, Redis bus)',
    get: (key) => bento.get({ key }),
    set: (key, value, ttlMs) => bento.set({ key, value, ttl: ttlMs }),
    close: () => bento.disconnect(),
  };
}

/**
 * cache-manager 7 with the Redis store its docs recommend (`createKeyv(url)` from `@keyv/redis`,
 * on node-redis), and no memory store, so every get reads Redis. It has no bus: nothing tells
 * other processes about a write.
 */
function cacheManagerPeer(url: string): Peer {
  const keyv = createKeyv(url);
  const manager = createCacheManager({ stores: [keyv] });
  return {
    name: 'cache-manager 7 (Redis store @keyv/redis 5, no bus)',
    get: (key) => manager.get(key),
    set: (key, value, ttlMs) => manager.set(key, value, ttlMs),
    getMany: (keys) => manager.mget([...keys]),
    setMany: (keys, value, ttlMs) => manager.mset(keys.map((key) => ({ key, value, ttl: ttlMs }))),
    close: () => manager.disconnect(),
  };
}
