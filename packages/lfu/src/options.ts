import {
  InvalidConfigError,
  type LocalCacheConfig,
  type OptionNames,
  rejectUnknownOptions,
} from '@synced-cache/core';

/** Default maximum number of entries when neither `maxEntries`/`maxSize` nor `maxCost` is given. */
export const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Estimated bookkeeping bytes per entry (map entry, typed-array slots, key and value slots),
 * added to each entry's cost when `ignoreInternalCost` is false.
 */
export const INTERNAL_COST = 64;

/**
 * Options of {@link createLfuCache}. Accepts the Go library's `LocalCacheConfig` (Ristretto) field
 * names — `numCounters`, `maxCost`, `bufferItems`, `ignoreInternalCost`, `maxSize` — plus our own.
 *
 * Bounds: the cache holds at most `maxEntries` entries and at most `maxCost` total cost, each
 * when set. With neither set it holds 10 000 entries.
 */
export interface LfuCacheOptions extends LocalCacheConfig {
  /**
   * Maximum number of entries. Must be a positive integer.
   * @default 10000 when `maxCost` is not set, otherwise unbounded (only `maxCost` applies)
   */
  maxEntries?: number;
  /**
   * The Go library's name for {@link LfuCacheOptions.maxEntries}. Unlike the Go library's Ristretto cache (which
   * ignores `MaxSize`), the LFU cache honours it. When both are given they must be equal.
   */
  maxSize?: number;
  /**
   * Maximum total cost (sum of the `cost` given to `set`, plus {@link INTERNAL_COST} per entry
   * when `ignoreInternalCost` is false). When set, the policy's window and segments are sized in
   * cost units (weighted W-TinyLFU). Must be a positive finite number.
   * @default undefined (entries are bounded by count only)
   */
  maxCost?: number;
  /**
   * Number of 4-bit frequency counters (Go: `NumCounters`, recommended 10 × the expected
   * number of entries). Rounded up to a power of two; capped at 2^27 (64 MiB).
   * @default 16 × the expected number of entries (`maxEntries`, else `maxCost`, at most 2^20)
   */
  numCounters?: number;
  /**
   * Accepted for parity with the Go library and ignored: Ristretto buffers gets and sets to reduce lock
   * contention between goroutines; a JavaScript cache runs on one thread and applies every
   * access immediately. Must be a positive integer when given.
   */
  bufferItems?: number;
  /**
   * When false, each entry's cost includes an estimate of its bookkeeping overhead
   * ({@link INTERNAL_COST} units, meant as bytes), as Ristretto does. Only useful when costs
   * are bytes.
   * @default true (Ristretto defaults to false; with unit costs that would be surprising)
   */
  ignoreInternalCost?: boolean;
  /**
   * Time to live applied when `set` is called without `ttlMs`; `0` means no expiry. Entries are
   * checked on read and dropped lazily (no timers). Values beyond 2^31 work.
   * @default 0
   */
  defaultTtlMs?: number;
  /**
   * Seed of the hash salt and of the admission randomness. By default a random one per cache, so
   * an attacker cannot precompute colliding keys; set it to get reproducible runs (benchmarks).
   * @default a random 32-bit integer
   */
  randomSeed?: number;
}

