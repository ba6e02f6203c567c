import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import { type CodecOptions, decodeEvent, EventDecodeError, encodeEvent, type WireEvent } from './codec.js';
import type {
  Action,
  InvalidationEvent,
  LocalCache,
  Logger,
  Marshaller,
  Store,
  StoreEntry,
  StorePublication,
  Subscription,
  Synchronizer,
  SynchronizerStatus,
} from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { Deadline, Deadlines } from './deadlines.js';
import {
  CacheClosedError,
  InvalidConfigError,
  LimitExceededError,
  SerializationError,
  StoreError,
  SyncedCacheError,
  SynchronizerError,
  TimeoutError,
} from './errors.js';
import { InFlight } from './in-flight.js';
import { noopLogger } from './logger.js';
import { jsonMarshaller, loadMarshaller } from './marshaller.js';
import { MemoryStore } from './memory-store.js';
import { MemorySynchronizer } from './memory-synchronizer.js';
import type {
  Cache,
  CacheEventMap,
  ErrorInfo,
  GetOrSetOptions,
  LocalEntry,
  SetOptions,
  Stats,
  SyncedCacheOptions,
} from './options.js';
import { SieveCache } from './sieve-cache.js';
import { VersionTable } from './version-table.js';

/** An in-flight store read; events for its key mark it overtaken so its result is not cached. */
/**
 * One store read in flight for a key; concurrent gets share it. It is its own deadline node, so a
 * read costs one promise and no timer or extra allocation for its timeout.
 */
class Fill<V> extends Deadline {
  readonly promise: Promise<V | undefined>;
  private resolvePromise!: (value: V | undefined) => void;
  /** An event or local write for the key arrived while reading: return the value, do not cache it. */
  overtaken = false;
  /** Settled (by the read, an error or the timeout); later results are ignored. */
  done = false;

  constructor(
    private readonly onTimeout: (fill: Fill<V>) => void,
    readonly key: string,
    readonly operation: string,
    /** The cache's generation when the read started; a flush or clear since makes it stale. */
    readonly generation: number,
  ) {
    super();
    this.promise = new Promise<V | undefined>((resolve) => {
      this.resolvePromise = resolve;
    });
  }

  resolve(value: V | undefined): void {
    this.done = true;
    this.resolvePromise(value);
  }

  expire(): void {
    this.onTimeout(this);
  }
}

/** A bounded adapter call (see `SyncedCache.call`); its own deadline node. */
class PendingCall<T> extends Deadline {
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly timeoutMs: number,
    readonly action: string,
    readonly key: string | undefined,
  ) {
    super();
  }

  expire(): void {
    this.reject(new TimeoutError(this.timeoutMs, { action: this.action, key: this.key }));
  }
}

/** A publish waiting for retry; per key only the newest is kept. */
interface PendingPublish {
  action: Action;
  key: string;
  version: number;
  ttlMs: number;
  value: Uint8Array | undefined;
}

type Listener<K extends keyof CacheEventMap> = (...args: CacheEventMap[K]) => void;

const CLEAR_SLOT = Symbol('clear');
const MAX_PEERS = 10_000;
const MAX_DEFERRED_SETS = 10_000;

/**
 * A two-level cache (seed: `SyncedCache`): hot values in an in-process local tier, all values in a
 * shared store, and change events on a synchronizer so every other pod updates or drops its copy.
 *
 * Create one with {@link createCache}. Local hits return without touching the network; misses
 * read the store once per key however many callers wait; writes go to the store first (which
 * assigns a version), then to the local tier, then to the other pods. Pods apply an event only
 * when it is newer than what they hold, so they converge whatever order events arrive in, and
 * flush their local tier when they detect lost events.
 *
 * @example
 * ```ts
 * const cache = await createCache<User>({ namespace: 'users' });
 * await cache.set('u:1', { name: 'Ada' }, { ttlMs: 60_000 });
 * const user = await cache.get('u:1');
 * await cache.close();
 * ```
 */
export class SyncedCache<V = unknown> implements Cache<V>, AsyncDisposable {
  /** This pod's id on the bus. */
  readonly podId: string;
  /** The namespace: key prefix, channel scope, clear scope. */
  readonly namespace: string;
  /** Resolves once the subscription is confirmed; {@link createCache} awaits it. */
  readonly ready: Promise<void>;

  private readonly local: LocalCache<LocalEntry<V>>;
  private readonly store: Store;
  private readonly synchronizer: Synchronizer;
  private readonly marshaller: Marshaller<V>;
  private readonly logger: Logger;
  private readonly debugEnabled: boolean;
  private readonly onErrorHook: SyncedCacheOptions<V>['onError'];
  private readonly onSetLocalCache: SyncedCacheOptions<V>['onSetLocalCache'];
  private readonly writesStore: boolean;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly timeoutMs: number;
  private readonly deadlines: Deadlines;
  private readonly defaultTtlMs: number;
  private readonly defaultLocalTtlMs: number;
  private readonly maxKeyBytes: number;
  private readonly maxValueBytes: number;
  private readonly maxEventValueBytes: number;
  private readonly maxPendingPublishes: number;
  private readonly codec: CodecOptions;
  /**
   * The store publishes each write's event in the same server-side step (`setAndPublish`), so
   * core does not publish set / invalidate / delete events itself. See `Store.publishesTo`.
   */
  private readonly publishesThroughStore: boolean;
  private readonly metricsEnabled: boolean;
  private readonly counters: Stats;

  private readonly epoch: number;
  /** This pod's epoch and podId as they appear on the wire, to skip its own echoes cheaply. */
  private readonly ownSignature: Uint8Array;
  private seq = 0;
  private readonly versions: VersionTable;
  private readonly peers = new Map<string, { epoch: number; seq: number }>();
  private readonly fills = new InFlight<Fill<V>>();
  private readonly loads = new InFlight<Promise<V>>();
  /** Bumped by every flush and clear; a fill started in an older generation is not cached. */
  private generation = 0;
  /** While > 0, a loss was detected and the floor is not yet raised: `set` events act as invalidations. */
  private resyncsPending = 0;
  /** `set` events received while a resync waits for the store's version; re-checked once it is known. */
  private deferredSets: WireEvent[] = [];
  /** The store cannot bound past versions: after the first loss, `set` events act as invalidations. */
  private setsAsInvalidations = false;
  private status: SynchronizerStatus = 'down';
  private subscription: Subscription | undefined;
  private readonly inFlightPublishes = new Set<Promise<void>>();
  private readonly retryQueue = new Map<string | typeof CLEAR_SLOT, PendingPublish>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly listeners: { [K in keyof CacheEventMap]?: Set<Listener<K>> } = {};
  private closed = false;
  private closing: Promise<void> | undefined;
  private reportedDuplicatePodId = false;

