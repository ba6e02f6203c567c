/**
 * The contracts that adapters implement. `SyncedCache` only ever talks to these interfaces, so a
 * store, synchronizer, local cache or marshaller from any package (or your own) plugs in.
 *
 * Every contract carries an optional `contractVersion`; core refuses an adapter that declares a
 * version it does not understand (see {@link CONTRACT_VERSION}).
 *
 * @packageDocumentation
 */

/** The contract version this build of core implements. Adapters may declare it as `contractVersion`. */
export const CONTRACT_VERSION = 1 as const;

// ---------------------------------------------------------------------------------------------
// Actions and events
// ---------------------------------------------------------------------------------------------

/**
 * What happened to a key. The Go library's vocabulary: `set` carries the new value to other pods,
 * `invalidate` tells them to drop their copy (they refetch from the store on demand), `delete`
 * removes the key, `clear` removes the whole namespace.
 */
export type Action = 'set' | 'invalidate' | 'delete' | 'clear';

/** The Go library's action constants (`ActionSet`, `ActionInvalidate`, …), for code ported from Go. */
export const Actions = {
  Set: 'set',
  Invalidate: 'invalidate',
  Delete: 'delete',
  Clear: 'clear',
} as const satisfies Record<string, Action>;

/**
 * A change event as it travels between pods (decoded from the binary wire envelope, see
 * `encodeEvent`/`decodeEvent`). The Go library's `InvalidationEvent`.
 */
export interface InvalidationEvent {
  /** What happened. */
  readonly action: Action;
  /** The key (without namespace prefix). Empty for `clear`. */
  readonly key: string;
  /** The pod that made the change (the Go library's `Sender`). */
  readonly podId: string;
  /** Random per process start of the sending pod; with `seq` it detects lost events. */
  readonly epoch: number;
  /** Per-pod sequence number within `epoch`, starting at 1 and increasing by 1 per event. */
  readonly seq: number;
  /**
   * The version the store assigned to this write (for `clear`: a version at least as high as any
   * version the clear removed). Pods apply an event only when it is newer than what they hold.
   */
  readonly version: number;
  /** Store TTL of the write in ms (0 = none); receivers expire their copy with it. */
  readonly ttlMs?: number | undefined;
  /** The encoded value for `set` events; absent otherwise (the Go library's `Value []byte`). */
  readonly value?: Uint8Array | undefined;
}

// ---------------------------------------------------------------------------------------------
// Local cache
// ---------------------------------------------------------------------------------------------

/** Options for {@link LocalCache.set}. */
export interface LocalCacheSetOptions {
  /** Cost of the entry against the cache's `maxCost` (Go: `Set(key, value, cost)`). @default 1 */
  cost?: number;
  /** Time to live in milliseconds; `undefined` or `0` means no expiry. May exceed 2^31. */
  ttlMs?: number;
}

/** Counters of a local cache (Go: `LocalCacheMetrics`). All monotonic except `size` and `cost`. */
export interface LocalCacheMetrics {
  hits: number;
  misses: number;
  sets: number;
  /** Entries removed to make room (not deletes, not expiries). */
  evictions: number;
  /** Sets refused by the admission policy (`set` returned false). */
  rejections: number;
  /** Entries currently held. */
  size: number;
  /** Total cost currently held. */
  cost: number;
}

/**
 * The in-process tier (Go: `LocalCache`). Synchronous and fast; it stores core's own entry
 * objects and never sees bytes. Implementations handle TTL without per-entry timers.
 *
 * @typeParam E - the entry type (core stores its own entry objects).
 */
