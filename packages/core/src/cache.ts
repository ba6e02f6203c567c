import { BusLink } from './bus-link.js';
import { Calls } from './calls.js';
import { type CacheConfig, checkKey, keyProblem, resolveConfig } from './config.js';
import type { LocalCache, SynchronizerStatus } from './contracts.js';
import { Deadlines } from './deadlines.js';
import { CacheClosedError, InvalidConfigError } from './errors.js';
import { LocalTier } from './local-tier.js';
import type {
  BatchLoader,
  Cache,
  CacheEventMap,
  CallOptions,
  GetOrSetOptions,
  SetOptions,
  Stats,
  SyncedCacheOptions,
} from './options.js';
import { Reader } from './reader.js';
import { Receiver } from './receiver.js';
import { type Listener, Reporter } from './reporting.js';
import { StoreWatch, storeIdentityKey } from './store-watch.js';
import { UnsettledWrites } from './unsettled-writes.js';
import { Writer } from './writer.js';

/**
 * A two-level cache (Go: `SyncedCache`): hot values in an in-process local tier, all values in a
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

  // The facade keeps what a local hit needs in its own fields; everything else lives in the
  // modules below, which share the local tier and these counters (see docs/architecture.md).
  private readonly local: LocalCache<V>;
  private readonly metricsEnabled: boolean;
  private readonly counters: Stats;
  private readonly config: CacheConfig<V>;
  private readonly tier: LocalTier<V>;
  private readonly calls: Calls;
  private readonly reporter: Reporter;
  private readonly reader: Reader<V>;
  private readonly writer: Writer<V>;
  private readonly link: BusLink<V>;
  private readonly settling: UnsettledWrites<V>;
  private readonly storeWatch: StoreWatch<V>;
  private closing: Promise<void> | undefined;

  /**
   * Prefer {@link createCache}, which also waits for `ready`.
   * @throws InvalidConfigError naming the option and the value.
   */
  constructor(options: SyncedCacheOptions<V> = {}) {
    const config = resolveConfig(options);
    this.config = config;
    this.podId = config.podId;
    this.namespace = config.namespace;
    this.metricsEnabled = config.metricsEnabled;
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
      readErrors: 0,
      eventsDropped: 0,
      resyncs: 0,
      publishRetries: 0,
      publishFailures: 0,
      circuitOpens: 0,
      storeCircuit: 'closed',
    };
    this.reporter = new Reporter(config.logger, config.debug, config.onError, config.namespace);
    const probeKey = storeIdentityKey(config);
    this.calls = new Calls(
      new Deadlines(config.timeoutMs),
      (state) => {
        if (state === 'open') this.counters.circuitOpens++;
        this.reporter.emit('circuit', state);
        const log = state === 'open' ? this.reporter.logger.warn : this.reporter.logger.info;
        log.call(this.reporter.logger, `store circuit ${state}`, { namespace: config.namespace });
      },
      () => config.store.get(probeKey),
    );
    this.tier = new LocalTier(config, this.counters, this.reporter);
    this.local = this.tier.cache;
    const receiver = new Receiver(config, this.tier, this.calls, this.counters, this.reporter);
    this.link = new BusLink(config, this.calls, receiver, this.tier, this.counters, this.reporter);
    this.settling = new UnsettledWrites(
      config,
      this.tier,
      this.calls,
      this.link,
      this.counters,
      this.reporter,
    );
    this.writer = new Writer(config, this.tier, this.calls, this.link, this.settling, this.reporter);
    this.reader = new Reader(config, this.tier, this.writer, this.calls, this.counters, this.reporter);
    this.storeWatch = new StoreWatch(config, this.calls, receiver, this.reporter);
    this.ready = this.link.start();
    this.storeWatch.start();
    // An unobserved rejection here would crash the process; createCache() reports it to the caller.
    this.ready.catch(() => {});
  }

  // ------------------------------------------------------------------------------------------
  // Reads
  // ------------------------------------------------------------------------------------------

  /**
   * The value from the local tier, else from the store (filling the local tier), else `undefined`.
   * A store failure is reported through `onError` and reads as a miss (reads fail open).
   * @throws CacheClosedError after `close()`.
   */
  get(key: string, options?: CallOptions): Promise<V | undefined> {
    if (options !== undefined && options.signal !== undefined)
      return this.aborting(options.signal, () => this.get(key));
    if (this.tier.serving) {
      let held = this.local.get(key);
      if (held === undefined) held = this.tier.readUnread(key);
      if (held !== undefined) {
        if (this.metricsEnabled) this.counters.localHits++;
        return Promise.resolve(held);
      }
    } else if (this.tier.closed) {
      return Promise.reject(new CacheClosedError({ action: 'get', key }));
    }
    if (this.metricsEnabled) this.counters.localMisses++;
    const invalid = keyProblem(key, this.config.maxKeyBytes, 'get');
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.reader.fetch(key);
  }

  /**
   * The value from the local tier only, synchronously; never touches the store.
   * @throws CacheClosedError after `close()`.
   */
  peek(key: string): V | undefined {
    if (!this.tier.serving) {
      if (this.tier.closed) throw new CacheClosedError({ action: 'peek', key });
      checkKey(key, this.config.maxKeyBytes, 'peek');
      return undefined;
    }
    let held = this.local.get(key);
    if (held === undefined) held = this.tier.readUnread(key);
    if (held !== undefined) return held;
    checkKey(key, this.config.maxKeyBytes, 'peek');
    return undefined;
  }

  /**
   * Values for many keys, in order: local hits first, then one `store.getMany` for the misses that
   * are not already being read (those share the read in flight). Misses fill the local tier under
   * the same rules as `get`.
   * @throws CacheClosedError after `close()`.
   */
  async getMany(keys: readonly string[], options?: CallOptions): Promise<Array<V | undefined>> {
    this.assertOpen('getMany');
    if (options?.signal !== undefined) return this.aborting(options.signal, () => this.reader.getMany(keys));
    return this.reader.getMany(keys);
  }

  /**
   * The cached value, or the loader's result written through to the store and the other pods.
   * Concurrent calls for one key on this pod share one store read and one loader run. When the
   * store is down the loaded value is still returned (and the error reported).
   * @throws whatever the loader throws (not cached); CacheClosedError after `close()`.
   */
  getOrSet(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions): Promise<V> {
    if (options !== undefined && options.signal !== undefined) {
      const { signal, ...rest } = options;
      return this.aborting(signal, () => this.getOrSet(key, loader, rest));
    }
    if (this.tier.serving) {
      let held = this.local.get(key);
      if (held === undefined) held = this.tier.readUnread(key);
      if (held !== undefined) {
        if (this.metricsEnabled) this.counters.localHits++;
        return Promise.resolve(held);
      }
    } else if (this.tier.closed) {
      return Promise.reject(new CacheClosedError({ action: 'getOrSet', key }));
    }
    const invalid = keyProblem(key, this.config.maxKeyBytes, 'getOrSet');
    if (invalid !== undefined) return Promise.reject(invalid);
    if (typeof loader !== 'function') {
      return Promise.reject(new InvalidConfigError('loader', loader, 'a function'));
    }
    return this.reader.load(key, loader, options);
  }

  /**
   * Values for many keys, in order, loading the missing ones with one loader call: local hits
   * first; keys another `getOrSet`/`getOrSetMany` on this pod is loading are awaited (one load per
   * key at a time); the rest are read from the store in one batch; `loader` gets the keys the
   * store lacks, once, and what it returns is written through (as by `setMany`) and returned. A
   * key the loader has nothing for reads as `undefined` and is not cached. When the store is down
   * the loaded values are still returned (and the errors reported).
   * @throws whatever the loader throws (nothing cached); InvalidConfigError or LimitExceededError
   *   for a bad key (before anything runs); CacheClosedError after `close()`.
   * @example
   * ```ts
   * const users = await cache.getOrSetMany(ids, async (missing) => {
   *   const rows = await db.users.findMany({ where: { id: { in: missing } } });
   *   return new Map(rows.map((row) => [row.id, row]));
   * });
   * ```
   */
  getOrSetMany(
    keys: readonly string[],
    loader: BatchLoader<V>,
    options?: GetOrSetOptions,
  ): Promise<Array<V | undefined>> {
    if (this.tier.closed) return Promise.reject(new CacheClosedError({ action: 'getOrSetMany' }));
    if (typeof loader !== 'function') {
      return Promise.reject(new InvalidConfigError('loader', loader, 'a function'));
    }
    if (options?.signal !== undefined) {
      const { signal, ...rest } = options;
      return this.aborting(signal, () => this.reader.loadMany(keys, loader, rest));
    }
    return this.reader.loadMany(keys, loader, options);
  }

  // ------------------------------------------------------------------------------------------
  // Writes
  // ------------------------------------------------------------------------------------------

  /**
   * Writes many entries as {@link SyncedCache.set} writes one, concurrently: the Redis clients
   * pipeline them, so a batch costs about one round trip. Every entry is checked and encoded
   * before anything is written (an invalid one writes nothing); a key given twice keeps its last
   * value. Options apply to every entry.
   * @throws BatchError naming the keys whose write failed (the others were written and sent to the
   *   other pods); SerializationError, LimitExceededError, InvalidConfigError before any write;
   *   CacheClosedError.
   * @example
   * ```ts
   * await cache.setMany([['user:1', ada], ['user:2', grace]], { ttlMs: 60_000 });
   * ```
   */
  setMany(entries: Iterable<readonly [string, V]>, options?: SetOptions): Promise<void> {
    if (options?.signal !== undefined) {
      return this.aborting(options.signal, () => this.writer.writeMany(entries, 'set', options));
    }
    return this.writer.writeMany(entries, 'set', options);
  }

  /**
   * Removes many keys from the store, the local tier and every other pod, concurrently (about one
   * round trip). Keys are checked before any delete starts.
   * @throws BatchError naming the keys whose delete failed; CacheClosedError.
   */
  deleteMany(keys: readonly string[], options?: CallOptions): Promise<void> {
    if (options?.signal !== undefined)
      return this.aborting(options.signal, () => this.writer.deleteMany(keys));
    return this.writer.deleteMany(keys);
  }

  /**
   * Writes the store (which assigns a version), the local tier, then sends the value to the other
   * pods (values over `maxEventValueBytes` travel as `invalidate`). A failed publish is retried in
   * the background and reported; the returned promise settles with the store write.
   * @throws SerializationError (nothing written), LimitExceededError, StoreError, TimeoutError,
   *   CacheClosedError.
   */
  set(key: string, value: V, options?: SetOptions): Promise<void> {
    if (options?.signal !== undefined)
      return this.aborting(options.signal, () => this.writer.write(key, value, 'set', options));
    return this.writer.write(key, value, 'set', options);
  }

  /**
   * Like {@link SyncedCache.set}, but other pods only drop their copy and refetch on demand
   * (useful for large values or lazy loading).
   */
  setWithInvalidate(key: string, value: V, options?: SetOptions): Promise<void> {
    if (options?.signal !== undefined) {
      return this.aborting(options.signal, () => this.writer.write(key, value, 'invalidate', options));
    }
    return this.writer.write(key, value, 'invalidate', options);
  }

  /**
   * Removes the key from the store, the local tier and every other pod.
   * @throws StoreError, TimeoutError, CacheClosedError.
   */
  delete(key: string, options?: CallOptions): Promise<void> {
    if (options?.signal !== undefined) return this.aborting(options.signal, () => this.writer.delete(key));
    return this.writer.delete(key);
  }

  /**
   * Removes every key of this namespace from the store (a prefix scan, never FLUSHDB), the local
   * tier and every other pod.
   * @throws StoreError, TimeoutError, CacheClosedError.
   */
  clear(options?: CallOptions): Promise<void> {
    if (options?.signal !== undefined) return this.aborting(options.signal, () => this.writer.clear());
    return this.writer.clear();
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
    return { ...this.counters, localSize: this.tier.size, storeCircuit: this.calls.circuit };
  }

  /**
   * Like {@link SyncedCache.stats} with a freshly measured `remoteSize` (a namespace-scoped count
   * in the store; may scan on the server).
   */
  async fetchStats(): Promise<Stats> {
    this.assertOpen('fetchStats');
    const { store, prefix } = this.config;
    this.counters.remoteSize = await this.calls.run(() => store.size(prefix), 'size', undefined, 'store');
    return this.stats();
  }

  /** The synchronizer's last reported status. */
  get connectionStatus(): SynchronizerStatus {
    return this.link.status;
  }

  /**
   * Subscribes to a typed event: `error`, `status`, `event`, `resync`, `dropped`, `circuit`.
   * A listener that throws is reported through the logger, never into the cache.
   * @returns a function that unsubscribes.
   */
  on<K extends keyof CacheEventMap>(name: K, listener: Listener<K>): () => void {
    return this.reporter.on(name, listener);
  }

  /**
   * Flushes pending publishes (bounded by `timeoutMs`), unsubscribes, and closes the store and
   * synchronizer it was given (which close only what they created). Afterwards every method
   * rejects with {@link CacheClosedError}. Idempotent: every call returns the same promise.
   * @throws the first error of unsubscribing or closing an adapter (a `TimeoutError`,
   *   `StoreError` or `SynchronizerError`), after every step ran; each is also reported.
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
    this.tier.close();
    this.storeWatch.stop();
    this.calls.stop();
    // Writes already running finish (each is bounded by the timeout) so their events still leave.
    await this.writer.idle();
    const announced = await this.settling.stop();
    // Peers may have missed some of this pod's writes, and no later message of this process can
    // tell them: the store can (see StoreWatch.announceLoss and StoreWatch.recordClose).
    const untold = await this.link.stop(announced);
    if (untold === 'unannounced') await this.storeWatch.announceLoss();
    else if (untold !== undefined) await this.storeWatch.recordClose(untold.left);
    const { synchronizer, store } = this.config;
    const steps: Array<[string, () => Promise<void>]> = [
      ['unsubscribe', () => this.link.unsubscribe()],
      ['closeSynchronizer', () => synchronizer.close()],
      ['closeStore', () => store.close()],
    ];
    let failure: unknown;
    for (const [operation, step] of steps) {
      try {
        await this.calls.runOutsideCircuit(step, operation, operation === 'closeStore' ? 'store' : 'sync');
      } catch (error) {
        this.reporter.error(error, { operation });
        failure ??= error;
      }
    }
    this.local.close();
    // Every step ran (a failed unsubscribe does not keep the store open); the first failure is
    // the answer, as the Go library's Close returns its error.
    if (failure !== undefined) throw failure;
  }

  private assertOpen(action: string, key?: string): void {
    if (this.tier.closed) throw new CacheClosedError({ action, key });
  }

  /**
   * Runs `call` unless `signal` is already aborted, and stops waiting for it when `signal` aborts
   * (rejecting with its reason). The call itself goes on, bounded by the timeout, and its outcome
   * is handled as usual: a write that completes reaches every pod.
   */
  private aborting<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
    if (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean') {
      return Promise.reject(new InvalidConfigError('signal', signal, 'an AbortSignal'));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    const running = call();
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      running.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
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
  const cache = new SyncedCache<V>(options);
  try {
    await cache.ready;
  } catch (error) {
    await cache.close().catch(() => {});
    throw error;
  }
  return cache;
}
