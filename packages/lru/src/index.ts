/**
 * `@synced-cache/lru`: an LRU local cache for synced-cache over `lru-cache`.
 *
 * @packageDocumentation
 */
export {
  createLruCache,
  DEFAULT_MAX_ENTRIES,
  type LruCacheFactory,
  type LruCacheMetrics,
  type LruCacheOptions,
  LruLocalCache,
  lruCacheFactory,
} from './lru-cache.js';

export { VERSION } from './version.js';
