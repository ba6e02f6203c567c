import type {
  Store,
  StoreBatchResult,
  StoreBatchWrite,
  StoreCapabilities,
  StoreEntry,
  StoreLogRead,
  StoreSetOptions,
} from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { InvalidConfigError } from './errors.js';
import { type OptionNames, rejectUnknownOptions } from './option-names.js';

interface Slot {
  /**
   * The bytes, copied into a one-byte (latin1) string: a copy that shares nothing with the caller,
   * and far smaller than a `Uint8Array` of its own (an ArrayBuffer and its backing store cost
   * about 200 bytes per entry on top of the bytes).
   */
  payload: string;
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
  /** Logs ({@link MemoryStore.appendLog}) live beside the keys: `clear` and `size` never see them. */
  private readonly logs = new Map<string, { id: string; last: number; entries: string[] }>();
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
      payload: copyIn(payload),
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

  /** Every write as `set` would do it, in order (one step: nothing else runs in between). */
  async setMany(writes: readonly StoreBatchWrite[]): Promise<StoreBatchResult[]> {
    return Promise.all(writes.map(({ key, payload, options }) => settle(this.set(key, payload, options))));
  }

  /** Every delete as `delete` would do it, in order. */
  async deleteMany(keys: readonly string[]): Promise<StoreBatchResult[]> {
    return Promise.all(keys.map((key) => settle(this.delete(key))));
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

  async appendLog(key: string, entry: Uint8Array, keep: number, id: string): Promise<number> {
    let log = this.logs.get(key);
    if (log === undefined) {
      log = { id, last: 0, entries: [] };
      this.logs.set(key, log);
    }
    log.entries.push(copyIn(entry));
    if (log.entries.length > keep) log.entries.splice(0, log.entries.length - keep);
    return ++log.last;
  }

  async readLog(key: string, after: number, max: number): Promise<StoreLogRead> {
    const log = this.logs.get(key);
    if (log === undefined) return { id: undefined, last: 0, entries: [] };
    const count = Math.max(0, Math.min(max, log.last - after, log.entries.length));
    return {
      id: log.id,
      last: log.last,
      entries: log.entries.slice(log.entries.length - count).map(copyOut),
    };
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
      return { payload: copyOut(slot.payload), version: slot.version, ttlMs: remaining };
    }
    return { payload: copyOut(slot.payload), version: slot.version };
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

/** `write`'s outcome as a {@link StoreBatchResult}. */
function settle(write: Promise<number>): Promise<StoreBatchResult> {
  return write.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/**
 * A copy of `bytes` that shares no memory with them. (`Buffer#slice` returns a view, so the
 * `payload.slice()` used before kept the caller's bytes, and with them Node's 8 KiB pool slab
 * that every small `Buffer.from` is cut from.)
 */
function copyIn(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Fresh bytes for a reader, which may change them without touching the store. */
function copyOut(stored: string): Uint8Array {
  return Buffer.from(stored, 'latin1');
}