  /**
   * Prefer {@link createCache}, which also resolves `serializationFormat` and waits for `ready`.
   * @throws InvalidConfigError naming the option and the value.
   */
  constructor(options: SyncedCacheOptions<V> = {}) {
    const o = validateOptions(options);
    this.podId = o.podId ?? defaultPodId();
    this.namespace = o.namespace ?? 'default';
    this.prefix = `${escapeNamespace(this.namespace)}:`;
    this.channel = `${o.channel ?? 'cache:invalidate'}:${escapeNamespace(this.namespace)}`;
    this.store = o.store ?? new MemoryStore();
    this.synchronizer = o.synchronizer ?? new MemorySynchronizer();
    if (o.marshaller === undefined && o.serializationFormat !== undefined) {
      throw new InvalidConfigError(
        'serializationFormat',
        o.serializationFormat,
        'createCache() (which loads the format package) or a `marshaller`',
      );
    }
    this.marshaller = o.marshaller ?? (jsonMarshaller as Marshaller<V>);
    this.local = resolveLocalCache(o);
    this.logger = o.logger ?? noopLogger;
    this.debugEnabled = o.debug ?? false;
    this.onErrorHook = o.onError;
    this.onSetLocalCache = o.onSetLocalCache;
    this.writesStore = (o.role ?? 'writer') === 'writer' || (o.readerCanSetToStore ?? false);
    this.timeoutMs = o.timeoutMs ?? 1000;
    this.deadlines = new Deadlines(this.timeoutMs);
    this.defaultTtlMs = o.ttlMs ?? 0;
    this.defaultLocalTtlMs = o.localTtlMs ?? 0;
    this.maxKeyBytes = o.maxKeyBytes ?? 16_384;
    this.maxValueBytes = o.maxValueBytes ?? 16_777_216;
    this.maxEventValueBytes = o.maxEventValueBytes ?? 65_536;
    this.maxPendingPublishes = o.maxPendingPublishes ?? 10_000;
    this.metricsEnabled = o.enableMetrics ?? true;
    const secret =
      o.secret === undefined ? undefined : typeof o.secret === 'string' ? Buffer.from(o.secret) : o.secret;
    this.codec = { maxKeyBytes: this.maxKeyBytes, maxValueBytes: this.maxEventValueBytes, secret };
    this.versions = new VersionTable(o.maxTrackedKeys ?? 100_000);
    this.publishesThroughStore = secret === undefined && storePublishesTo(this.store, this.synchronizer);
    this.epoch = randomInt(1, 2 ** 47);
    this.ownSignature = ownSignature(this.epoch, this.podId);
    this.counters = {
      localHits: 0,
      localMisses: 0,
      remoteHits: 0,
      remoteMisses: 0,
      localSize: 0,
      remoteSize: 0,
      invalidations: 0,
      eventsApplied: 0,
      eventsStale: 0,
      eventsDropped: 0,
      resyncs: 0,
      publishRetries: 0,
      publishFailures: 0,
    };
    this.ready = this.subscribe();
    // An unobserved rejection here would crash the process; createCache() reports it to the caller.
    this.ready.catch(() => {});
    const heartbeatMs = o.heartbeatMs ?? 5000;
    if (heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(() => this.heartbeat(), heartbeatMs);
      this.heartbeatTimer.unref();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reads
  // ------------------------------------------------------------------------------------------

  /**
   * The value from the local tier, else from the store (filling the local tier), else `undefined`.
   * A store failure is reported through `onError` and reads as a miss (reads fail open).
   * @throws CacheClosedError after `close()`.
   */
  get(key: string): Promise<V | undefined> {
    if (this.closed) return Promise.reject(new CacheClosedError({ action: 'get', key }));
    const entry = this.local.get(key);
    if (entry !== undefined) {
      if (this.metricsEnabled) this.counters.localHits++;
      return Promise.resolve(entry.value);
    }
    if (this.metricsEnabled) this.counters.localMisses++;
    if (typeof key !== 'string') return Promise.reject(keyTypeError(key));
    return this.fetch(key);
  }

  /**
   * The value from the local tier only, synchronously; never touches the store.
   * @throws CacheClosedError after `close()`.
   */
  peek(key: string): V | undefined {
    if (this.closed) throw new CacheClosedError({ action: 'peek', key });
    const entry = this.local.get(key);
    return entry === undefined ? undefined : entry.value;
  }

  /**
   * Values for many keys, in order: local hits first, then one `store.getMany` for the misses that
   * are not already being read (those share the read in flight). Misses fill the local tier under
   * the same rules as `get`.
   * @throws CacheClosedError after `close()`.
   */
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    this.assertOpen('getMany');
    const result: Array<V | undefined> = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (typeof key !== 'string') throw keyTypeError(key);
      const entry = this.local.get(key);
      if (entry !== undefined) {
        if (this.metricsEnabled) this.counters.localHits++;
        result[i] = entry.value;
      } else {
        if (this.metricsEnabled) this.counters.localMisses++;
        missing.push(i);
      }
    }
    if (missing.length === 0) return result;
    const batchKeys: string[] = [];
    const seen = new Set<string>();
    for (const i of missing) {
      const key = keys[i]!;
      if (seen.has(key) || this.fills.get(key) !== undefined) continue;
      seen.add(key);
      if (!this.keyTooLong(key)) batchKeys.push(key);
    }
    if (batchKeys.length > 1) {
      // One store call for the batch; each key's fill bounds it by the timeout and maps its errors.
      let batch: Promise<Array<StoreEntry | undefined>>;
      try {
        batch = Promise.resolve(this.store.getMany(batchKeys.map((key) => this.prefix + key)));
      } catch (error) {
        batch = Promise.reject(error);
      }
      for (let j = 0; j < batchKeys.length; j++) {
        this.startFill(batchKeys[j]!, () => batch.then((entries) => entries[j]), 'getMany');
      }
    }
    const values = await Promise.all(missing.map((i) => this.fetch(keys[i]!)));
    for (let j = 0; j < missing.length; j++) result[missing[j]!] = values[j];
    return result;
  }

