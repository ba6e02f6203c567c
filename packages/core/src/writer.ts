import type { BusLink } from './bus-link.js';
import { type Calls, wrapAdapterError } from './calls.js';
import { type CacheConfig, checkDuration, checkKey, localTtl } from './config.js';
import type { StoreBatchResult, StoreBatchWrite, StorePublication } from './contracts.js';
import {
  BatchError,
  CacheClosedError,
  LimitExceededError,
  SerializationError,
  SyncedCacheError,
  TimeoutError,
} from './errors.js';
import type { LocalTier } from './local-tier.js';
import type { SetOptions } from './options.js';
import type { Reporter } from './reporting.js';
import type { UnsettledWrites } from './unsettled-writes.js';

/**
 * The write path: encode once, write the store (which assigns the version, and with a publishing
 * store also sends the event in the same step), update the local tier unless something newer is
 * already known, then hand the event to the bus link. A reader pod that may not set the store
 * (`role: 'reader'` without `readerCanSetToStore`) sets only its own local tier; as in the Go
 * library, its `delete` and `clear` still reach the store and every pod.
 *
 * @internal
 */
export class Writer<V> {
  private readonly prefix: string;
  /** Writes in flight (see {@link Writer.idle}). */
  private active = 0;
  private idleWaiter: Promise<void> | undefined;
  private wakeIdle: (() => void) | undefined;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly tier: LocalTier<V>,
    private readonly calls: Calls,
    private readonly link: BusLink<V>,
    private readonly settling: UnsettledWrites<V>,
    private readonly reporter: Reporter,
  ) {
    this.prefix = config.prefix;
  }

  /** `set` and `setWithInvalidate` (the action other pods receive when the value fits an event). */
  write(
    key: string,
    value: V,
    action: 'set' | 'invalidate',
    options?: SetOptions,
    /** When part of the call's timeout is spent (getOrSet's read): the store write's deadline. */
    deadlineAt?: number,
  ): Promise<void> {
    let prepared: PreparedWrite;
    try {
      prepared = this.prepare(key, value, action, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.commit(prepared, deadlineAt);
  }

  /**
   * Writes every entry, each as {@link Writer.write} does: every entry is checked and encoded
   * first, so an invalid one writes nothing; then resolves when all are written, else rejects with
   * a {@link BatchError} naming the keys that failed (the others were written and announced). A key
   * given twice keeps its last value. With a store that writes batches (`setMany`, or
   * `setAndPublishMany` when it publishes the events) the batch is one store call under one
   * deadline; otherwise the writes run concurrently (the clients pipeline them).
   */
  async writeMany(
    entries: Iterable<readonly [string, V]>,
    action: 'set' | 'invalidate',
    options?: SetOptions,
    deadlineAt?: number,
  ): Promise<void> {
    this.assertOpen('setMany');
    const byKey = new Map<string, PreparedWrite>();
    for (const [key, value] of entries) byKey.set(key, this.prepare(key, value, action, options));
    const prepared = [...byKey.values()];
    const store = this.config.store;
    const batched = this.config.publishesThroughStore ? store.setAndPublishMany : store.setMany;
    if (prepared.length > 1 && this.config.setsStore && batched !== undefined) {
      return this.counted(this.commitMany(prepared, deadlineAt));
    }
    await settleAll(
      'setMany',
      prepared,
      (p) => this.commit(p, deadlineAt),
      (p) => p.key,
    );
  }

  /** Removes the key from the store, the local tier and every other pod. */
  delete(key: string): Promise<void> {
    return this.counted(this.deleteNow(key));
  }

  /** Removes every key of the namespace from the store, the local tier and every other pod. */
  clear(): Promise<void> {
    return this.counted(this.clearNow());
  }

  /**
   * Resolves once no write is in flight: `close()` waits (bounded) so a write that was running when
   * it was called still reaches the store and, through the link, every pod.
   */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    this.idleWaiter ??= new Promise<void>((resolve) => {
      this.wakeIdle = resolve;
    });
    return this.idleWaiter;
  }

  private counted(write: Promise<void>): Promise<void> {
    this.active++;
    return write.finally(this.finished);
  }

  private readonly finished = (): void => {
    if (--this.active > 0 || this.wakeIdle === undefined) return;
    this.wakeIdle();
    this.wakeIdle = undefined;
    this.idleWaiter = undefined;
  };

  /**
   * Checks and encodes a write without starting it: every error a caller could fix (closed cache,
   * key, TTL, an unencodable or oversized value) is thrown here, so a batch that fails on one
   * entry writes nothing.
   */
  prepare(key: string, value: V, action: 'set' | 'invalidate', options?: SetOptions): PreparedWrite {
    const method = action === 'set' ? 'set' : 'setWithInvalidate';
    this.assertOpen(method, key);
    checkKey(key, this.config.maxKeyBytes, action);
    const ttlMs = checkDuration('ttlMs', options?.ttlMs ?? this.config.ttlMs);
    const localTtlMs = localTtl(
      ttlMs,
      checkDuration('localTtlMs', options?.localTtlMs ?? this.config.localTtlMs),
    );
    return { key, action, method, ttlMs, localTtlMs, cost: options?.cost, payload: this.encode(key, value) };
  }

  /** Runs a prepared write (see {@link Writer.write}). */
  commit(prepared: PreparedWrite, deadlineAt?: number): Promise<void> {
    return this.counted(this.commitNow(prepared, deadlineAt));
  }

  /**
   * Deletes every key, each as {@link Writer.delete} does, concurrently (the clients pipeline
   * them): resolves when all are done, else rejects with a {@link BatchError} naming the keys
   * that failed (the others were deleted). Keys are checked before any delete starts.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    this.assertOpen('deleteMany');
    const unique = [...new Set(keys)];
    for (const key of unique) checkKey(key, this.config.maxKeyBytes, 'deleteMany');
    const store = this.config.store;
    const batched = this.config.publishesThroughStore ? store.deleteAndPublishMany : store.deleteMany;
    if (unique.length > 1 && batched !== undefined) return this.counted(this.deleteManyNow(unique));
    await settleAll('deleteMany', unique, (key) => this.delete(key));
  }

  private async commitNow(prepared: PreparedWrite, deadlineAt?: number): Promise<void> {
    const { key, method, ttlMs, localTtlMs, cost, payload } = prepared;
    this.assertOpen(method, key);
    if (!this.config.setsStore) {
      const tier = this.tier;
      tier.overtake(key);
      tier.put(key, this.ownCopy(key, 0, ttlMs, payload), { ttlMs: localTtlMs, cost });
      return;
    }
    const event = this.eventOf(prepared);
    const store = this.config.store;
    const publication = event.publication;
    const version = await this.storeWrite(
      'set',
      method,
      key,
      publication !== undefined,
      () =>
        publication === undefined
          ? store.set(this.prefix + key, payload, { ttlMs })
          : store.setAndPublish!(this.prefix + key, payload, { ttlMs }, publication),
      deadlineAt,
    );
    this.written(prepared, event, version);
  }

  /**
   * {@link Writer.commitNow} for a batch, as one store call (`setMany` or `setAndPublishMany`)
   * under one deadline: each key that the store wrote is applied and announced exactly as a single
   * write would be, each key that failed is handled as a single failed write; the keys that failed
   * reject together in a {@link BatchError}.
   */
  private async commitMany(batch: readonly PreparedWrite[], deadlineAt?: number): Promise<void> {
    this.assertOpen('setMany');
    const events = batch.map((prepared) => this.eventOf(prepared));
    const writes: StoreBatchWrite[] = batch.map(({ key, payload, ttlMs }) => ({
      key: this.prefix + key,
      payload,
      options: { ttlMs },
    }));
    const store = this.config.store;
    const publications = this.config.publishesThroughStore
      ? events.map((event) => event.publication as StorePublication)
      : undefined;
    const results = await this.storeWriteMany(
      'set',
      batch,
      publications !== undefined,
      () =>
        publications === undefined ? store.setMany!(writes) : store.setAndPublishMany!(writes, publications),
      deadlineAt,
    );
    this.link.publishTogether(() =>
      applyOutcomes(
        'setMany',
        results,
        (i) => batch[i]!.key,
        (i, version) => this.written(batch[i]!, events[i]!, version),
      ),
    );
  }

  /** The event a write sends: its value when it fits an event, else an invalidation. */
  private eventOf({ key, action, ttlMs, payload }: PreparedWrite): WriteEvent {
    const value = action === 'set' && payload.length <= this.config.maxEventValueBytes ? payload : undefined;
    const eventAction = value !== undefined ? 'set' : 'invalidate';
    const publication = this.config.publishesThroughStore
      ? this.link.publication(eventAction, key, ttlMs, value)
      : undefined;
    return { action: eventAction, value, publication };
  }

  /** The store wrote `prepared` as `version`: update the local tier, announce it unless the store did. */
  private written(prepared: PreparedWrite, event: WriteEvent, version: number): void {
    const { key, ttlMs, localTtlMs, cost, payload } = prepared;
    const tier = this.tier;
    tier.overtake(key);
    tier.versions.vouch(version);
    if (version >= tier.versions.threshold(key)) {
      tier.versions.note(key, version);
      tier.put(key, this.ownCopy(key, version, ttlMs, payload), { ttlMs: localTtlMs, cost });
    }
    if (event.publication === undefined) this.link.publish(event.action, key, version, ttlMs, event.value);
  }

  private async deleteNow(key: string): Promise<void> {
    this.assertOpen('delete', key);
    checkKey(key, this.config.maxKeyBytes, 'delete');
    const store = this.config.store;
    const publication = this.config.publishesThroughStore
      ? this.link.publication('delete', key, 0, undefined)
      : undefined;
    const version = await this.storeWrite('delete', 'delete', key, publication !== undefined, () =>
      publication === undefined
        ? store.delete(this.prefix + key)
        : store.deleteAndPublish!(this.prefix + key, publication),
    );
    this.deleted(key, version, publication === undefined);
  }

  /** {@link Writer.deleteNow} for a batch of checked, distinct keys, as {@link Writer.commitMany}. */
  private async deleteManyNow(keys: readonly string[]): Promise<void> {
    this.assertOpen('deleteMany');
    const store = this.config.store;
    const publications = this.config.publishesThroughStore
      ? keys.map((key) => this.link.publication('delete', key, 0, undefined))
      : undefined;
    const fullKeys = keys.map((key) => this.prefix + key);
    const results = await this.storeWriteMany(
      'delete',
      keys.map((key) => ({ key, method: 'delete' })),
      publications !== undefined,
      () =>
        publications === undefined
          ? store.deleteMany!(fullKeys)
          : store.deleteAndPublishMany!(fullKeys, publications),
    );
    this.link.publishTogether(() =>
      applyOutcomes(
        'deleteMany',
        results,
        (i) => keys[i]!,
        (i, version) => this.deleted(keys[i]!, version, publications === undefined),
      ),
    );
  }

  /** The store deleted `key` as `version`: drop the local copy, announce it when `announce`. */
  private deleted(key: string, version: number, announce: boolean): void {
    const tier = this.tier;
    tier.overtake(key);
    tier.forget(key);
    tier.versions.vouch(version);
    tier.versions.note(key, version);
    if (announce) this.link.publish('delete', key, version, 0, undefined);
  }

  private async clearNow(): Promise<void> {
    this.assertOpen('clear');
    let version: number;
    let outcome: Promise<number> | undefined;
    try {
      version = await this.calls.run(
        () => (outcome = this.config.store.clear(this.prefix)),
        'clear',
        undefined,
        'store',
      );
    } catch (error) {
      if (outcome === undefined) throw error; // never sent (the store circuit is open)
      // The clear may still happen: stop serving what it would remove, and announce it.
      this.tier.flush();
      this.settling.add('clear', '', outcome);
      throw error;
    }
    this.tier.versions.vouch(version);
    this.tier.clear(version);
    this.link.publish('clear', '', version, 0, undefined);
  }

  /**
   * Runs a store write of `key` under the timeout. When it fails or times out it may still have
   * reached the server and happen later: the local copy is dropped now (it may be replaced) and
   * every pod must learn the outcome. A store that publishes its own events announces the write if
   * and only if it happens; otherwise the adapter's own call (`outcome`) is handed to the settling
   * queue. A write never sent (the store circuit was open) changed nothing.
   */
  private async storeWrite(
    action: 'set' | 'delete',
    method: string,
    key: string,
    publishedByStore: boolean,
    write: () => Promise<number>,
    deadlineAt?: number,
  ): Promise<number> {
    let outcome: Promise<number> | undefined;
    try {
      return await this.calls.run(() => (outcome = write()), method, key, 'store', deadlineAt);
    } catch (error) {
      if (outcome !== undefined) this.unsettled(action, key, publishedByStore, outcome);
      throw error;
    }
  }

  /**
   * {@link Writer.storeWrite} for a batch: one store call under one deadline, resolving with each
   * key's outcome (errors typed as a single write's would be). When a key failed, or the whole
   * call failed or timed out, that key's write may still happen: its local copy is dropped and,
   * unless the store publishes its own events, its outcome is handed to the settling queue. When
   * the call itself failed, every key fails with its error.
   */
  private async storeWriteMany(
    action: 'set' | 'delete',
    batch: ReadonlyArray<{ readonly key: string; readonly method: string }>,
    publishedByStore: boolean,
    write: () => Promise<StoreBatchResult[]>,
    deadlineAt?: number,
  ): Promise<StoreBatchResult[]> {
    const method = action === 'set' ? 'setMany' : 'deleteMany';
    let outcome: Promise<StoreBatchResult[]> | undefined;
    let results: StoreBatchResult[];
    try {
      results = await this.calls.run(() => (outcome = write()), method, undefined, 'store', deadlineAt);
      if (!Array.isArray(results) || results.length !== batch.length) {
        throw new TypeError(`store.${method} answered ${batch.length} writes with ${String(results)}`);
      }
    } catch (error) {
      const failures = new Map<string, unknown>();
      for (let i = 0; i < batch.length; i++) {
        const { key, method: single } = batch[i]!;
        failures.set(key, this.keyError(error, single, key));
        if (outcome !== undefined) this.unsettled(action, key, publishedByStore, outcomeOf(outcome, i));
      }
      throw new BatchError(method, failures, batch.length);
    }
    return results.map((result, i) => {
      if (result.status === 'fulfilled') return result;
      const { key, method: single } = batch[i]!;
      this.unsettled(action, key, publishedByStore, Promise.reject(result.reason));
      return { status: 'rejected', reason: this.keyError(result.reason, single, key) };
    });
  }

  /** A write of `key` failed but may still happen (see {@link Writer.storeWrite}). */
  private unsettled(
    action: 'set' | 'delete',
    key: string,
    publishedByStore: boolean,
    outcome: Promise<number>,
  ): void {
    this.tier.overtake(key);
    this.tier.forget(key);
    if (publishedByStore) outcome.catch(() => undefined);
    else this.settling.add(action, key, outcome);
  }

  /** `error` of a batch as the error a single write of `key` would have failed with. */
  private keyError(error: unknown, method: string, key: string): SyncedCacheError {
    if (TimeoutError.isInstance(error))
      return new TimeoutError(this.config.timeoutMs, { action: method, key });
    return wrapAdapterError(error, 'store', method, key);
  }

  /**
   * What this pod caches for its own write: the value decoded from the bytes it wrote — exactly
   * what every other pod decodes from the event or the store — rather than the caller's object, so
   * a mutation of that object after `set` cannot show on the writer only, and every pod holds the
   * same types. `undefined` (not cached) when the marshaller cannot decode its own bytes (reported).
   */
  private ownCopy(key: string, version: number, ttlMs: number, payload: Uint8Array): V | undefined {
    // A hook decodes what it needs itself (it is handed the marshaller's decode).
    if (this.tier.shapes) return this.tier.shape(key, version, ttlMs, payload, undefined);
    let decoded: V;
    try {
      decoded = this.config.marshaller.decode(payload);
    } catch (error) {
      this.reporter.error(error, { operation: 'decodeOwnWrite', key });
      return undefined;
    }
    return this.tier.shape(key, version, ttlMs, payload, decoded);
  }

  private encode(key: string, value: V): Uint8Array {
    let payload: Uint8Array;
    try {
      payload = this.config.marshaller.encode(value);
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
    if (payload.length > this.config.maxValueBytes) {
      throw new LimitExceededError('maxValueBytes', this.config.maxValueBytes, payload.length, {
        key,
        action: 'set',
      });
    }
    return payload;
  }

  private assertOpen(action: string, key?: string): void {
    if (this.tier.closed) throw new CacheClosedError({ action, key });
  }
}

/** A write checked and encoded, ready to run (see {@link Writer.prepare}). */
export interface PreparedWrite {
  readonly key: string;
  readonly action: 'set' | 'invalidate';
  readonly method: 'set' | 'setWithInvalidate';
  readonly ttlMs: number;
  readonly localTtlMs: number;
  readonly cost: number | undefined;
  readonly payload: Uint8Array;
}

/** The event of a write (see {@link Writer.eventOf}). */
interface WriteEvent {
  readonly action: 'set' | 'invalidate';
  /** The value it carries (`set` events whose value fits). */
  readonly value: Uint8Array | undefined;
  /** What the store publishes for it, when the store publishes the cache's events. */
  readonly publication: StorePublication | undefined;
}

/** Write `index`'s version from a batch's outcome (rejected when that write failed). */
function outcomeOf(batch: Promise<StoreBatchResult[]>, index: number): Promise<number> {
  return batch.then((results) => {
    const result = results[index];
    if (result?.status === 'fulfilled') return result.value;
    throw result === undefined ? new Error('no result for this write') : result.reason;
  });
}

/**
 * Runs `run` for every item concurrently and waits for all; when some failed, rejects with a
 * {@link BatchError} holding each failed key's error.
 */
async function settleAll<T>(
  action: string,
  items: readonly T[],
  run: (item: T) => Promise<void>,
  keyOf: (item: T) => string = (item) => item as unknown as string,
): Promise<void> {
  const outcomes = await Promise.allSettled(items.map(run));
  applyOutcomes(
    action,
    outcomes,
    (i) => keyOf(items[i]!),
    () => {},
  );
}

/**
 * Hands each fulfilled outcome of a batch to `apply` (with its index); when some were rejected,
 * throws a {@link BatchError} holding each failed key's reason.
 */
function applyOutcomes<T>(
  action: string,
  outcomes: readonly PromiseSettledResult<T>[],
  keyOf: (index: number) => string,
  apply: (index: number, value: T) => void,
): void {
  const failed = new Map<string, unknown>();
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i]!;
    if (outcome.status === 'fulfilled') apply(i, outcome.value);
    else failed.set(keyOf(i), outcome.reason);
  }
  if (failed.size > 0) throw new BatchError(action, failed, outcomes.length);
}
