import { type Calls, wrapAdapterError } from './calls.js';
import { type CacheConfig, checkKey, localTtl } from './config.js';
import type { Store, StoreEntry } from './contracts.js';
import { Deadline } from './deadlines.js';
import { BatchError, InvalidConfigError, StoreError, TimeoutError } from './errors.js';
import { InFlight } from './in-flight.js';
import type { LocalTier, PendingFill } from './local-tier.js';
import type { BatchLoader, GetOrSetOptions, Stats } from './options.js';
import type { Reporter } from './reporting.js';
import type { Writer } from './writer.js';

/**
 * A result that settles once, made into a promise only when a caller asks for one: the code that
 * settles it mostly reads `value` from the object itself, so most results never cost a promise.
 * A {@link Deadline}, so a store read can be its own timeout node (a result that is never tracked
 * ignores that part).
 */
abstract class Settling<V> extends Deadline {
  private settled: Promise<V | undefined> | undefined = undefined;
  private resolvePromise: ((value: V | undefined) => void) | undefined = undefined;
  /** Settled; later results are ignored. */
  done = false;
  /** What it settled with (once `done`). */
  value: V | undefined = undefined;

  get promise(): Promise<V | undefined> {
    if (this.settled === undefined) {
      this.settled = this.done
        ? Promise.resolve(this.value)
        : new Promise<V | undefined>((resolve) => {
            this.resolvePromise = resolve;
          });
    }
    return this.settled;
  }

  resolve(value: V | undefined): void {
    this.done = true;
    this.value = value;
    this.resolvePromise?.(value);
  }
}

/**
 * One store read in flight for a key; concurrent gets share it. It is its own deadline node, so a
 * read costs no timer or extra allocation for its timeout. Its promise is made only when a caller
 * asks for it: a `getMany` waits for its own reads through their {@link BatchRead} instead.
 * `done` is set by the read, an error or the timeout.
 */
class Fill<V> extends Settling<V> implements PendingFill<V> {
  overtaken = false;

  constructor(
    private readonly onTimeout: (fill: Fill<V>) => void,
    readonly key: string,
    public operation: string,
    /** The local tier's generation when the read started; a flush or clear since makes it stale. */
    readonly generation: number,
    /** The `getMany` that started this read, told when it settles. */
    readonly batch: BatchRead | undefined,
  ) {
    super();
  }

  override resolve(value: V | undefined): void {
    super.resolve(value);
    if (this.batch !== undefined && --this.batch.remaining === 0) this.batch.resolve();
  }

  expire(): void {
    this.onTimeout(this);
  }
}

/**
 * A `getOrSetMany` load of one key: what the store had or the loader gave (`undefined` when the
 * loader had nothing for the key or the load failed). Its promise is made only when another call
 * joins the load, so a batch nobody else waits on costs no promise per key (a promise, a
 * `finally` and a `WeakSet` entry per key had made `getOrSetMany` of 50 stored keys cost about
 * twice a `getMany` of them). Never tracked as a deadline: the load's store calls are.
 */
class BatchKeyLoad<V> extends Settling<V> {
  expire(): void {}
}

/** The reads one `getMany` started: resolves once every one of them settled (answered, failed or timed out). */
class BatchRead {
  remaining = 0;
  resolve!: () => void;
  readonly promise = new Promise<void>((resolve) => {
    this.resolve = resolve;
  });
}

/**
 * The read path below a local miss: one store read per key at a time (however many callers wait),
 * bounded by the timeout, decoded once, shaped, and cached only when nothing overtook it (an event
 * or a write for the key, a flush, a clear, an older version than this pod knows). Reads fail
 * open: a store error or timeout is reported and reads as a miss. Also `getOrSet`'s one loader run
 * per key.
 *
 * @internal
 */
export class Reader<V> {
  /** `getOrSet` loads in flight, by key. */
  private readonly loads = new InFlight<Promise<V | undefined>>();
  /** `getOrSetMany` loads in flight, by key (a key is in one of the two maps at most). */
  private readonly batchLoads = new InFlight<BatchKeyLoad<V>>();
  private readonly store: Store;
  private readonly prefix: string;
  private readonly maxKeyBytes: number;
  private readonly metricsEnabled: boolean;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly tier: LocalTier<V>,
    private readonly writer: Writer<V>,
    private readonly calls: Calls,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {
    this.store = config.store;
    this.prefix = config.prefix;
    this.maxKeyBytes = config.maxKeyBytes;
    this.metricsEnabled = config.metricsEnabled;
  }

