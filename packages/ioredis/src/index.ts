/**
 * Redis store and pub/sub synchronizer for synced-cache over ioredis 5 or 6: standalone,
 * Sentinel and Cluster (sharded pub/sub on Cluster by default).
 *
 * @packageDocumentation
 */

export { createIoredisCache, type IoredisCacheOptions } from './cache.js';
export type { IoredisClusterConnection, IoredisConnection } from './connection.js';
export { createIoredisStore, IoredisStore, type IoredisStoreOptions } from './store.js';
export {
  createIoredisSynchronizer,
  IoredisSynchronizer,
  type IoredisSynchronizerOptions,
} from './synchronizer.js';
export { VERSION } from './version.js';