  /**
   * The cached value, or the loader's result written through to the store and the other pods.
   * Concurrent calls for one key on this pod share one store read and one loader run. When the
   * store is down the loaded value is still returned (and the error reported).
   * @throws whatever the loader throws (not cached); CacheClosedError after `close()`.
   */
  getOrSet(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions): Promise<V> {
    if (this.closed) return Promise.reject(new CacheClosedError({ action: 'getOrSet', key }));
    const entry = this.local.get(key);
    if (entry !== undefined) {
      if (this.metricsEnabled) this.counters.localHits++;
      return Promise.resolve(entry.value);
    }
    if (typeof loader !== 'function') {
      return Promise.reject(new InvalidConfigError('loader', loader, 'a function'));
    }
    let loading = this.loads.get(key);
    if (loading === undefined) {
      if (this.metricsEnabled) this.counters.localMisses++;
      const started: Promise<V> = this.load(key, loader, options).finally(() =>
        this.loads.release(key, started),
      );
      loading = started;
      this.loads.add(key, started);
    }
    return loading;
  }

  private async load(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions) {
    const cached = await this.fetch(key);
    if (cached !== undefined) return cached;
    const value = await loader(key);
    if (value === undefined) return value;
    try {
      await this.write(key, value, options?.invalidate === true ? 'invalidate' : 'set', options);
    } catch (error) {
      if (!StoreError.isInstance(error) && !TimeoutError.isInstance(error)) throw error;
      this.reportError(error, { operation: 'getOrSet', key });
    }
    return value;
  }

  /** One store read per key at a time; the result fills the local tier unless an event overtook it. */
  private fetch(key: string): Promise<V | undefined> {
    const pending = this.fills.get(key);
    if (pending !== undefined) return pending.promise;
    return this.startFill(key, this.readOne, 'get');
  }

  /** `fetch`'s store read (one function for every call, so a miss allocates no closure for it). */
  private readonly readOne = (key: string): Promise<StoreEntry | undefined> => this.store.get(this.prefix + key);

  /** Whether `key` is over `maxKeyBytes` in UTF-8; measures only keys that could be (3 bytes per UTF-16 unit at most). */
  private keyTooLong(key: string): boolean {
    return key.length * 3 > this.maxKeyBytes && Buffer.byteLength(key, 'utf8') > this.maxKeyBytes;
  }

  private startFill(
    key: string,
    read: (key: string) => Promise<StoreEntry | undefined>,
    operation: string,
  ): Promise<V | undefined> {
    const fill = new Fill<V>(this.fillTimedOut, key, operation, this.generation);
    this.fills.add(key, fill);
    if (this.keyTooLong(key)) {
      this.finishFill(fill, undefined);
      return fill.promise;
    }
    let result: Promise<StoreEntry | undefined>;
    try {
      result = read(key);
    } catch (error) {
      this.failFill(fill, error);
      return fill.promise;
    }
    this.deadlines.track(fill);
    Promise.resolve(result).then(
      (stored) => this.completeFill(fill, stored),
      (error: unknown) => this.failFill(fill, error),
    );
    return fill.promise;
  }

  /** The store answered: count, decode, shape, and cache unless something overtook the read. */
  private completeFill(fill: Fill<V>, stored: StoreEntry | undefined): void {
    if (fill.done) return; // timed out already (reported then)
    this.deadlines.settle(fill);
    const key = fill.key;
    if (stored === undefined) {
      if (this.metricsEnabled) this.counters.remoteMisses++;
      this.finishFill(fill, undefined);
      return;
    }
    if (this.metricsEnabled) this.counters.remoteHits++;
    let value: V;
    try {
      value = this.marshaller.decode(stored.payload);
    } catch (error) {
      this.reportError(error, { operation: 'decode', key });
      this.finishFill(fill, undefined);
      return;
    }
    let shaped: V | undefined;
    try {
      shaped = this.shape(key, stored.version, stored.ttlMs ?? 0, stored.payload, value);
      // A value with (almost) no time left is returned but not cached: 0 would read as "no TTL".
      const expiring = stored.ttlMs !== undefined && stored.ttlMs <= 0;
      if (
        !expiring &&
        !fill.overtaken &&
        fill.generation === this.generation &&
        !this.closed &&
        this.versions.noteUnlessOlder(key, stored.version)
      ) {
        if (shaped !== undefined) {
          this.local.set(
            key,
            { value: shaped, version: stored.version },
            { ttlMs: localTtl(stored.ttlMs ?? 0, this.defaultLocalTtlMs) },
          );
        }
      }
    } catch (error) {
      // a local cache that throws: the read still answers, nothing is cached
      this.reportError(error, { operation: 'get', key });
    }
    this.finishFill(fill, shaped === undefined ? value : shaped);
  }

  /** The read failed: reads fail open (reported, a miss). */
  private failFill(fill: Fill<V>, error: unknown): void {
    if (fill.done) return;
    this.deadlines.settle(fill);
    this.reportError(wrapAdapterError(error, 'store', fill.operation, fill.key), {
      operation: 'get',
      key: fill.key,
    });
    this.finishFill(fill, undefined);
  }

  /** Called by the deadline sweep (the fill is untracked by then). */
  private readonly fillTimedOut = (fill: Fill<V>): void => {
    if (fill.done) return;
    this.reportError(new TimeoutError(this.timeoutMs, { action: fill.operation, key: fill.key }), {
      operation: 'get',
      key: fill.key,
    });
    this.finishFill(fill, undefined);
  };

  private finishFill(fill: Fill<V>, value: V | undefined): void {
    this.fills.release(fill.key, fill);
    fill.resolve(value);
  }

  // ------------------------------------------------------------------------------------------
  // Writes
  // ------------------------------------------------------------------------------------------

  /**
   * Writes the store (which assigns a version), the local tier, then sends the value to the other
   * pods (values over `maxEventValueBytes` travel as `invalidate`). A failed publish is retried in
   * the background and reported; the returned promise settles with the store write.
   * @throws SerializationError (nothing written), LimitExceededError, StoreError, TimeoutError,
   *   CacheClosedError.
   */
  set(key: string, value: V, options?: SetOptions): Promise<void> {
    return this.write(key, value, 'set', options);
  }

