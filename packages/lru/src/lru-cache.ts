import {
  CONTRACT_VERSION,
  InvalidConfigError,
  type LocalCache,
  type LocalCacheConfig,
  type LocalCacheMetrics,
  type LocalCacheSetOptions,
  type OptionNames,
  rejectUnknownOptions,
} from '@synced-cache/core';
import { LRUCache } from 'lru-cache';

/** Default maximum number of entries (the Go library's `MaxSize` default). */
export const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Options of {@link createLruCache}. Accepts the Go library's `LocalCacheConfig` field names: `maxSize`
 * (alias of {@link LruCacheOptions.maxEntries}) and `maxCost`; the LFU-only fields
 * (`numCounters`, `bufferItems`, `ignoreInternalCost`) are accepted and ignored so one config
 * object can be passed to either cache.
 */
export interface LruCacheOptions extends LocalCacheConfig {
  /**
   * Maximum number of entries; the least recently used entry is evicted beyond it.
   * Must be a positive integer.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * The Go library's name for {@link LruCacheOptions.maxEntries} (`NewLRUCache(maxSize)`). When both are
   * given they must be equal.
   * @default 10000
   */
  maxSize?: number;
  /**
   * Maximum total cost (sum of the `cost` given to `set`). Least recently used entries are
   * evicted until the total fits. Unset means only `maxEntries` bounds the cache.
   * Must be a positive safe integer; costs are rounded up to whole units (minimum 1).
   * @default undefined (no cost bound)
   */
  maxCost?: number;
  /**
   * Time to live applied when `set` is called without `ttlMs`; `0` means entries do not expire.
   * Expired entries are dropped when read (no timers). Values beyond 2^31 work.
   * @default 0
   */
  defaultTtlMs?: number;
}

/** Counters of an {@link LruLocalCache}; see `LocalCacheMetrics` in core. */
export type LruCacheMetrics = LocalCacheMetrics;

const NO_COST_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * lru-cache defaults to `performance`, captured when it loads. TTLs here follow `Date.now()`,
 * read at call time: the same clock as core and the LFU cache, never 0 (lru-cache treats a start
 * time of 0 as "no TTL"), and controllable with fake timers in tests. Each cache gets its own,
 * with lru-cache's `ttlResolution` at 0: a reading is reused until a 1 ms unref'd timer retires it
 * or {@link READS_PER_READING} reads have used it. lru-cache's own caching has only the timer, and
 * a long synchronous stretch or a chain of awaited hits (microtasks only) never lets it run, so
 * expired entries were served for the whole stretch. Same rule as core's default tier.
 */
function wallClock(): { now(): number } {
  let reading = 0;
  let readsLeft = 0;
  let armedAt = 0;
  const retire = (): void => {
    readsLeft = 0;
    armedAt = 0;
  };
  return {
    now(): number {
      if (readsLeft > 0) {
        readsLeft--;
        return reading;
      }
      reading = Date.now();
      readsLeft = READS_PER_READING;
      if (armedAt === 0 || reading - armedAt > 1) {
        armedAt = reading;
        const timer = setTimeout(retire, 1);
        if (typeof timer === 'object') timer.unref();
      }
      return reading;
    },
  };
}

/** Reads of one clock reading at most (see {@link wallClock}). */
const READS_PER_READING = 1024;

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isNonNegativeFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

interface ResolvedLruOptions {
  maxEntries: number;
  maxCost: number | undefined;
  defaultTtlMs: number;
}

const OPTION_NAMES: OptionNames<LruCacheOptions> = {
  maxEntries: true,
  maxSize: true,
  maxCost: true,
  defaultTtlMs: true,
  numCounters: true,
  bufferItems: true,
  ignoreInternalCost: true,
};

