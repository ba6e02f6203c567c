/**
 * `@synced-cache/lfu`: a W-TinyLFU local cache for synced-cache — frequency-sketch admission,
 * adaptive window, cost-aware, Go-compatible options.
 *
 * @packageDocumentation
 */
export {
  createLfuCache,
  type LfuCacheFactory,
  type LfuCacheMetrics,
  type LfuKey,
  LfuLocalCache,
  lfuCacheFactory,
} from './lfu-cache.js';
export {
  DEFAULT_MAX_ENTRIES,
  defaultLocalCacheConfig,
  INTERNAL_COST,
  type LfuCacheOptions,
} from './options.js';

export { VERSION } from './version.js';