  /**
   * Like {@link SyncedCache.set}, but other pods only drop their copy and refetch on demand
   * (useful for large values or lazy loading).
   */
  setWithInvalidate(key: string, value: V, options?: SetOptions): Promise<void> {
    return this.write(key, value, 'invalidate', options);
  }

  private async write(
    key: string,
    value: V,
    action: 'set' | 'invalidate',
    options?: SetOptions,
  ): Promise<void> {
    this.assertOpen(action === 'set' ? 'set' : 'setWithInvalidate', key);
    this.checkKey(key, action);
    const ttlMs = checkDuration('ttlMs', options?.ttlMs ?? this.defaultTtlMs);
    const localTtlMs = localTtl(
      ttlMs,
      checkDuration('localTtlMs', options?.localTtlMs ?? this.defaultLocalTtlMs),
    );
    const cost = options?.cost;
    const payload = this.encode(key, value);
    if (!this.writesStore) {
      this.invalidateFills(key);
      const shaped = this.shape(key, 0, ttlMs, payload, value);
      if (shaped === undefined) this.local.delete(key);
      else this.local.set(key, { value: shaped, version: 0 }, { ttlMs: localTtlMs, cost });
      return;
    }
    const sendValue = action === 'set' && payload.length <= this.maxEventValueBytes;
    const eventAction = sendValue ? 'set' : 'invalidate';
    const publication = this.publishesThroughStore
      ? this.publication(eventAction, key, ttlMs, sendValue ? payload : undefined)
      : undefined;
    const version = await this.call(
      () =>
        publication === undefined
          ? this.store.set(this.prefix + key, payload, { ttlMs })
          : this.store.setAndPublish!(this.prefix + key, payload, { ttlMs }, publication),
      action === 'set' ? 'set' : 'setWithInvalidate',
      key,
      'store',
    );
    this.invalidateFills(key);
    if (version >= this.versions.threshold(key)) {
      this.versions.note(key, version);
      const shaped = this.shape(key, version, ttlMs, payload, value);
      if (shaped === undefined) this.local.delete(key);
      else this.local.set(key, { value: shaped, version }, { ttlMs: localTtlMs, cost });
    }
    if (publication === undefined)
      this.publish(eventAction, key, version, ttlMs, sendValue ? payload : undefined);
  }

  /**
   * Removes the key from the store, the local tier and every other pod.
   * @throws StoreError, TimeoutError, CacheClosedError.
   */
  async delete(key: string): Promise<void> {
    this.assertOpen('delete', key);
    this.checkKey(key, 'delete');
    if (!this.writesStore) {
      this.invalidateFills(key);
      this.local.delete(key);
      return;
    }
    const publication = this.publishesThroughStore
      ? this.publication('delete', key, 0, undefined)
      : undefined;
    const version = await this.call(
      () =>
        publication === undefined
          ? this.store.delete(this.prefix + key)
          : this.store.deleteAndPublish!(this.prefix + key, publication),
      'delete',
      key,
      'store',
    );
    this.invalidateFills(key);
    this.local.delete(key);
    this.versions.note(key, version);
    if (publication === undefined) this.publish('delete', key, version, 0, undefined);
  }