export interface LocalCache<E = unknown> {
  /** Contract version this implementation targets. */
  readonly contractVersion?: number;
  /** The entry, or `undefined` when absent or expired. Counts a hit or a miss. */
  get(key: string): E | undefined;
  /**
   * Optional: whether `key` holds an unexpired entry, counting nothing and leaving the eviction
   * policy untouched. With it, core updates a held copy in place when another pod changes the key
   * and leaves keys it does not hold out of the cache until read; without it, every value another
   * pod writes waits outside the cache until read (as long as no `onSetLocalCache` hook shapes it).
   */
  has?(key: string): boolean;
  /** Stores an entry; returns false when the admission policy rejects it. */
  set(key: string, entry: E, options?: LocalCacheSetOptions): boolean;
  /** Removes a key; returns whether it was present. */
  delete(key: string): boolean;
  /** Removes every entry. */
  clear(): void;
  /** Entries currently held. */
  readonly size: number;
  /** Counters; see {@link LocalCacheMetrics}. */
  metrics(): LocalCacheMetrics;
  /** Releases resources. Idempotent. */
  close(): void;
}

/**
 * Builds a local cache (Go: `LocalCacheFactory`). Either a function or an object with
 * `create()` (the Go library's shape).
 */
export type LocalCacheFactory<E = unknown> = (() => LocalCache<E>) | { create(): LocalCache<E> };

/**
 * The Go library's `LocalCacheConfig`. Which fields apply depends on the local cache:
 * `maxSize` for LRU and the default cache; `numCounters`, `maxCost`, `bufferItems`,
 * `ignoreInternalCost` for LFU.
 */
