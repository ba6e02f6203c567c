import type {
  InvalidationEvent,
  LocalCache,
  LocalCacheConfig,
  LocalCacheFactory,
  Logger,
  Marshaller,
  Store,
  Synchronizer,
  SynchronizerStatus,
} from './contracts.js';
import type { SyncedCacheError } from './errors.js';

/**
 * What core keeps in the local tier for each key: the decoded value itself (after
 * `onSetLocalCache`), never `undefined`. Local caches store it as an opaque value. Versions live in
 * core's version table, not in the entry, which saves a wrapper object per entry (40 bytes on
 * 64-bit Node).
 * @deprecated since 0.2: a local cache holds the values themselves; write `LocalCache<V>`.
 */
export type LocalEntry<V = unknown> = V;

/** A pod's role (Go: reader and writer pods). */
export type Role = 'writer' | 'reader';

/** Where a background error happened, passed to `onError`. */
export interface ErrorInfo {
  /** The operation: `'get'`, `'set'`, `'publish'`, `'subscribe'`, `'apply'`, `'close'`, … */
  operation: string;
  /** The key, when there was one. */
  key?: string | undefined;
}

/** What every call of the cache takes (the Go library's per-call `ctx`). */
export interface CallOptions {
  /**
   * Stops waiting when aborted: the call rejects with `signal.reason` (an `AbortError` unless you
   * gave a reason); an already aborted signal starts nothing. Aborting ends the wait only, as a
   * timeout does: a store call already sent may still complete, and a write that does reaches every
   * pod as usual. `timeoutMs` still bounds every call.
   */
  signal?: AbortSignal | undefined;
}

/** Options for `set` and `setWithInvalidate`. */
export interface SetOptions extends CallOptions {
  /** Store TTL in ms for this write; `0` means none. @default options.ttlMs */
  ttlMs?: number;
  /** Local TTL in ms for this write; never longer than the store TTL. @default options.localTtlMs */
  localTtlMs?: number;
  /** Cost of the entry in the local tier. @default 1 */
  cost?: number;
}

/** Options for `getOrSet`. */
export interface GetOrSetOptions extends SetOptions {
  /** Propagate the loaded value as `invalidate` instead of `set`. @default false */
  invalidate?: boolean;
}

/**
 * The loader of `getOrSetMany`: called once with the keys neither the local tier nor the store
 * holds; answers with a `Map` of key to value, or an array of values in the order of `keys`. A key
 * it has no value for (absent from the map, or `undefined`) is not cached and reads as `undefined`.
 */
export type BatchLoader<V> = (
  keys: string[],
) =>
  | ReadonlyMap<string, V | undefined>
  | ReadonlyArray<V | undefined>
  | Promise<ReadonlyMap<string, V | undefined> | ReadonlyArray<V | undefined>>;

/**
 * Statistics (Go: `Stats`). Counters count since creation; `localSize` is read live and
 * `remoteSize` is the value measured by the last `fetchStats()` (0 before the first).
 */
export interface Stats {
  localHits: number;
  localMisses: number;
  remoteHits: number;
  remoteMisses: number;
  localSize: number;
  remoteSize: number;
  /** Remote events applied that dropped or replaced a local entry. */
  invalidations: number;
  /** Remote events applied (any action). */
  eventsApplied: number;
  /** Remote events ignored because the pod already held something newer (or a duplicate). */
  eventsStale: number;
  /**
   * Store reads that failed or timed out (each read as a miss, reported through `onError`), from
   * `get`, `getMany` and `getOrSet`.
   */
  readErrors: number;
  /** Bus messages dropped as malformed, foreign-version, oversized or badly signed. */
  eventsDropped: number;
  /** Local namespace flushes after lost events or a resubscription. */
  resyncs: number;
  /** Publishes that failed and were queued for retry. */
  publishRetries: number;
  /** Publishes given up on (retry queue full or closed); peers resync on the next gap. */
  publishFailures: number;
  /** Times the store circuit opened (consecutive timeouts: store calls then fail at once for a while). */
  circuitOpens: number;
  /** The store circuit now: `closed` (normal), `open` (failing fast), `half-open` (one probe out). */
  storeCircuit: 'closed' | 'open' | 'half-open';
}