  /**
   * Removes every key of this namespace from the store (a prefix scan, never FLUSHDB), the local
   * tier and every other pod.
   * @throws StoreError, TimeoutError, CacheClosedError.
   */
  async clear(): Promise<void> {
    this.assertOpen('clear');
    if (!this.writesStore) {
      this.flushLocal();
      return;
    }
    const version = await this.call(() => this.store.clear(this.prefix), 'clear', undefined, 'store');
    this.applyClear(version);
    this.publish('clear', '', version, 0, undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Stats, events, close
  // ------------------------------------------------------------------------------------------

  /**
   * Counters since creation; `localSize` is live, `remoteSize` is the last measured (see
   * {@link SyncedCache.fetchStats}).
   * @throws CacheClosedError after `close()`.
   */
  stats(): Stats {
    this.assertOpen('stats');
    return { ...this.counters, localSize: this.local.size };
  }

  /**
   * Like {@link SyncedCache.stats} with a freshly measured `remoteSize` (a namespace-scoped count
   * in the store; may scan on the server).
   */
  async fetchStats(): Promise<Stats> {
    this.assertOpen('fetchStats');
    this.counters.remoteSize = await this.call(
      () => this.store.size(this.prefix),
      'size',
      undefined,
      'store',
    );
    return this.stats();
  }

  /** The synchronizer's last reported status. */
  get connectionStatus(): SynchronizerStatus {
    return this.status;
  }

  /**
   * Subscribes to a typed event: `error`, `status`, `event`, `resync`, `dropped`.
   * A listener that throws is reported through the logger, never into the cache.
   * @returns a function that unsubscribes.
   */
  on<K extends keyof CacheEventMap>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners[name] as Set<Listener<K>> | undefined;
    if (set === undefined) {
      set = new Set();
      (this.listeners as Record<string, Set<Listener<K>>>)[name] = set;
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Flushes pending publishes (bounded by `timeoutMs`), unsubscribes, and closes the store and
   * synchronizer it was given (which close only what they created). Afterwards every method
   * rejects with {@link CacheClosedError}. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** `await using cache = await createCache()` closes the cache at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.retryTimer);
    const deadline = delay(this.timeoutMs);
    await Promise.race([Promise.allSettled([...this.inFlightPublishes]), deadline.promise]);
    if (this.retryQueue.size > 0 && this.status !== 'down') {
      await Promise.race([Promise.allSettled(this.drainRetries()), deadline.promise]);
    }
    deadline.cancel();
    if (this.retryQueue.size > 0) {
      this.counters.publishFailures += this.retryQueue.size;
      this.logger.warn('closing with unpublished events; peers will resync', { count: this.retryQueue.size });
      this.retryQueue.clear();
    }
    const steps: Array<[string, () => Promise<void>]> = [
      ['unsubscribe', () => this.subscription?.unsubscribe() ?? Promise.resolve()],
      ['closeSynchronizer', () => this.synchronizer.close()],
      ['closeStore', () => this.store.close()],
    ];
    for (const [operation, step] of steps) {
      try {
        await this.call(step, operation, undefined, operation === 'closeStore' ? 'store' : 'sync');
      } catch (error) {
        this.reportError(error, { operation });
      }
    }
    this.local.close();
  }

  // ------------------------------------------------------------------------------------------
  // The bus
  // ------------------------------------------------------------------------------------------

  private async subscribe(): Promise<void> {
    this.subscription = await this.call(
      () => this.synchronizer.subscribe(this.channel, this.onMessage, this.onStatus),
      'subscribe',
      undefined,
      'sync',
    );
    if (this.status === 'down') this.status = 'up';
  }

  private readonly onStatus = (status: SynchronizerStatus, error?: unknown): void => {
    if (this.closed) return;
    const previous = this.status;
    this.status = status === 'resubscribed' ? 'up' : status;
    this.emit('status', status);
    if (status === 'down') {
      this.logger.warn('synchronizer down; local entries may go stale until it recovers', {
        namespace: this.namespace,
        error: error instanceof Error ? error.message : error,
      });
    } else if (status === 'resubscribed') {
      this.logger.info('synchronizer resubscribed; flushing local tier', { namespace: this.namespace });
      this.resync('resubscribed');
    }
    if (this.status === 'up' && previous === 'down' && this.retryQueue.size > 0) this.scheduleRetry(0);
  };

  private readonly onMessage = (message: Uint8Array): void => {
    if (this.closed || isOwnEcho(message, this.ownSignature)) return;
    let event: WireEvent;
    try {
      event = decodeEvent(message, this.codec);
    } catch (error) {
      const reason = error instanceof EventDecodeError ? error.reason : 'decode';
      this.drop(reason);
      return;
    }
    try {
      this.receive(event);
    } catch (error) {
      this.reportError(error, { operation: 'apply', key: event.key });
    }
  };

  private receive(event: WireEvent): void {
    if (event.podId === this.podId) {
      if (event.epoch !== this.epoch && !this.reportedDuplicatePodId) {
        this.reportedDuplicatePodId = true;
        this.reportError(
          new SyncedCacheError(
            `another pod publishes with this pod's podId "${this.podId}"; its events are ignored`,
            'ERR_INVALID_CONFIG',
            {
              action: 'receive',
            },
          ),
          { operation: 'receive' },
        );
      }
      return;
    }
    this.trackSequence(event);
    if (event.action === 'heartbeat') return;
    const applied = this.apply(event);
    if (this.metricsEnabled) {
      if (applied) this.counters.eventsApplied++;
      else this.counters.eventsStale++;
    }
    if (this.debugEnabled) {
      this.logger.debug('event', {
        action: event.action,
        key: event.key,
        from: event.podId,
        version: event.version,
        applied,
      });
    }
    this.emit('event', event as InvalidationEvent, applied);
  }

  /** Detects lost events from a peer's (epoch, seq) numbering; a gap flushes the local tier. */
  private trackSequence(event: WireEvent): void {
    const peer = this.peers.get(event.podId);
    if (peer === undefined || peer.epoch !== event.epoch) {
      if (this.peers.size >= MAX_PEERS) {
        const oldest = this.peers.keys().next().value;
        if (oldest !== undefined) this.peers.delete(oldest);
      }
      this.peers.set(event.podId, { epoch: event.epoch, seq: event.seq });
      // First contact after the peer already published: we may have missed its earlier events.
      const first = event.action === 'heartbeat' ? 0 : 1;
      if (event.seq > first) this.resync('gap');
      return;
    }
    if (event.action === 'heartbeat') {
      if (event.seq > peer.seq) {
        peer.seq = event.seq;
        this.resync('gap');
      }
      return;
    }
    if (event.seq === peer.seq + 1) {
      peer.seq = event.seq;
    } else if (event.seq > peer.seq + 1) {
      peer.seq = event.seq;
      this.resync('gap');
    }
    // seq <= peer.seq: a duplicate or a late one; version checks make applying it harmless.
  }

  /** Applies a remote event if it is newer than what this pod knows. Returns whether it was. */
  private apply(event: WireEvent): boolean {
    const key = event.key;
    if (event.action === 'clear') {
      // Even a late clear flushes: the floor may come from forgotten keys rather than from this
      // clear, and entries older than the clear could still be held.
      this.applyClear(event.version);
      return true;
    }
    this.invalidateFills(key);
    if (event.version <= this.versions.own(key)) return false;
    // At or below the floor the event is newer than what this pod holds for the key, but its value
    // may have been superseded by an event this pod lost or forgot: drop the copy, do not apply it.
    const trusted = event.version > this.versions.floor;
    this.versions.note(key, event.version);
    if (event.action === 'set' && trusted && !this.setsAsInvalidations) {
      if (this.resyncsPending > 0) {
        // The floor is not known yet: drop the copy now, and apply the value once the floor says
        // the event is newer than anything a lost event could have carried.
        this.dropLocal(key);
        if (this.deferredSets.length < MAX_DEFERRED_SETS) {
          this.deferredSets.push({ ...event, value: event.value!.slice() });
        }
        return true;
      }
      this.applySet(event);
      return true;
    }
    this.dropLocal(key);
    return true;
  }

  /** Puts a trusted `set` event's value into the local tier. */
  private applySet(event: WireEvent): void {
    const key = event.key;
    const payload = event.value!;
    let value: V;
    try {
      value = this.marshaller.decode(payload);
    } catch (error) {
      this.reportError(error, { operation: 'decodeEvent', key });
      this.dropLocal(key);
      return;
    }
    const shaped = this.shape(key, event.version, event.ttlMs, payload, value, event);
    if (shaped === undefined) {
      this.dropLocal(key);
    } else {
      if (this.metricsEnabled && this.local.get(key) !== undefined) this.counters.invalidations++;
      this.local.set(
        key,
        { value: shaped, version: event.version },
        { ttlMs: localTtl(event.ttlMs, this.defaultLocalTtlMs) },
      );
    }
  }

  /** Applies the deferred `set` events that are above the new floor and still the newest seen. */
  private replayDeferredSets(): void {
    const deferred = this.deferredSets;
    this.deferredSets = [];
    for (const event of deferred) {
      if (event.version > this.versions.floor && this.versions.own(event.key) === event.version) {
        this.applySet(event);
      }
    }
  }

  private applyClear(version: number): void {
    this.versions.raiseFloor(version);
    this.flushLocal();
  }

  private dropLocal(key: string): void {
    if (this.local.delete(key) && this.metricsEnabled) this.counters.invalidations++;
  }

  /**
   * Lost events were detected: flush, then raise the floor to the store's current version so that
   * any event older than the flush (which a lost newer event may have superseded) is treated as an
   * invalidation. Until the floor is raised, every `set` event is treated as one.
   */
  private resync(reason: 'gap' | 'resubscribed'): void {
    this.flushLocal();
    if (this.metricsEnabled) this.counters.resyncs++;
    this.emit('resync', reason);
    if (this.debugEnabled) this.logger.debug('resync', { reason, namespace: this.namespace });
    if (typeof this.store.currentVersion !== 'function') {
      this.setsAsInvalidations = true;
      return;
    }
    this.resyncsPending++;
    void this.raiseFloorFromStore(0);
  }

  private async raiseFloorFromStore(attempt: number): Promise<void> {
    try {
      const version = await this.call(
        () => this.store.currentVersion!(),
        'currentVersion',
        undefined,
        'store',
      );
      this.versions.raiseFloor(version);
      this.resyncsPending--;
      if (this.resyncsPending === 0 && !this.closed) this.replayDeferredSets();
    } catch (error) {
      this.reportError(error, { operation: 'resync' });
      if (this.closed) return;
      const timer = setTimeout(
        () => void this.raiseFloorFromStore(attempt + 1),
        Math.min(50 * 2 ** attempt, 5000),
      );
      timer.unref();
    }
  }

  private flushLocal(): void {
    this.generation++;
    this.invalidateAllFills();
    this.local.clear();
  }

  private invalidateFills(key: string): void {
    const fill = this.fills.get(key);
    if (fill !== undefined) fill.overtaken = true;
  }

  private invalidateAllFills(): void {
    this.fills.forEach(markOvertaken);
  }

  /**
   * The event of a write the store will publish itself: the envelope without the value bytes and
   * with version 0 (the store writes the version it assigns). It takes this pod's next `seq` now,
   * so events leave in the order the writes reach the store; a write that then fails leaves a gap
   * in the numbering, which peers treat as a possible loss (they resync): safe, and rare.
   */
  private publication(
    action: 'set' | 'invalidate' | 'delete',
    key: string,
    ttlMs: number,
    value: Uint8Array | undefined,
  ): StorePublication {
    const head = encodeEvent(
      { action, key, podId: this.podId, epoch: this.epoch, seq: ++this.seq, version: 0, ttlMs, value },
      this.codec,
      true,
    );
    return { channel: this.channel, head, appendPayload: value !== undefined };
  }

  private publish(
    action: Action,
    key: string,
    version: number,
    ttlMs: number,
    value: Uint8Array | undefined,
  ): void {
    let message: Uint8Array;
    try {
      message = encodeEvent(
        { action, key, podId: this.podId, epoch: this.epoch, seq: ++this.seq, version, ttlMs, value },
        this.codec,
      );
    } catch (error) {
      this.reportError(error, { operation: 'publish', key });
      return;
    }
    const sent = this.call(
      () => this.synchronizer.publish(this.channel, message),
      'publish',
      key,
      'sync',
    ).then(
      () => {
        this.inFlightPublishes.delete(sent);
      },
      (error: unknown) => {
        this.inFlightPublishes.delete(sent);
        this.reportError(error, { operation: 'publish', key });
        this.enqueueRetry({ action, key, version, ttlMs, value });
      },
    );
    this.inFlightPublishes.add(sent);
  }

  private enqueueRetry(pending: PendingPublish): void {
    if (this.closed) {
      this.counters.publishFailures++;
      return;
    }
    const slot = pending.action === 'clear' ? CLEAR_SLOT : pending.key;
    const existing = this.retryQueue.get(slot);
    if (existing !== undefined && existing.version >= pending.version) return;
    this.retryQueue.delete(slot);
    this.retryQueue.set(slot, pending);
    if (this.retryQueue.size > this.maxPendingPublishes) {
      const oldest = this.retryQueue.keys().next().value;
      if (oldest !== undefined) this.retryQueue.delete(oldest);
      this.counters.publishFailures++;
    }
    this.counters.publishRetries++;
    this.scheduleRetry(this.retryDelayMs === 0 ? 50 : Math.min(this.retryDelayMs * 2, 5000));
  }

  private scheduleRetry(delayMs: number): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryDelayMs = delayMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.status === 'down') return;
      void Promise.allSettled(this.drainRetries()).then(() => {
        if (this.retryQueue.size === 0) this.retryDelayMs = 0;
      });
    }, delayMs);
    this.retryTimer.unref();
  }

  private drainRetries(): Array<Promise<void>> {
    const batch = [...this.retryQueue.values()];
    this.retryQueue.clear();
    for (const p of batch) this.publish(p.action, p.key, p.version, p.ttlMs, p.value);
    return [...this.inFlightPublishes];
  }

  private heartbeat(): void {
    if (this.closed || this.status === 'down') return;
    let message: Uint8Array;
    try {
      message = encodeEvent(
        {
          action: 'heartbeat',
          key: '',
          podId: this.podId,
          epoch: this.epoch,
          seq: this.seq,
          version: 0,
          ttlMs: 0,
        },
        this.codec,
      );
    } catch (error) {
      this.reportError(error, { operation: 'heartbeat' });
      return;
    }
    this.call(() => this.synchronizer.publish(this.channel, message), 'heartbeat', undefined, 'sync').catch(
      (error: unknown) => {
        if (this.debugEnabled) this.logger.debug('heartbeat failed', { error: String(error) });
      },
    );
  }

  // ------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------

  /** Runs an adapter call bounded by `timeoutMs`, mapping failures to typed errors. */
  private call<T>(
    op: () => Promise<T>,
    action: string,
    key: string | undefined,
    kind: 'store' | 'sync',
  ): Promise<T> {
    const pending = new PendingCall<T>(this.timeoutMs, action, key);
    const promise = new Promise<T>((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
    });
    let result: Promise<T>;
    try {
      result = op();
    } catch (error) {
      pending.reject(wrapAdapterError(error, kind, action, key));
      return promise;
    }
    this.deadlines.track(pending);
    Promise.resolve(result).then(
      (value) => {
        if (this.deadlines.settle(pending)) pending.resolve(value);
      },
      (error: unknown) => {
        if (this.deadlines.settle(pending)) pending.reject(wrapAdapterError(error, kind, action, key));
      },
    );
    return promise;
  }

  private encode(key: string, value: V): Uint8Array {
    let payload: Uint8Array;
    try {
      payload = this.marshaller.encode(value);
    } catch (error) {
      if (SyncedCacheError.isInstance(error)) throw error;
      throw new SerializationError(`cannot encode value for key ${JSON.stringify(key)}`, {
        key,
        cause: error,
        action: 'encode',
      });
    }
    if (!(payload instanceof Uint8Array)) {
      throw new SerializationError('marshaller.encode did not return a Uint8Array', {
        key,
        action: 'encode',
      });
    }
    if (payload.length > this.maxValueBytes) {
      throw new LimitExceededError('maxValueBytes', this.maxValueBytes, payload.length, {
        key,
        action: 'set',
      });
    }
    return payload;
  }

  /** Applies `onSetLocalCache` so the local tier holds one shape on every path. */
  private shape(
    key: string,
    version: number,
    ttlMs: number,
    payload: Uint8Array,
    value: V,
    event?: WireEvent,
  ): V | undefined {
    const hook = this.onSetLocalCache;
    if (hook === undefined) return value;
    const asEvent: InvalidationEvent = event
      ? (event as InvalidationEvent)
      : { action: 'set', key, podId: this.podId, epoch: this.epoch, seq: 0, version, ttlMs, value: payload };
    try {
      return hook(asEvent, (bytes) => this.marshaller.decode(bytes));
    } catch (error) {
      this.reportError(error, { operation: 'onSetLocalCache', key });
      return undefined;
    }
  }

  private checkKey(key: string, action: string): void {
    if (typeof key !== 'string') throw keyTypeError(key);
    if (this.keyTooLong(key)) {
      const bytes = Buffer.byteLength(key, 'utf8');
      throw new LimitExceededError('maxKeyBytes', this.maxKeyBytes, bytes, { key: key.slice(0, 64), action });
    }
  }

  private assertOpen(action: string, key?: string): void {
    if (this.closed) throw new CacheClosedError({ action, key });
  }

  private drop(reason: string): void {
    if (this.metricsEnabled) this.counters.eventsDropped++;
    this.emit('dropped', reason);
    if (this.debugEnabled) this.logger.debug('dropped bus message', { reason, namespace: this.namespace });
  }

  private reportError(error: unknown, info: ErrorInfo): void {
    const typed = SyncedCacheError.isInstance(error)
      ? error
      : new SyncedCacheError(error instanceof Error ? error.message : String(error), 'ERR_SYNCED_CACHE', {
          cause: error,
          action: info.operation,
          key: info.key,
        });
    this.logger.error(`${info.operation} failed: ${typed.message}`, {
      code: typed.code,
      key: info.key,
      namespace: this.namespace,
    });
    if (this.onErrorHook !== undefined) {
      try {
        this.onErrorHook(typed, info);
      } catch (hookError) {
        this.logger.error('onError threw', { error: String(hookError) });
      }
    }
    this.emit('error', typed, info);
  }

  private emit<K extends keyof CacheEventMap>(name: K, ...args: CacheEventMap[K]): void {
    const set = this.listeners[name] as Set<Listener<K>> | undefined;
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error(`a '${name}' listener threw`, { error: String(error) });
      }
    }
  }
}