function resolveOptions(input: LruCacheOptions | number | undefined): ResolvedLruOptions {
  const options: LruCacheOptions = typeof input === 'number' ? { maxEntries: input } : (input ?? {});
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', options, 'an object or a positive integer');
  }
  rejectUnknownOptions(options, OPTION_NAMES);
  const { maxEntries, maxSize, maxCost, defaultTtlMs } = options;
  if (maxEntries !== undefined && !isPositiveInteger(maxEntries)) {
    throw new InvalidConfigError('maxEntries', maxEntries, 'a positive integer');
  }
  if (maxSize !== undefined && !isPositiveInteger(maxSize)) {
    throw new InvalidConfigError('maxSize', maxSize, 'a positive integer');
  }
  if (maxEntries !== undefined && maxSize !== undefined && maxEntries !== maxSize) {
    throw new InvalidConfigError('maxSize', maxSize, `the same value as maxEntries (${maxEntries}) or unset`);
  }
  if (maxCost !== undefined && !isPositiveInteger(maxCost)) {
    throw new InvalidConfigError('maxCost', maxCost, 'a positive safe integer');
  }
  if (defaultTtlMs !== undefined && !isNonNegativeFinite(defaultTtlMs)) {
    throw new InvalidConfigError('defaultTtlMs', defaultTtlMs, 'a finite number of milliseconds >= 0');
  }
  if (options.numCounters !== undefined && !isPositiveInteger(options.numCounters)) {
    throw new InvalidConfigError('numCounters', options.numCounters, 'a positive integer');
  }
  if (options.bufferItems !== undefined && !isPositiveInteger(options.bufferItems)) {
    throw new InvalidConfigError('bufferItems', options.bufferItems, 'a positive integer');
  }
  return {
    maxEntries: maxEntries ?? maxSize ?? DEFAULT_MAX_ENTRIES,
    maxCost,
    defaultTtlMs: defaultTtlMs === undefined ? 0 : Math.ceil(defaultTtlMs),
  };
}

/**
 * A least-recently-used local cache over [`lru-cache`](https://github.com/isaacs/node-lru-cache)
 * v11, bounded by entry count and optionally by total cost, with per-entry TTL checked on read.
 *
 * Create it with {@link createLruCache} or {@link lruCacheFactory}.
 *
 * @typeParam E - the entry type (core stores its own entry objects).
 */
export class LruLocalCache<E = unknown> implements LocalCache<E> {
  /** The contract version this cache implements. */
  readonly contractVersion = CONTRACT_VERSION;
  /** The resolved entry bound. */
  readonly maxEntries: number;
  /** The resolved cost bound, or `undefined` when only the entry count bounds the cache. */
  readonly maxCost: number | undefined;

  private readonly lru: LRUCache<string, E & {}>;
  private readonly defaultTtlMs: number;
  private hits = 0;
  private misses = 0;
  private sets = 0;
  private evictions = 0;
  private rejections = 0;
  private closed = false;