/** Typed events a cache emits (see `SyncedCache.on`). */
export interface CacheEventMap {
  /** A background error (also passed to `onError` and logged). */
  error: [error: SyncedCacheError, info: ErrorInfo];
  /** The synchronizer's status changed. */
  status: [status: SynchronizerStatus];
  /** A remote event was received; `applied` tells whether it changed the local tier. */
  event: [event: InvalidationEvent, applied: boolean];
  /** The local namespace was flushed. */
  resync: [reason: 'gap' | 'resubscribed' | 'clear' | 'store-reset'];
  /** A bus message was dropped. */
  dropped: [reason: string];
  /** The store circuit changed: `open` after consecutive timeouts, `half-open` probing, `closed` again. */
  circuit: [state: 'closed' | 'open' | 'half-open'];
}

/**
 * Options of a `SyncedCache` (Go: `Options`). Every Go option has a counterpart; Go names
 * are listed in each option's doc.
 */
export interface SyncedCacheOptions<V = unknown> {
  /**
   * Identifies this pod on the bus so it ignores its own events (Go: `PodID`).
   * @default a unique id per cache instance (hostname, pid and random bytes). Never a shared
   *   constant: the Go library's default silently disabled sync when every pod kept it.
   */
  podId?: string;
  /** Prefixes keys, scopes the channel, `clear` and stats. @default 'default' */
  namespace?: string;
  /**
   * The shared tier (Go: Redis address/password/db, now in the adapters' options).
   * @default a new `MemoryStore` (single process)
   */
  store?: Store;
  /** The bus (Go: Redis pub/sub). @default a new `MemorySynchronizer` (single process) */
  synchronizer?: Synchronizer;
  /** Channel base name (Go: `InvalidationChannel`); the namespace is appended. @default 'cache:invalidate' */
  channel?: string;
  /**
   * A local cache instance, or a factory (Go: `LocalCacheFactory`), holding the values themselves
   * (the value type is taken from the other options, never from the cache). @default a bounded SIEVE cache
   */
  localCache?: LocalCache<NoInfer<V>> | LocalCacheFactory<NoInfer<V>>;
  /**
   * Sizes the default local cache (the Go library's `LocalCacheConfig`): `maxSize` and `maxCost`.
   * Its LFU fields (`numCounters`, `bufferItems`, `ignoreInternalCost`) configure
   * `lfuCacheFactory(…)` from `@synced-cache/lfu` instead, and are rejected here, as is this option
   * next to `localCache`: an `InvalidConfigError` rather than settings silently ignored.
   */
  localCacheConfig?: LocalCacheConfig;
  /**
   * The Go library's `SerializationFormat`. `'json'` is core's built-in plain JSON marshaller (the
   * default, as in Go). Core loads no format package by name: for `'msgpack'` also pass
   * `marshaller: createMsgpackMarshaller()` from `@synced-cache/msgpack` (without it, an
   * `InvalidConfigError` says so), and for type-faithful JSON pass `createJsonMarshaller()` from
   * `@synced-cache/json`. Ignored when `marshaller` is given.
   * @default 'json'
   */
  serializationFormat?: 'json' | 'msgpack';
  /** Encodes values (Go: `Marshaller`). */
  marshaller?: Marshaller<V>;
  /**
   * Where logs go (the Go library's `Logger`). Unlike the Go library's no-op default, failures are
   * visible by default: `consoleLogger` writes errors (each operation and code at most once per
   * 10 s, with a count of the rest) and warnings; debug lines only with `debug`. Pass `noopLogger`
   * for silence, or your own (e.g. pino).
   * @default consoleLogger
   */
  logger?: Logger;
  /** Emit debug logs (Go: `DebugMode`). @default false */
  debug?: boolean;
  /** Bound on every store and bus call, in ms (Go: `ContextTimeout`). @default 1000 */
  timeoutMs?: number;
  /** Count statistics (Go: `EnableMetrics`). @default true */
  enableMetrics?: boolean;
  /** Called for every background error (Go: `OnError`). Never throws into the cache. */
  onError?: (error: SyncedCacheError, info: ErrorInfo) => void;
  /**
   * `'reader'` pods `set` the store only when `readerCanSetToStore`; their `delete` and `clear`
   * always reach the store and every pod, as in the Go library. @default 'writer'
   */
  role?: Role;
  /**
   * Let reader pods `set` the store (the Go library's `ReaderCanSetToRedis`). When false, a
   * reader's `set` and `setWithInvalidate` only update its own local tier.
   * @default false
   */
  readerCanSetToStore?: boolean;
  /**
   * The Go library's name for {@link SyncedCacheOptions.readerCanSetToStore}, accepted so options
   * ported from Go work; giving both with different values is an `InvalidConfigError`.
   */
  readerCanSetToRedis?: boolean;
  /**
   * Shapes what the local tier holds (Go: `OnSetLocalCache`). Called with the event (its
   * `value` holds the encoded bytes) on received `set` events, on store fills and on own sets,
   * so the local tier holds one shape. Return `undefined` to not store locally.
   */
  onSetLocalCache?: (event: InvalidationEvent, decode: (bytes: Uint8Array) => V) => V | undefined;
  /** Default store TTL in ms; `0` means none. @default 0 */
  ttlMs?: number;
  /** Default local TTL in ms, a bound on staleness; `0` means the store TTL only. @default 0 */
  localTtlMs?: number;
  /** Largest accepted key in UTF-8 bytes. @default 16384 */
  maxKeyBytes?: number;
  /** Largest accepted encoded value in bytes. @default 16777216 (16 MiB) */
  maxValueBytes?: number;
  /** Values larger than this travel as `invalidate` instead of `set`. @default 65536 */
  maxEventValueBytes?: number;
  /** HMAC-SHA256 secret: events are signed, unsigned or badly signed ones are dropped. */
  secret?: string | Uint8Array;
  /**
   * Interval of the heartbeat that lets peers detect lost trailing events, in ms; `0` disables.
   * @default 5000
   */
  heartbeatMs?: number;
  /**
   * How many keys' last-seen versions (including tombstones of deleted keys) a pod remembers.
   * When it forgets one, it raises a version floor instead, so a forgotten key can only make a late
   * event look stale (dropped: safe), never fresh.
   * @default 100000
   */
  maxTrackedKeys?: number;
  /** Maximum failed publishes queued for retry (per key, newest wins). @default 10000 */
  maxPendingPublishes?: number;
}