/**
 * Creates a cache and waits until its subscription is confirmed. With no arguments it is a working
 * single-process cache (embedded `MemoryStore` + `MemorySynchronizer`).
 * @throws InvalidConfigError for invalid options (naming the option and value), or the typed
 *   error of a failed subscription.
 * @example
 * ```ts
 * const cache = await createCache<string>();
 * await cache.set('greeting', 'hello');
 * ```
 */
export async function createCache<V = unknown>(options: SyncedCacheOptions<V> = {}): Promise<SyncedCache<V>> {
  let resolved = options;
  if (options.marshaller === undefined && options.serializationFormat !== undefined) {
    resolved = {
      ...options,
      marshaller: (await loadMarshaller(options.serializationFormat)) as Marshaller<V>,
    };
  }
  const cache = new SyncedCache<V>(resolved);
  try {
    await cache.ready;
  } catch (error) {
    await cache.close().catch(() => {});
    throw error;
  }
  return cache;
}

// ----------------------------------------------------------------------------------------------
// Option handling
// ----------------------------------------------------------------------------------------------

const OPTION_KEYS = new Set([
  'podId',
  'namespace',
  'store',
  'synchronizer',
  'channel',
  'localCache',
  'localCacheConfig',
  'serializationFormat',
  'marshaller',
  'logger',
  'debug',
  'timeoutMs',
  'enableMetrics',
  'onError',
  'role',
  'readerCanSetToStore',
  'onSetLocalCache',
  'ttlMs',
  'localTtlMs',
  'maxKeyBytes',
  'maxValueBytes',
  'maxEventValueBytes',
  'secret',
  'heartbeatMs',
  'maxTrackedKeys',
  'maxPendingPublishes',
]);