  /** One store read per key at a time; the result fills the local tier unless an event overtook it. */
  fetch(key: string): Promise<V | undefined> {
    const pending = this.tier.fills.get(key);
    if (pending !== undefined) return pending.promise;
    return this.startFill(key, this.readOne, 'get');
  }

  /** `fetch`'s store read (one function for every call, so a miss allocates no closure for it). */
  private readonly readOne = (key: string): Promise<StoreEntry | undefined> =>
    this.store.get(this.prefix + key);

  /**
   * Values for many keys, in order: local hits first, then one `store.getMany` for the misses that
   * are not already being read (those share the read in flight).
   */
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    const result: Array<V | undefined> = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      checkKey(key, this.maxKeyBytes, 'getMany');
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const held = this.tier.serving ? this.tier.read(key) : undefined;
      if (held !== undefined) {
        if (this.metricsEnabled) this.counters.localHits++;
        result[i] = held;
      } else {
        if (this.metricsEnabled) this.counters.localMisses++;
        missing.push(i);
      }
    }
    if (missing.length === 0) return result;
    const values = await this.fetchMany(missing.map((i) => keys[i]!));
    for (let j = 0; j < missing.length; j++) result[missing[j]!] = values[j];
    return result;
  }

  /**
   * Store reads for keys the local tier missed, in order: keys already being read share that
   * read; the others go in one `store.getMany`, each bounded by the timeout as a fill. The answer
   * is collected from the fills themselves once they all settled (one promise for the batch, not
   * one per key).
   */
  private async fetchMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    const fills = this.tier.fills;
    const batch = new BatchRead();
    const pending = new Array<Fill<V>>(keys.length);
    const own: Array<Fill<V>> = [];
    const others: Array<Promise<V | undefined>> = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let fill = fills.get(key) as Fill<V> | undefined;
      if (fill === undefined) {
        fill = new Fill<V>(this.fillTimedOut, key, 'getMany', this.tier.generation, batch);
        fills.add(key, fill);
        own.push(fill);
      } else if (fill.batch !== batch && !fill.done) {
        others.push(fill.promise);
      }
      pending[i] = fill;
    }
    batch.remaining = own.length;
    if (own.length === 1) {
      // One key to read: a plain get (as one `cache.get` would read it).
      own[0]!.operation = 'get';
      this.read(own[0]!, this.readOne);
    } else if (own.length > 1) this.startBatchFill(own);
    if (own.length > 0) await batch.promise;
    if (others.length > 0) await Promise.all(others);
    const values = new Array<V | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = pending[i]!.value;
    return values;
  }

  /**
   * One `store.getMany` for the keys of `fills` (none of them being read elsewhere), each key its
   * own fill bounded by the timeout; the answer completes every fill in one callback.
   */
  private startBatchFill(fills: ReadonlyArray<Fill<V>>): void {
    const refused = this.calls.refuse('getMany', undefined);
    if (refused !== undefined) {
      for (const fill of fills) this.failFill(fill, refused);
      return;
    }
    const storeKeys = new Array<string>(fills.length);
    for (let j = 0; j < fills.length; j++) storeKeys[j] = this.prefix + fills[j]!.key;
    let batch: Promise<Array<StoreEntry | undefined>>;
    try {
      batch = Promise.resolve(this.store.getMany(storeKeys));
    } catch (error) {
      for (const fill of fills) this.failFill(fill, error);
      return;
    }
    this.calls.deadlines.trackAll(fills);
    batch.then(
      (entries) => {
        for (let j = 0; j < fills.length; j++) this.completeFill(fills[j]!, entries[j]);
      },
      (error: unknown) => {
        for (const fill of fills) this.failFill(fill, error);
      },
    );
  }

  /** `getOrSet` after a local miss: one run per key at a time of read, else loader and write. */
  load(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions): Promise<V> {
    const batchLoad = this.batchLoads.get(key);
    if (batchLoad !== undefined) {
      // A getOrSetMany is loading the key; its loader may have nothing for it: load it then.
      return batchLoad.promise.then((value) =>
        value !== undefined ? value : this.load(key, loader, options),
      );
    }
    let loading = this.loads.get(key);
    if (loading === undefined) {
      if (this.metricsEnabled) this.counters.localMisses++;
      const started: Promise<V> = this.readOrLoad(key, loader, options).finally(() =>
        this.loads.release(key, started),
      );
      loading = started;
      this.loads.add(key, started);
    }
    return loading as Promise<V>;
  }

  /**
   * `getOrSetMany`: local hits, then the keys another call is loading are awaited (single flight
   * per key, shared with `getOrSet`), then one batched store read for the rest, one loader call
   * for what the store lacks, and their writes together (sharing what the read left of the
   * timeout). A key the loader has nothing for reads as `undefined` and is not cached.
   */
  async loadMany(
    keys: readonly string[],
    loader: BatchLoader<V>,
    options?: GetOrSetOptions,
  ): Promise<Array<V | undefined>> {
    for (const key of keys) checkKey(key, this.maxKeyBytes, 'getOrSetMany');
    const found = new Map<string, V | undefined>();
    const joined: Array<[string, Promise<V | undefined>]> = [];
    const mine: string[] = [];
    for (const key of new Set(keys)) {
      const held = this.tier.serving ? this.tier.read(key) : undefined;
      if (held !== undefined) {
        if (this.metricsEnabled) this.counters.localHits++;
        found.set(key, held);
        continue;
      }
      if (this.metricsEnabled) this.counters.localMisses++;
      const loading = this.loads.get(key) ?? this.batchLoads.get(key)?.promise;
      if (loading !== undefined) joined.push([key, loading]);
      else mine.push(key);
    }
    if (mine.length > 0) {
      const pending = new Array<BatchKeyLoad<V>>(mine.length);
      for (let i = 0; i < mine.length; i++) {
        pending[i] = new BatchKeyLoad<V>();
        this.batchLoads.add(mine[i]!, pending[i]!);
      }
      let loaded: Map<string, V | undefined> | undefined;
      try {
        loaded = await this.readOrLoadMany(mine, loader, options);
      } finally {
        // On failure every joined caller reads undefined (a getOrSet joiner then loads the key itself).
        for (let i = 0; i < mine.length; i++) {
          const key = mine[i]!;
          const value = loaded?.get(key);
          this.batchLoads.release(key, pending[i]!);
          pending[i]!.resolve(value);
          found.set(key, value);
        }
      }
    }
    for (const [key, promise] of joined) found.set(key, await promise);
    return keys.map((key) => found.get(key));
  }

  private async readOrLoadMany(
    keys: string[],
    loader: BatchLoader<V>,
    options?: GetOrSetOptions,
  ): Promise<Map<string, V | undefined>> {
    const started = performance.now();
    const stored = await this.fetchMany(keys);
    const values = new Map<string, V | undefined>();
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      values.set(keys[i]!, stored[i]);
      if (stored[i] === undefined) missing.push(keys[i]!);
    }
    if (missing.length === 0) return values;
    const readMs = performance.now() - started;
    const answer = await loader(missing);
    const loaded = loadedValues<V>(missing, answer);
    const writes: Array<[string, V]> = [];
    for (const key of missing) {
      const value = loaded.get(key);
      values.set(key, value);
      if (value !== undefined) writes.push([key, value]);
    }
    if (writes.length === 0) return values;
    const action = options?.invalidate === true ? 'invalidate' : 'set';
    try {
      await this.writer.writeMany(
        writes,
        action,
        options,
        performance.now() + this.config.timeoutMs - readMs,
      );
    } catch (error) {
      if (!BatchError.isInstance(error)) throw error;
      for (const [key, failure] of error.failures) {
        if (!StoreError.isInstance(failure) && !TimeoutError.isInstance(failure)) throw failure;
        this.reporter.error(failure, { operation: 'getOrSetMany', key });
      }
    }
    return values;
  }

  /**
   * The read and the write share one timeout: the write gets what the read left (the loader's own
   * time is the caller's, not the cache's, and is not counted).
   */
  private async readOrLoad(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions) {
    const started = performance.now();
    const cached = await this.fetch(key);
    if (cached !== undefined) return cached;
    const readMs = performance.now() - started;
    const value = await loader(key);
    if (value === undefined) return value;
    try {
      const action = options?.invalidate === true ? 'invalidate' : 'set';
      const deadlineAt = performance.now() + this.config.timeoutMs - readMs;
      await this.writer.write(key, value, action, options, deadlineAt);
    } catch (error) {
      if (!StoreError.isInstance(error) && !TimeoutError.isInstance(error)) throw error;
      this.reporter.error(error, { operation: 'getOrSet', key });
    }
    return value;
  }

  private startFill(
    key: string,
    read: (key: string) => Promise<StoreEntry | undefined>,
    operation: string,
  ): Promise<V | undefined> {
    const fill = new Fill<V>(this.fillTimedOut, key, operation, this.tier.generation, undefined);
    this.tier.fills.add(key, fill);
    const promise = fill.promise;
    this.read(fill, read);
    return promise;
  }

  /** Runs `read` for `fill` (already in the tier's fills), bounded by the timeout. */
  private read(fill: Fill<V>, read: (key: string) => Promise<StoreEntry | undefined>): void {
    const refused = this.calls.refuse(fill.operation, fill.key);
    if (refused !== undefined) {
      this.failFill(fill, refused);
      return;
    }
    let result: Promise<StoreEntry | undefined>;
    try {
      result = read(fill.key);
    } catch (error) {
      this.failFill(fill, error);
      return;
    }
    this.calls.deadlines.track(fill);
    Promise.resolve(result).then(
      (stored) => this.completeFill(fill, stored),
      (error: unknown) => this.failFill(fill, error),
    );
  }

  /** The store answered: count, decode, shape, and cache unless something overtook the read. */
  private completeFill(fill: Fill<V>, stored: StoreEntry | undefined): void {
    if (fill.done) return; // timed out already (reported then)
    this.calls.deadlines.settle(fill);
    this.calls.answered();
    const key = fill.key;
    if (stored === undefined) {
      if (this.metricsEnabled) this.counters.remoteMisses++;
      this.finishFill(fill, undefined);
      return;
    }
    if (this.metricsEnabled) this.counters.remoteHits++;
    let value: V;
    try {
      value = this.config.marshaller.decode(stored.payload);
    } catch (error) {
      this.reporter.error(error, { operation: 'decode', key });
      this.finishFill(fill, undefined);
      return;
    }
    const tier = this.tier;
    tier.versions.vouch(stored.version);
    let shaped: V | undefined;
    try {
      shaped = tier.shape(key, stored.version, stored.ttlMs ?? 0, stored.payload, value);
      // A value with (almost) no time left is returned but not cached: 0 would read as "no TTL".
      const expiring = stored.ttlMs !== undefined && stored.ttlMs <= 0;
      if (
        !expiring &&
        !fill.overtaken &&
        fill.generation === tier.generation &&
        tier.serving &&
        tier.versions.noteUnlessOlder(key, stored.version)
      ) {
        if (shaped !== undefined) {
          tier.cache.set(key, shaped, { ttlMs: localTtl(stored.ttlMs ?? 0, this.config.localTtlMs) });
        }
      }
    } catch (error) {
      // a local cache that throws: the read still answers, nothing is cached
      this.reporter.error(error, { operation: 'get', key });
    }
    this.finishFill(fill, shaped === undefined ? value : shaped);
  }

  /** The read failed: reads fail open (reported, a miss). */
  private failFill(fill: Fill<V>, error: unknown): void {
    if (fill.done) return;
    this.calls.deadlines.settle(fill);
    if (this.metricsEnabled) this.counters.readErrors++;
    this.reporter.error(wrapAdapterError(error, 'store', fill.operation, fill.key), {
      operation: 'get',
      key: fill.key,
    });
    this.finishFill(fill, undefined);
  }

  /** Called by the deadline sweep (the fill is untracked by then). */
  private readonly fillTimedOut = (fill: Fill<V>): void => {
    if (fill.done) return;
    this.calls.timedOut();
    if (this.metricsEnabled) this.counters.readErrors++;
    this.reporter.error(new TimeoutError(this.config.timeoutMs, { action: fill.operation, key: fill.key }), {
      operation: 'get',
      key: fill.key,
    });
    this.finishFill(fill, undefined);
  };

  private finishFill(fill: Fill<V>, value: V | undefined): void {
    this.tier.fills.release(fill.key, fill);
    fill.resolve(value);
  }
}

/**
 * The loader's answer as a map: a `Map` from key to value, or an array in the order of the keys
 * it was given. Anything else is an `InvalidConfigError` (the loader broke its contract).
 */
function loadedValues<V>(keys: readonly string[], answer: unknown): Map<string, V | undefined> {
  if (answer instanceof Map) return answer as Map<string, V | undefined>;
  if (Array.isArray(answer) && answer.length === keys.length) {
    return new Map(keys.map((key, i) => [key, answer[i] as V | undefined]));
  }
  throw new InvalidConfigError(
    'loader',
    answer,
    `a Map of key to value, or an array of ${keys.length} values in the order of the keys it was given`,
  );
}