/** Options after validation and defaults. */
export interface ResolvedLfuOptions {
  maxEntries: number;
  /** The policy's capacity in weight units: `maxCost` in cost mode, else `maxEntries`. */
  maximumWeight: number;
  costMode: boolean;
  internalCost: number;
  counters: number;
  sampleSize: number;
  defaultTtlMs: number;
  randomSeed: number;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isPositiveFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

const OPTION_NAMES: OptionNames<LfuCacheOptions> = {
  maxEntries: true,
  maxSize: true,
  maxCost: true,
  numCounters: true,
  bufferItems: true,
  ignoreInternalCost: true,
  defaultTtlMs: true,
  randomSeed: true,
};

/**
 * Validates options once, at construction.
 * @throws InvalidConfigError naming the first invalid option and its value.
 */
export function resolveLfuOptions(input: LfuCacheOptions | undefined): ResolvedLfuOptions {
  const options = input ?? {};
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', options, 'an object');
  }
  rejectUnknownOptions(options, OPTION_NAMES);
  const {
    maxEntries,
    maxSize,
    maxCost,
    numCounters,
    bufferItems,
    ignoreInternalCost,
    defaultTtlMs,
    randomSeed,
  } = options;
  if (maxEntries !== undefined && !isPositiveInteger(maxEntries)) {
    throw new InvalidConfigError('maxEntries', maxEntries, 'a positive integer');
  }
  if (maxSize !== undefined && !isPositiveInteger(maxSize)) {
    throw new InvalidConfigError('maxSize', maxSize, 'a positive integer');
  }
  if (maxEntries !== undefined && maxSize !== undefined && maxEntries !== maxSize) {
    throw new InvalidConfigError('maxSize', maxSize, `the same value as maxEntries (${maxEntries}) or unset`);
  }
  if (maxCost !== undefined && !isPositiveFinite(maxCost)) {
    throw new InvalidConfigError('maxCost', maxCost, 'a positive finite number');
  }
  if (numCounters !== undefined && !isPositiveInteger(numCounters)) {
    throw new InvalidConfigError('numCounters', numCounters, 'a positive integer');
  }
  if (bufferItems !== undefined && !isPositiveInteger(bufferItems)) {
    throw new InvalidConfigError('bufferItems', bufferItems, 'a positive integer');
  }
  if (ignoreInternalCost !== undefined && typeof ignoreInternalCost !== 'boolean') {
    throw new InvalidConfigError('ignoreInternalCost', ignoreInternalCost, 'a boolean');
  }
  if (
    defaultTtlMs !== undefined &&
    (typeof defaultTtlMs !== 'number' || !Number.isFinite(defaultTtlMs) || defaultTtlMs < 0)
  ) {
    throw new InvalidConfigError('defaultTtlMs', defaultTtlMs, 'a finite number of milliseconds >= 0');
  }
  if (randomSeed !== undefined && !Number.isSafeInteger(randomSeed)) {
    throw new InvalidConfigError('randomSeed', randomSeed, 'an integer');
  }
  const entryBound = maxEntries ?? maxSize ?? (maxCost === undefined ? DEFAULT_MAX_ENTRIES : undefined);
  const costMode = maxCost !== undefined;
  // The sketch and its aging period are sized for the number of entries the cache will hold.
  let expectedEntries: number;
  if (entryBound !== undefined) expectedEntries = Math.min(entryBound, maxCost ?? entryBound);
  else if (numCounters !== undefined) expectedEntries = numCounters / 10;
  else expectedEntries = Math.min(maxCost ?? DEFAULT_MAX_ENTRIES, 1 << 20);
  expectedEntries = Math.max(1, Math.ceil(expectedEntries));
  const counters = numCounters ?? 16 * expectedEntries;
  let seed = randomSeed === undefined ? (Math.random() * 0x100000000) | 0 : randomSeed | 0;
  if (seed === 0) seed = 0x2545f491;
  return {
    maxEntries: entryBound ?? Number.POSITIVE_INFINITY,
    maximumWeight: costMode ? maxCost : (entryBound as number),
    costMode,
    internalCost: ignoreInternalCost === false ? INTERNAL_COST : 0,
    counters,
    sampleSize: 10 * expectedEntries,
    defaultTtlMs: defaultTtlMs ?? 0,
    randomSeed: seed,
  };
}

/**
 * The Go library's `DefaultLocalCacheConfig()`: 10 000 entries, 100 000 frequency counters (10 × the
 * entries), `bufferItems` 64 (a no-op here) and internal cost ignored. No `maxCost`, so entries
 * are bounded by count.
 */
export function defaultLocalCacheConfig(): LocalCacheConfig {
  return {
    maxSize: DEFAULT_MAX_ENTRIES,
    numCounters: 10 * DEFAULT_MAX_ENTRIES,
    bufferItems: 64,
    ignoreInternalCost: true,
  };
}