function validateOptions<V>(options: SyncedCacheOptions<V>): SyncedCacheOptions<V> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigError('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key))
      throw new InvalidConfigError(
        key,
        (options as Record<string, unknown>)[key],
        'a known option (unknown option name)',
      );
  }
  const o = options;
  optionalString('podId', o.podId, 1, 255);
  optionalString('namespace', o.namespace, 1, 1024);
  optionalString('channel', o.channel, 1, 1024);
  if (
    o.serializationFormat !== undefined &&
    o.serializationFormat !== 'json' &&
    o.serializationFormat !== 'msgpack'
  ) {
    throw new InvalidConfigError('serializationFormat', o.serializationFormat, "'json' or 'msgpack'");
  }
  if (o.role !== undefined && o.role !== 'writer' && o.role !== 'reader') {
    throw new InvalidConfigError('role', o.role, "'writer' or 'reader'");
  }
  for (const name of ['debug', 'enableMetrics', 'readerCanSetToStore'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean')
      throw new InvalidConfigError(name, o[name], 'a boolean');
  }
  for (const name of ['onError', 'onSetLocalCache'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw new InvalidConfigError(name, o[name], 'a function');
  }
  optionalNumber('timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
  optionalNumber('ttlMs', o.ttlMs, 0, Number.MAX_SAFE_INTEGER);
  optionalNumber('localTtlMs', o.localTtlMs, 0, Number.MAX_SAFE_INTEGER);
  optionalNumber('maxKeyBytes', o.maxKeyBytes, 1, 2 ** 29);
  optionalNumber('maxValueBytes', o.maxValueBytes, 1, 2 ** 31 - 1);
  optionalNumber('maxEventValueBytes', o.maxEventValueBytes, 0, 2 ** 31 - 1);
  optionalNumber('heartbeatMs', o.heartbeatMs, 0, 2 ** 31 - 1);
  optionalNumber('maxTrackedKeys', o.maxTrackedKeys, 1, 2 ** 30);
  optionalNumber('maxPendingPublishes', o.maxPendingPublishes, 1, 2 ** 30);
  if (
    o.secret !== undefined &&
    !(typeof o.secret === 'string' && o.secret.length > 0) &&
    !(o.secret instanceof Uint8Array && o.secret.length > 0)
  ) {
    throw new InvalidConfigError('secret', o.secret, 'a non-empty string or Uint8Array');
  }
  expectMethods('store', o.store, ['get', 'getMany', 'set', 'delete', 'clear', 'size', 'close']);
  expectMethods('synchronizer', o.synchronizer, ['publish', 'subscribe', 'close']);
  expectMethods('marshaller', o.marshaller, ['encode', 'decode']);
  expectMethods('logger', o.logger, ['debug', 'info', 'warn', 'error']);
  if (o.localCache !== undefined && typeof o.localCache !== 'function') {
    const isFactory = typeof (o.localCache as { create?: unknown }).create === 'function';
    if (!isFactory)
      expectMethods('localCache', o.localCache, ['get', 'set', 'delete', 'clear', 'metrics', 'close']);
  }
  if (o.localCacheConfig !== undefined) {
    if (o.localCacheConfig === null || typeof o.localCacheConfig !== 'object') {
      throw new InvalidConfigError('localCacheConfig', o.localCacheConfig, 'an object');
    }
    optionalNumber('localCacheConfig.maxSize', o.localCacheConfig.maxSize, 1, 2 ** 30);
    optionalNumber('localCacheConfig.maxCost', o.localCacheConfig.maxCost, 1, Number.MAX_SAFE_INTEGER);
  }
  return o;
}

function expectMethods(option: string, value: unknown, methods: string[]): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object')
    throw new InvalidConfigError(option, value, `an object with ${methods.join(', ')}`);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new InvalidConfigError(option, value, `an object with a ${method}() method`);
    }
  }
  const version = (value as { contractVersion?: unknown }).contractVersion;
  if (version !== undefined && (typeof version !== 'number' || version > CONTRACT_VERSION)) {
    throw new InvalidConfigError(
      `${option}.contractVersion`,
      version,
      `≤ ${CONTRACT_VERSION} (upgrade @synced-cache/core)`,
    );
  }
}

