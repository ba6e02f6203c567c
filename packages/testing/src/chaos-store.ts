import type { Store, StoreCapabilities, StoreEntry, StoreSetOptions } from '@synced-cache/core';
import { StoreError } from '@synced-cache/core';
import { mulberry32 } from './random.js';
import { checkRate, checkSeed } from './validate.js';

const realSetTimeout = globalThis.setTimeout;

/** Fault settings of a {@link chaosStore}. */
export interface ChaosStoreOptions {
  /** Seed of the fault generator. @default 1 */
  seed?: number;
  /** Probability in `[0, 1]` that a call fails with `StoreError` before reaching the store. @default 0 */
  failRate?: number;
  /** Each call waits a random time in `[0, delayMs)` before it runs. @default 0 */
  delayMs?: number;
}

/** What a {@link ChaosStore} has done so far. */
export interface ChaosStoreCounts {
  /** Calls made (except `close`). */
  calls: number;
  /** Calls failed on purpose (down or by `failRate`). */
  failed: number;
}

/** A {@link Store} that injects faults; see {@link chaosStore}. */
export interface ChaosStore extends Store {
  /**
   * Changes the fault settings at run time; omitted fields keep their value. Passing `seed`
   * restarts the generator.
   * @throws InvalidConfigError when `failRate` is outside `[0, 1]` or `delayMs` is negative
   */
  configure(options: ChaosStoreOptions): void;
  /** While down, every call (except `close`) rejects with `StoreError` without reaching the store. */
  setDown(down: boolean): void;
  /** Whether the store is {@link ChaosStore.setDown | down}. */
  readonly down: boolean;
  /** Live counters. */
  readonly counts: Readonly<ChaosStoreCounts>;
}

class ChaosStoreImpl implements ChaosStore {
  readonly contractVersion: number | undefined;
  readonly capabilities: StoreCapabilities | undefined;
  readonly counts: ChaosStoreCounts = { calls: 0, failed: 0 };
  private random: () => number;
  private failRate = 0;
  private delayMs = 0;
  private isDown = false;
  appendLog?: Store['appendLog'];
  readLog?: Store['readLog'];

  constructor(
    private readonly inner: Store,
    options: ChaosStoreOptions,
  ) {
    this.contractVersion = inner.contractVersion;
    this.capabilities = inner.capabilities;
    // The close log is forwarded (through the same faults) only when the inner store has one.
    if (inner.appendLog !== undefined && inner.readLog !== undefined) {
      const { appendLog, readLog } = inner;
      this.appendLog = (key, entry, keep, id) =>
        this.run('appendLog', key, () => appendLog.call(inner, key, entry, keep, id));
      this.readLog = (key, after, max) =>
        this.run('readLog', key, () => readLog.call(inner, key, after, max));
    }
    this.random = mulberry32(checkSeed(options.seed));
    this.configure(options);
  }

  get down(): boolean {
    return this.isDown;
  }

  configure(options: ChaosStoreOptions): void {
    const failRate = checkRate('failRate', options.failRate, this.failRate);
    const delayMs = checkRate('delayMs', options.delayMs, this.delayMs, Number.POSITIVE_INFINITY);
    if (options.seed !== undefined) this.random = mulberry32(checkSeed(options.seed));
    this.failRate = failRate;
    this.delayMs = delayMs;
  }

  setDown(down: boolean): void {
    this.isDown = down;
  }

  get(key: string): Promise<StoreEntry | undefined> {
    return this.run('get', key, () => this.inner.get(key));
  }

  getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>> {
    return this.run('getMany', undefined, () => this.inner.getMany(keys));
  }

  set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number> {
    return this.run('set', key, () => this.inner.set(key, payload, options));
  }

  delete(key: string): Promise<number> {
    return this.run('delete', key, () => this.inner.delete(key));
  }

  clear(prefix: string): Promise<number> {
    return this.run('clear', undefined, () => this.inner.clear(prefix));
  }

  size(prefix: string): Promise<number> {
    return this.run('size', undefined, () => this.inner.size(prefix));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async run<T>(action: string, key: string | undefined, call: () => Promise<T>): Promise<T> {
    this.counts.calls++;
    const failDraw = this.random();
    const delayDraw = this.random();
    const delay = Math.floor(delayDraw * this.delayMs);
    if (delay > 0) await new Promise<void>((resolve) => realSetTimeout(resolve, delay));
    if (this.isDown) {
      this.counts.failed++;
      throw new StoreError('store is down (chaosStore)', { action, key });
    }
    if (failDraw < this.failRate) {
      this.counts.failed++;
      throw new StoreError('injected store failure (chaosStore)', { action, key });
    }
    return call();
  }
}

/**
 * Wraps a store so that calls fail (with core's `StoreError`) or are delayed at seeded random
 * rates, and the store can be taken down and brought back. Use it to test that reads fall back
 * to the local tier, writes reject with a typed error, and nothing hangs.
 *
 * @param inner - the real store; closing the wrapper closes it
 * @param options - initial fault settings (transparent by default)
 * @throws InvalidConfigError when `failRate` is outside `[0, 1]` or `delayMs` is negative
 * @example
 * ```ts
 * const store = chaosStore(new MemoryStore(), { seed: 3 });
 * store.setDown(true);   // every call now rejects with StoreError
 * store.setDown(false);
 * ```
 */
export function chaosStore(inner: Store, options: ChaosStoreOptions = {}): ChaosStore {
  return new ChaosStoreImpl(inner, options);
}
