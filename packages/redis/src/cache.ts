import {
  CACHE_OPTION_NAMES,
  createCache,
  rejectUnknownOptions,
  type SyncedCache,
  type SyncedCacheOptions,
} from '@synced-cache/core';
import { Connection, connectionSettings, type RedisConnection } from './connection.js';
import { type RedisStoreOptions, STORE_OPTION_NAMES, storeOn } from './store.js';
import { type RedisSynchronizerOptions, SYNCHRONIZER_OPTION_NAMES, synchronizerOn } from './synchronizer.js';

// The cache's options are checked before connecting: core's, less the two this factory makes.
const { store: _store, synchronizer: _synchronizer, ...CACHE_OPTIONS } = CACHE_OPTION_NAMES;

/** Options of {@link createRedisCache}: every core option except `store` and `synchronizer`, plus `redis`. */
export interface RedisCacheOptions<V = unknown>
  extends Omit<SyncedCacheOptions<V>, 'store' | 'synchronizer'> {
  /**
   * Store and synchronizer options. `commandTimeoutMs` defaults to the cache's `timeoutMs`; a
   * connected standalone client sends commands without node-redis' per-command timer (core bounds
   * every call), commands sent while it reconnects and on Sentinel or Cluster keep it.
   */
  redis?: RedisStoreOptions & RedisSynchronizerOptions;
}

/**
 * Builds a ready two-tier cache on Redis in one call: a `createRedisStore` store and a
 * `createRedisSynchronizer` synchronizer sharing one connection (the subscriber gets its own
 * duplicate), then core's `createCache`, which resolves once the subscription is confirmed.
 * Because they share it, on standalone and Sentinel each `set`, `setWithInvalidate` and `delete`
 * writes and publishes its event in one script (one round trip, events in write order), unless
 * events are signed (`secret`); on a Cluster core publishes through the synchronizer.
 *
 * A client you pass stays yours (`cache.close()` leaves it open); a connection made from a URL or
 * options is closed by `cache.close()`.
 *
 * @example
 * ```ts
 * import { createRedisCache } from '@synced-cache/redis';
 *
 * const cache = await createRedisCache<User>('redis://localhost:6379', { namespace: 'users' });
 * await cache.set('42', { name: 'Ada' });
 * const user = await cache.get('42');
 * ```
 * @throws InvalidConfigError for invalid options (nothing is connected then); the typed error of a
 *   failed subscription.
 */
export async function createRedisCache<V = unknown>(
  connection: RedisConnection,
  options: RedisCacheOptions<V> = {},
): Promise<SyncedCache<V>> {
  const { redis = {}, ...cacheOptions } = options;
  rejectUnknownOptions(cacheOptions, CACHE_OPTIONS);
  rejectUnknownOptions(redis, { ...STORE_OPTION_NAMES, ...SYNCHRONIZER_OPTION_NAMES }, 'redis.');
  const adapterOptions: RedisStoreOptions & RedisSynchronizerOptions = {
    ...redis,
    commandTimeoutMs: redis.commandTimeoutMs ?? cacheOptions.timeoutMs,
  };
  // Validate everything before opening a connection, so invalid options leak nothing. The
  // connection serves only this cache, and core bounds every call it makes by `timeoutMs`: while a
  // standalone client is connected, no second, per-command timer in node-redis (an AbortSignal per
  // command, which halved throughput). Commands sent while it reconnects keep it (see Connection).
  const settings = { ...connectionSettings(adapterOptions), perCommandTimer: false };
  const shared = new Connection(connection, settings);
  let store: ReturnType<typeof storeOn> | undefined;
  let synchronizer: ReturnType<typeof synchronizerOn> | undefined;
  try {
    store = storeOn(shared, adapterOptions);
    synchronizer = synchronizerOn(shared.share(), adapterOptions);
  } catch (error) {
    await shared.close();
    if (synchronizer === undefined && store !== undefined) await store.close();
    throw error;
  }
  try {
    return await createCache<V>({ ...cacheOptions, store, synchronizer });
  } catch (error) {
    // createCache closes what it was given when it fails; closing twice is a no-op.
    await Promise.allSettled([store.close(), synchronizer.close()]);
    throw error;
  }
}