function optionalString(option: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length < min || Buffer.byteLength(value) > max) {
    throw new InvalidConfigError(option, value, `a string of ${min}..${max} bytes`);
  }
}

function optionalNumber(option: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(option, value, `an integer from ${min} to ${max}`);
  }
}

function checkDuration(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new InvalidConfigError(option, value, 'a whole number of milliseconds ≥ 0');
  }
  return value;
}

function resolveLocalCache<V>(o: SyncedCacheOptions<V>): LocalCache<LocalEntry<V>> {
  const given = o.localCache;
  if (given === undefined) {
    return new SieveCache<LocalEntry<V>>({
      maxSize: o.localCacheConfig?.maxSize ?? 10_000,
      maxCost: o.localCacheConfig?.maxCost,
    });
  }
  let local: unknown = given;
  if (typeof given === 'function') local = given();
  else if (typeof (given as { create?: unknown }).create === 'function')
    local = (given as { create(): unknown }).create();
  expectMethods('localCache', local, ['get', 'set', 'delete', 'clear', 'metrics', 'close']);
  return local as LocalCache<LocalEntry<V>>;
}

/** The local TTL: the shorter of the store TTL and the local bound (0 means none). */
function localTtl(storeTtlMs: number, localTtlMs: number): number {
  if (storeTtlMs === 0) return localTtlMs;
  if (localTtlMs === 0) return storeTtlMs;
  return Math.min(storeTtlMs, localTtlMs);
}

/** Escapes `%` and `:` so that no namespace's prefix is a prefix of another's. */
function escapeNamespace(namespace: string): string {
  return namespace.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/**
 * Bytes 20..27 (epoch) and 36.. (podId length + podId) of this pod's envelopes. On Redis every
 * publish comes back to the publisher's own subscription; matching these bytes skips decoding it.
 */
function ownSignature(epoch: number, podId: string): Uint8Array {
  const podIdBytes = Buffer.from(podId, 'utf8');
  const signature = Buffer.alloc(8 + 1 + podIdBytes.length);
  signature.writeDoubleBE(epoch, 0);
  signature[8] = podIdBytes.length;
  podIdBytes.copy(signature, 9);
  return signature;
}

function isOwnEcho(message: Uint8Array, signature: Uint8Array): boolean {
  if (!(message instanceof Uint8Array) || message.length < 36 + signature.length - 8) return false;
  for (let i = 0; i < 8; i++) if (message[20 + i] !== signature[i]) return false;
  for (let i = 8; i < signature.length; i++) if (message[28 + i] !== signature[i]) return false;
  return true;
}

function defaultPodId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether `store` publishes events for `synchronizer` itself (all three optional methods, and it says so). */
function storePublishesTo(store: Store, synchronizer: Synchronizer): boolean {
  if (typeof store.setAndPublish !== 'function' || typeof store.deleteAndPublish !== 'function') return false;
  try {
    return store.publishesTo?.(synchronizer) === true;
  } catch {
    return false;
  }
}

function markOvertaken(fill: { overtaken: boolean }): void {
  fill.overtaken = true;
}

function keyTypeError(key: unknown): InvalidConfigError {
  return new InvalidConfigError('key', key, 'a string');
}

function wrapAdapterError(
  error: unknown,
  kind: 'store' | 'sync',
  action: string,
  key: string | undefined,
): SyncedCacheError {
  if (SyncedCacheError.isInstance(error)) return error;
  const message = `${action} failed: ${error instanceof Error ? error.message : String(error)}`;
  return kind === 'store'
    ? new StoreError(message, { cause: error, action, key })
    : new SynchronizerError(message, { cause: error, action, key });
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