export interface LocalCacheConfig {
  /** Maximum number of entries (LRU and the default cache). @default 10000 */
  maxSize?: number;
  /** Number of frequency counters (LFU). Recommended: 10 × max items. */
  numCounters?: number;
  /** Maximum total cost (LFU; LRU when set). */
  maxCost?: number;
  /** Items buffered before eviction (LFU; accepted for parity with the Go library). */
  bufferItems?: number;
  /** Ignore the internal per-entry overhead when accounting cost (LFU). */
  ignoreInternalCost?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------

/** What {@link Store.get} returns for a present key. */
export interface StoreEntry {
  /** The encoded value, exactly the bytes that were set. */
  payload: Uint8Array;
  /** The version the store assigned to the write that produced this value. */
  version: number;
  /** Remaining time to live in milliseconds, when the key has one. */
  ttlMs?: number | undefined;
}

/** Options for {@link Store.set}. */
export interface StoreSetOptions {
  /** Time to live in milliseconds; absent or `0` means none. Values beyond 2^31 work. */
  ttlMs?: number | undefined;
}

/**
 * An event a store publishes in the same atomic step as a write (see {@link Store.setAndPublish}):
 * the write and its event leave the server together, in write order, in one round trip.
 */
export interface StorePublication {
  /** The channel to publish on (the synchronizer's channel for the namespace). */
  readonly channel: string;
  /**
   * The event envelope without its value bytes. The store writes the version it assigns into
   * bytes 4–11 (a big-endian IEEE-754 double, as in its own value header) and, when
   * {@link StorePublication.appendPayload} is true, appends the written payload; the result is
   * byte for byte what core would have published itself.
   */
  readonly head: Uint8Array;
  /** Append the payload to `head` (a `set` event carrying its value). */
  readonly appendPayload: boolean;
}

/** What {@link Store.readLog} returns. */
export interface StoreLogRead {
  /** The identity the log was created with; `undefined` when there is no log. */
  readonly id: string | undefined;
  /** The number of the newest entry; `0` when there is no log. */
  readonly last: number;
  /**
   * The entries numbered `last - entries.length + 1` … `last`, oldest first: those above `after`
   * the store still holds (trimmed ones are missing from the front), at most `max`.
   */
  readonly entries: readonly Uint8Array[];
}

/** One write of a batch ({@link Store.setMany}, {@link Store.setAndPublishMany}). */
export interface StoreBatchWrite {
  /** The full key (namespace prefix included). */
  readonly key: string;
  /** The encoded value. */
  readonly payload: Uint8Array;
  /** As for {@link Store.set}. */
  readonly options?: StoreSetOptions | undefined;
}

/**
 * What a batch write reports for each key, in the order of the batch: `fulfilled` with the version
 * the store assigned, or `rejected` with the error that key's write failed with (the other keys
 * of the batch are unaffected). The shape of `Promise.allSettled`.
 */
export type StoreBatchResult = PromiseSettledResult<number>;

/** What a store can do beyond the required methods. */
export interface StoreCapabilities {
  /** `getMany` reads many keys in few round trips. */
  readonly batchGet?: boolean;
  /** Versions are comparable across keys of one namespace (one clock), not only per key. */
  readonly namespaceVersions?: boolean;
}

/**
 * The shared tier (Go: `Store`), working on bytes. One store instance can serve several caches:
 * core passes full keys (namespace prefix included) and the prefix itself to `clear`/`size`.
 *
 * **Versions** are the heart of convergence. A store assigns a version atomically with each
 * write and returns it: versions are positive safe integers, strictly increasing per key across
 * `set`, `delete` and `clear` — also across restarts of pods and of the store client — so a late
 * event can never win over a newer write. `delete` returns the version of the deletion; `clear`
 * returns a version at least as high as every version it removed.
 */
export interface Store {
  /** Contract version this implementation targets. */
  readonly contractVersion?: number;
  /** Optional capabilities. */
  readonly capabilities?: StoreCapabilities;
  /** Reads a key. */
  get(key: string): Promise<StoreEntry | undefined>;
  /** Reads many keys; the result has one slot per requested key, in order. */
  getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>>;
  /** Writes a key and returns its new version. */
  set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number>;
  /** Deletes a key and returns the version of the deletion. */
  delete(key: string): Promise<number>;
  /**
   * Removes every key that starts with `prefix` (never anything else: no FLUSHDB) and returns a
   * version at least as high as any version it removed.
   */
  clear(prefix: string): Promise<number>;
  /** Number of keys starting with `prefix` (the Go library's RemoteSize). May be O(n) on the server. */
  size(prefix: string): Promise<number>;
  /**
   * A version at least as high as every version this store has assigned so far (for any key).
   * After a pod detects lost events it flushes its local tier and treats every event with a
   * version at or below this value as an invalidation, because a newer write's event may have
   * been the one lost. Optional: without it, core applies `set` events as invalidations for the
   * rest of its life after the first loss (always safe, less efficient).
   */
  currentVersion?(): Promise<number>;
  /**
   * Optional, with {@link Store.deleteAndPublish} and {@link Store.publishesTo}: writes like
   * `set` and publishes `publication` in the same atomic server-side step. Core uses it, instead of
   * `set` followed by `synchronizer.publish`, when `publishesTo(synchronizer)` is true and events
   * are not signed: one round trip instead of two, and an event is published if and only if its
   * write happened.
   */
  setAndPublish?(
    key: string,
    payload: Uint8Array,
    options: StoreSetOptions | undefined,
    publication: StorePublication,
  ): Promise<number>;
  /** Optional: `delete` plus publishing `publication` (never with a payload) atomically. */
  deleteAndPublish?(key: string, publication: StorePublication): Promise<number>;
  /**
   * Optional: writes every entry as {@link Store.set} would, in as few round trips as the store
   * allows (one pipeline on Redis; on a Cluster one per slot), and reports each key's outcome in
   * order. Every write is its own atomic step with its own version, exactly the version a single
   * `set` at that point would get; a key's failure does not affect the others. The promise
   * rejects only when nothing could be sent (then no key was written). Core uses it, when
   * present, for `setMany` and `getOrSetMany`.
   */
  setMany?(writes: readonly StoreBatchWrite[]): Promise<StoreBatchResult[]>;
  /** Optional: {@link Store.delete} for every key, batched and reported as {@link Store.setMany}. */
  deleteMany?(keys: readonly string[]): Promise<StoreBatchResult[]>;
  /**
   * Optional, for a store with {@link Store.setAndPublish}: {@link Store.setMany} where write `i`
   * also publishes `publications[i]` in its own atomic step (in batch order, so events leave in
   * the order core numbered them). Consecutive events on one channel may leave together as one
   * batch frame (`encodeBatch`), which every pod reads as those events in order.
   */
  setAndPublishMany?(
    writes: readonly StoreBatchWrite[],
    publications: readonly StorePublication[],
  ): Promise<StoreBatchResult[]>;
  /** Optional: {@link Store.deleteMany} where delete `i` also publishes `publications[i]` atomically. */
  deleteAndPublishMany?(
    keys: readonly string[],
    publications: readonly StorePublication[],
  ): Promise<StoreBatchResult[]>;
  /**
   * Optional: appends `entry` to the small log at `key`, keeping only its newest `keep` entries,
   * in one atomic step, and returns the entry's number: 1, 2, 3, … in append order, never reused
   * while the log exists. A log that does not exist is created with the identity `id` (the caller
   * passes a fresh random one). Core keeps its close log here: what each pod that closed cleanly
   * last numbered, so that a peer that missed all of it can tell (see `docs/architecture.md`).
   * A store without it still converges: core then announces every such close as a possible loss.
   */
  appendLog?(key: string, entry: Uint8Array, keep: number, id: string): Promise<number>;
  /**
   * Optional, with {@link Store.appendLog}: the log at `key` — its identity, its newest number,
   * and the entries still held that are numbered above `after`, at most `max` of the newest.
   */
  readLog?(key: string, after: number, max: number): Promise<StoreLogRead>;
  /**
   * Optional: true when what this store publishes reaches `synchronizer`'s subscribers, in order
   * with what `synchronizer` itself publishes (for example the same Redis connection). Core asks
   * once, when the cache is created.
   */
  publishesTo?(synchronizer: Synchronizer): boolean;
  /** Releases what the store created (never a client the user passed in). Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Synchronizer
// ---------------------------------------------------------------------------------------------

/**
 * Connection status a synchronizer reports to core:
 * - `up`: subscribed and receiving;
 * - `down`: the connection is lost (messages published meanwhile may be missed);
 * - `resubscribed`: the subscription was re-established after a loss, so messages may have been
 *   lost; core flushes the local namespace.
 */
export type SynchronizerStatus = 'up' | 'down' | 'resubscribed';

/** Receives raw messages; must not throw (core's handler never does). */
export type MessageHandler = (message: Uint8Array) => void;

/** Receives status changes. */
export type StatusHandler = (status: SynchronizerStatus, error?: unknown) => void;

/** A live subscription; `unsubscribe` is idempotent. */
export interface Subscription {
  unsubscribe(): Promise<void>;
}

/** What a synchronizer can do beyond the required methods. */
export interface SynchronizerCapabilities {
  /** Messages from one publisher arrive in publish order. */
  readonly ordered?: boolean;
  /** Missed messages can be replayed after a reconnect (so no flush is needed). */
  readonly replay?: boolean;
}

/**
 * Moves opaque byte messages between pods (Go: `Synchronizer`). Delivery may be at most once
 * (pub/sub); core detects loss with per-pod sequence numbers and the `resubscribed` status.
 */
export interface Synchronizer {
  /** Contract version this implementation targets. */
  readonly contractVersion?: number;
  /** Optional capabilities. */
  readonly capabilities?: SynchronizerCapabilities;
  /** Publishes one message on `channel`. Resolves once the transport accepted it. */
  publish(channel: string, message: Uint8Array): Promise<void>;
  /**
   * Subscribes to `channel`. Resolves once the subscription is confirmed by the server, so no
   * message published after it resolves is missed.
   */
  subscribe(channel: string, onMessage: MessageHandler, onStatus: StatusHandler): Promise<Subscription>;
  /** Unsubscribes everything and releases what the synchronizer created. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Marshaller, logger
// ---------------------------------------------------------------------------------------------

/**
 * Turns values into bytes and back (Go: `Marshaller`). Both directions throw
 * `SerializationError` on bad input; `decode` never pollutes prototypes.
 */
export interface Marshaller<V = unknown> {
  /** Contract version this implementation targets. */
  readonly contractVersion?: number;
  /** A short name for logs and errors, e.g. `'json'`. */
  readonly name?: string;
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
}

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The Go library's `Logger`. Console-compatible; pino fits with
 * `{ debug: (m, f) => pino.debug(f, m), … }` (pino takes fields first).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