/**
 * The cache contract (Go: `Cache`). All methods are async except `peek` and `stats`.
 * @typeParam V - the value type
 */
export interface Cache<V = unknown> {
  /** The value from the local tier, else from the store (filling the local tier); `undefined` when absent. */
  get(key: string, options?: CallOptions): Promise<V | undefined>;
  /** The value from the local tier only; never touches the store. */
  peek(key: string): V | undefined;
  /** Writes the store, the local tier, and sends the value to other pods. */
  set(key: string, value: V, options?: SetOptions): Promise<void>;
  /** Writes the store and the local tier; other pods drop their copy and refetch on demand. */
  setWithInvalidate(key: string, value: V, options?: SetOptions): Promise<void>;
  /** Removes the key everywhere. */
  delete(key: string, options?: CallOptions): Promise<void>;
  /** Removes every key of the namespace everywhere (never FLUSHDB). */
  clear(options?: CallOptions): Promise<void>;
  /** The value, or the loader's result written through; the loader runs once per pod per key at a time. */
  getOrSet(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions): Promise<V>;
  /** Values for many keys; one loader call for the keys neither tier holds, written through. */
  getOrSetMany(
    keys: readonly string[],
    loader: BatchLoader<V>,
    options?: GetOrSetOptions,
  ): Promise<Array<V | undefined>>;
  /** Writes many entries as `set` does, concurrently (about one round trip). */
  setMany(entries: Iterable<readonly [string, V]>, options?: SetOptions): Promise<void>;
  /** Removes many keys everywhere, concurrently. */
  deleteMany(keys: readonly string[], options?: CallOptions): Promise<void>;
  /** Statistics; see {@link Stats}. */
  stats(): Stats;
  /** Flushes pending publishes, unsubscribes and closes adapters. Idempotent. */
  close(): Promise<void>;
}
