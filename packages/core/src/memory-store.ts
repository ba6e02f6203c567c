import type { Store, StoreCapabilities, StoreEntry, StoreSetOptions } from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { InvalidConfigError } from './errors.js';
import { type OptionNames, rejectUnknownOptions } from './option-names.js';

interface Slot {
  payload: Uint8Array;
  version: number;
  /** Absolute expiry in ms since the epoch; 0 = none. */
  expiresAt: number;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock used for TTLs, in ms. @default Date.now */
  now?: () => number;
}

const MEMORY_STORE_OPTIONS: OptionNames<MemoryStoreOptions> = { now: true };

/**
 * The embedded store: one process, no network. Several caches (pods) in one process share it by
 * passing the same instance. It behaves like a network store where it matters for correctness:
 * bytes are copied in and out, calls are asynchronous, and versions come from one counter, so they
 * increase strictly across keys, deletes and clears (`namespaceVersions`). TTLs expire lazily on
 * access plus a small sweep on every write, without timers.
 *
 * `close()` releases nothing (pods may share the instance); the data lives as long as the object.
 */
export class MemoryStore implements Store {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: StoreCapabilities = { batchGet: true, namespaceVersions: true };
  private readonly data = new Map<string, Slot>();
  private readonly now: () => number;
  private clock = 0;
  private sweeper: Iterator<[string, Slot]> | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    rejectUnknownOptions(options, MEMORY_STORE_OPTIONS);
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new InvalidConfigError('now', options.now, 'a function returning milliseconds');
    }
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<StoreEntry | undefined> {
    return this.read(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>> {
    return keys.map((key) => this.read(key));
  }

  async set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number> {
    const ttlMs = options?.ttlMs ?? 0;
    const version = ++this.clock;
    this.data.set(key, {
      payload: payload.slice(),
      version,
      expiresAt: ttlMs > 0 ? this.now() + ttlMs : 0,
    });
    this.sweep();
    return version;
  }

  async delete(key: string): Promise<number> {
    this.data.delete(key);
    return ++this.clock;
  }

  async clear(prefix: string): Promise<number> {
    for (const key of this.data.keys()) if (key.startsWith(prefix)) this.data.delete(key);
    this.sweeper = undefined;
    return ++this.clock;
  }

  async size(prefix: string): Promise<number> {
    const now = this.now();
    let count = 0;
    for (const [key, slot] of this.data) {
      if (slot.expiresAt !== 0 && slot.expiresAt <= now) {
        this.data.delete(key);
      } else if (key.startsWith(prefix)) {
        count++;
      }
    }
    return count;
  }

  async currentVersion(): Promise<number> {
    return this.clock;
  }

  async close(): Promise<void> {}

  private read(key: string): StoreEntry | undefined {
    const slot = this.data.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt !== 0) {
      const remaining = slot.expiresAt - this.now();
      if (remaining <= 0) {
        this.data.delete(key);
        return undefined;
      }
      return { payload: slot.payload.slice(), version: slot.version, ttlMs: remaining };
    }
    return { payload: slot.payload.slice(), version: slot.version };
  }

  /** Amortised expiry: every write inspects two more entries, so expired keys never pile up. */
  private sweep(): void {
    const now = this.now();
    for (let i = 0; i < 2; i++) {
      this.sweeper ??= this.data.entries();
      const next = this.sweeper.next();
      if (next.done) {
        this.sweeper = undefined;
        return;
      }
      const [key, slot] = next.value;
      if (slot.expiresAt !== 0 && slot.expiresAt <= now) this.data.delete(key);
    }
  }
}
