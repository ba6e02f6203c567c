/**
 * `@synced-cache/redis`: a Redis store and pub/sub synchronizer for synced-cache over node-redis
 * (`redis` v5 or v6) — standalone, Cluster (sharded pub/sub) and Sentinel.
 *
 * @packageDocumentation
 */
export { createRedisCache, type RedisCacheOptions } from './cache.js';
export type {
  RedisAdapterOptions,
  RedisClientLike,
  RedisClusterLike,
  RedisCommandOptions,
  RedisConnectable,
  RedisConnection,
  RedisConnectionOptions,
  RedisSentinelLike,
} from './connection.js';
export { createRedisStore, type RedisStoreOptions } from './store.js';
export { createRedisSynchronizer, type RedisSynchronizerOptions } from './synchronizer.js';

export { VERSION } from './version.js';
