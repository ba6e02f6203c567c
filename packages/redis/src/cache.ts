import { createCache, type SyncedCache, type SyncedCacheOptions } from '@synced-cache/core';
import { optionsOf, type RedisConnectable, RedisConnection } from './connection.js';
import { type RedisStoreOptions, storeOn } from './store.js';
import { type RedisSynchronizerOptions, synchronizerOn } from './synchronizer.js';

/** Cache options for {@link createRedisCache}: every core option except `store` and `synchronizer`. */
export type RedisCacheOptions<V = unknown> = Omit<SyncedCacheOptions<V>, 'store' | 'synchronizer'>;

/**
 * Builds a ready two-tier cache on Redis in one call: a {@link createRedisStore} store and a
 * {@link createRedisSynchronizer} synchronizer sharing one connection (the subscriber gets its own
 * duplicate), then core's `createCache`, which resolves once the subscription is confirmed.
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
 * @throws InvalidConfigError for invalid options; the typed error of a failed subscription.
 */
export async function createRedisCache<V = unknown>(
  clientOrOptions: RedisConnectable | string | (RedisStoreOptions & RedisSynchronizerOptions),
  cacheOptions: RedisCacheOptions<V> = {},
): Promise<SyncedCache<V>> {
  const options = optionsOf<RedisStoreOptions & RedisSynchronizerOptions>(clientOrOptions);
  let connection: RedisConnection | undefined;
  const connect = (): RedisConnection => {
    connection =
      connection === undefined ? new RedisConnection(clientOrOptions, 'redis') : connection.share();
    return connection;
  };
  const store = storeOn(connect, options);
  const synchronizer = synchronizerOn(connect, options);
  try {
    return await createCache<V>({ ...cacheOptions, store, synchronizer });
  } catch (error) {
    // createCache closes what it was given when it fails; closing again is a no-op, so this also
    // covers failures before core took ownership.
    await Promise.allSettled([store.close(), synchronizer.close()]);
    throw error;
  }
}