  /**
   * @param options - see {@link LruCacheOptions}; a number is the Go library's `maxSize`.
   * @throws InvalidConfigError when an option is out of range.
   */
  constructor(options?: LruCacheOptions | number) {
    const resolved = resolveOptions(options);
    this.maxEntries = resolved.maxEntries;
    this.maxCost = resolved.maxCost;
    this.defaultTtlMs = resolved.defaultTtlMs;
    // maxSize is always set so that lru-cache tracks the total cost for metrics(); without a
    // cost bound it is effectively infinite. lru-cache only starts TTL bookkeeping (which every
    // later get pays for) once a TTL is actually used, so caches without TTL keep the fast path.
    this.lru = new LRUCache<string, E & {}>({
      max: resolved.maxEntries,
      maxSize: resolved.maxCost ?? NO_COST_BOUND,
      ttl: resolved.defaultTtlMs,
      ttlResolution: 0,
      perf: wallClock(),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  /** Entries currently held (expired entries count until they are read or evicted). */
  get size(): number {
    return this.lru.size;
  }

  /** The entry, or `undefined` when absent or expired. Counts a hit or a miss. */
  get(key: string): E | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) this.misses++;
    else this.hits++;
    return entry;
  }

  /**
   * Whether `key` holds an unexpired entry. Counts nothing and does not refresh recency.
   */
  has(key: string): boolean {
    return this.lru.has(key);
  }

  /**
   * Stores an entry as the most recently used one, evicting the least recently used entries
   * beyond `maxEntries` / `maxCost`.
   *
   * @returns false (and counts a rejection) when the entry's cost alone exceeds `maxCost`, or
   *   after `close()`; any previous entry for the key is then removed.
   * @throws InvalidConfigError when `cost` or `ttlMs` is negative or not finite, or when `entry`
   *   is `undefined` (it would be indistinguishable from a miss).
   */
  set(key: string, entry: E, options?: LocalCacheSetOptions): boolean {
    if (entry === undefined) throw new InvalidConfigError('entry', entry, 'a value other than undefined');
    if (this.closed) return false;
    let size = 1;
    let ttl = this.defaultTtlMs;
    if (options !== undefined) {
      const { cost, ttlMs } = options;
      if (cost !== undefined) {
        if (!isNonNegativeFinite(cost)) throw new InvalidConfigError('cost', cost, 'a finite number >= 0');
        size = cost <= 1 ? 1 : Math.ceil(cost);
      }
      if (ttlMs !== undefined) {
        if (!isNonNegativeFinite(ttlMs)) throw new InvalidConfigError('ttlMs', ttlMs, 'a finite number >= 0');
        ttl = Math.ceil(ttlMs);
      }
    }
    this.sets++;
    if (this.maxCost !== undefined && size > this.maxCost) {
      this.lru.delete(key);
      this.rejections++;
      return false;
    }
    this.lru.set(key, entry as E & {}, { size, ttl });
    return true;
  }

  /** Removes a key; returns whether it was present (an expired entry counts as absent). */
  delete(key: string): boolean {
    // lru-cache's delete reports expired-but-unread entries as present; has() checks expiry.
    const present = this.lru.has(key);
    this.lru.delete(key);
    return present;
  }

  /** Removes every entry. Counters are kept. */
  clear(): void {
    this.lru.clear();
  }

  /** Current counters; see `LocalCacheMetrics`. */
  metrics(): LruCacheMetrics {
    return {
      hits: this.hits,
      misses: this.misses,
      sets: this.sets,
      evictions: this.evictions,
      rejections: this.rejections,
      size: this.lru.size,
      cost: this.lru.calculatedSize,
    };
  }

  /** Drops every entry; later `set` calls return false. Idempotent. */
  close(): void {
    this.closed = true;
    this.lru.clear();
  }
}

/**
 * Creates an LRU local cache (Go: `NewLRUCache(maxSize)`).
 *
 * @example
 * ```ts
 * import { createLruCache } from '@synced-cache/lru';
 * const local = createLruCache({ maxEntries: 50_000, defaultTtlMs: 60_000 });
 * ```
 * @param options - {@link LruCacheOptions}, or the Go library's `maxSize` as a number.
 * @throws InvalidConfigError when an option is out of range.
 */
export function createLruCache<E = unknown>(options?: LruCacheOptions | number): LruLocalCache<E> {
  return new LruLocalCache<E>(options);
}

/**
 * What {@link lruCacheFactory} returns (the Go library's `LRUCacheFactory`): a function making a new, empty
 * cache per call, generic in the entry type so it fits core's `localCache` option for any value
 * type.
 */
export type LruCacheFactory = <E = unknown>() => LruLocalCache<E>;

/**
 * A factory of LRU local caches (Go: `NewLRUCacheFactory(maxSize)`), for core's `localCache`
 * option. Options are validated now, once, so a bad config fails at start-up. The factory makes
 * caches of any entry type, so it fits every `createCache<V>` without a type argument, and one
 * factory can serve caches of different value types.
 *
 * @throws InvalidConfigError when an option is out of range.
 */
export function lruCacheFactory(options?: LruCacheOptions | number): LruCacheFactory {
  resolveOptions(options);
  return <E = unknown>() => new LruLocalCache<E>(options);
}
