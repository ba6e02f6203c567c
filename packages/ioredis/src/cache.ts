import {
  CACHE_OPTION_NAMES,
  createCache,
  rejectUnknownOptions,
  type SyncedCache,
  type SyncedCacheOptions,
} from '@synced-cache/core';
import { DEFAULT_COMMAND_TIMEOUT_MS, positiveInteger } from '@synced-cache/redis-common';
import { type IoredisConnection, openConnection } from './connection.js';
import { createOwningStore, IoredisStore, type IoredisStoreOptions, STORE_OPTION_NAMES } from './store.js';
import {
  IoredisSynchronizer,
  type IoredisSynchronizerOptions,
  SYNCHRONIZER_OPTION_NAMES,
} from './synchronizer.js';

// The cache's options are checked before connecting: core's, less the two this factory makes.
const { store: _store, synchronizer: _synchronizer, ...CACHE_OPTIONS } = CACHE_OPTION_NAMES;

/** Options of {@link createIoredisCache}: the cache's options plus the adapters' under `redis`. */
export interface IoredisCacheOptions<V = unknown>
  extends Omit<SyncedCacheOptions<V>, 'store' | 'synchronizer'> {
  /**
   * Store and synchronizer options. `commandTimeoutMs` defaults to the cache's `timeoutMs`.
   */
  redis?: IoredisStoreOptions & IoredisSynchronizerOptions;
}

/**
 * Builds a ready two-tier cache on Redis in one call: one connection for store reads/writes and
 * publishing, one dedicated subscriber connection. With a URL or options the connections are
 * created here and closed by `cache.close()`; a client you pass is used and never closed (its
 * subscriber duplicate is).
 *
 * @throws InvalidConfigError for invalid options; StoreError / SynchronizerError / TimeoutError
 *   when Redis cannot be reached within `timeoutMs` to subscribe.
 * @example
 * import { createIoredisCache } from '@synced-cache/ioredis';
 * const cache = await createIoredisCache<User>('redis://127.0.0.1:6379', { namespace: 'users' });
 * await cache.set('u:1', { name: 'Ada' });
 * const user = await cache.get('u:1');
 */
export async function createIoredisCache<V = unknown>(
  connection: IoredisConnection,
  options: IoredisCacheOptions<V> = {},
): Promise<SyncedCache<V>> {
  const { redis = {}, ...cacheOptions } = options;
  rejectUnknownOptions(cacheOptions, CACHE_OPTIONS);
  rejectUnknownOptions(redis, { ...STORE_OPTION_NAMES, ...SYNCHRONIZER_OPTION_NAMES }, 'redis.');
  const commandTimeoutMs = positiveInteger(
    'redis.commandTimeoutMs',
    redis.commandTimeoutMs ?? cacheOptions.timeoutMs,
    DEFAULT_COMMAND_TIMEOUT_MS,
  );
  const adapterOptions = { ...redis, commandTimeoutMs };
  // The connection serves only this cache, and core bounds every call it makes by `timeoutMs`:
  // no second, per-command timer in ioredis (about 1.5 µs per command).
  const { client, owned } = openConnection(connection, commandTimeoutMs, false);
  let store: IoredisStore | undefined;
  let synchronizer: IoredisSynchronizer | undefined;
  try {
    store = owned
      ? createOwningStore(client, adapterOptions)
      : new IoredisStore(client, false, adapterOptions);
    synchronizer = new IoredisSynchronizer(client, false, adapterOptions);
    return await createCache<V>({ ...cacheOptions, store, synchronizer });
  } catch (error) {
    await synchronizer?.close();
    if (store !== undefined) await store.close();
    else if (owned) client.disconnect();
    throw error;
  }
}
