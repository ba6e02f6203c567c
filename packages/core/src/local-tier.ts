import { isAscii } from 'node:buffer';
import type { WireEvent } from './codec.js';
import type { CacheConfig } from './config.js';
import type { InvalidationEvent, LocalCache, LocalCacheSetOptions } from './contracts.js';
import { InFlight } from './in-flight.js';
import { decodeJsonText, jsonMarshaller } from './marshaller.js';
import type { Stats } from './options.js';
import type { Reporter } from './reporting.js';
import { VersionTable } from './version-table.js';

/**
 * The state the reader, the writer and the receiver share: the local cache, what this pod knows
 * about versions, the store reads in flight, and the generation that a flush bumps. Every change to
 * the local tier goes through here, so the rules that keep it convergent (a fill overtaken by an
 * event is not cached, a flush or clear voids every read in flight, `onSetLocalCache` shapes every
 * value) hold on every path.
 *
 * @internal
 */
export class LocalTier<V> {
  readonly cache: LocalCache<V>;
  /** Whether received values may wait undecoded until read (see {@link LocalTier.park}): no `onSetLocalCache`. */
  readonly defersDecoding: boolean;
  readonly versions: VersionTable;
  readonly fills = new InFlight<PendingFill<V>>();
  /** Bumped by every flush and clear; a fill started in an older generation is not cached. */
  generation = 0;
  /** Set when the cache closes: nothing is cached any more and every public call rejects. */
  closed = false;
  /**
   * Whether the local tier may serve and be filled: the cache is open and this pod can hear
   * changes. While the bus is down (or this pod stopped hearing its own heartbeat), a change made
   * elsewhere would go unnoticed, so the tier is emptied and reads go to the store.
   */
  serving = true;
  private readonly metricsEnabled: boolean;
  private readonly onSetLocalCache: CacheConfig<V>['onSetLocalCache'];
  private readonly decode: (bytes: Uint8Array) => V;
  /** The marshaller's decode from ASCII text, when it has one (core's JSON marshaller). */
  private readonly decodeAscii: ((text: string) => V) | undefined;
  /** Received values not read yet, by key, oldest first (see {@link LocalTier.park}). */
  private unread = new Map<string, Unread>();
  /** The local cache's `has`, when it has one. */
  private readonly probe: ((key: string) => boolean) | undefined;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {
    const cache = config.local;
    this.cache = cache;
    this.defersDecoding = config.onSetLocalCache === undefined;
    this.probe = typeof cache.has === 'function' ? (key) => cache.has!(key) : undefined;
    this.versions = new VersionTable(config.maxTrackedKeys);
    this.metricsEnabled = config.metricsEnabled;
    this.onSetLocalCache = config.onSetLocalCache;
    const marshaller = config.marshaller;
    this.decode = (bytes) => marshaller.decode(bytes);
    this.decodeAscii = marshaller === jsonMarshaller ? (decodeJsonText as (text: string) => V) : undefined;
  }

  /** Whether an `onSetLocalCache` hook shapes what the tier holds (it decodes the payload itself). */
  get shapes(): boolean {
    return this.onSetLocalCache !== undefined;
  }

  /**
   * Applies `onSetLocalCache` so the local tier holds one shape on every path. `undefined` means
   * "do not cache" (the hook returned it, or threw: reported). Without a hook, `value` is held as
   * it is; with one, `value` is not used (so a caller may skip decoding it).
   */
  shape(
    key: string,
    version: number,
    ttlMs: number,
    payload: Uint8Array,
    value: V | undefined,
    event?: WireEvent,
  ): V | undefined {
    const hook = this.onSetLocalCache;
    if (hook === undefined) return value;
    const asEvent: InvalidationEvent = event
      ? (event as InvalidationEvent)
      : {
          action: 'set',
          key,
          podId: this.config.podId,
          epoch: this.config.epoch,
          seq: 0,
          version,
          ttlMs,
          value: payload,
        };
    try {
      return hook(asEvent, this.decode);
    } catch (error) {
      this.reporter.error(error, { operation: 'onSetLocalCache', key });
      return undefined;
    }
  }

  /**
   * The value `key` holds locally, or `undefined`: from the local cache, else a received value not
   * read yet, decoded now and moved into the local cache.
   */
  read(key: string): V | undefined {
    const held = this.cache.get(key);
    return held !== undefined ? held : this.readUnread(key);
  }

  /**
   * A received value for `key` not read yet, decoded now and moved into the local cache; or
   * `undefined` (none, expired, or it does not decode: reported, dropped, a miss). Called after
   * the local cache missed.
   */
  readUnread(key: string): V | undefined {
    if (this.unread.size === 0) return undefined;
    const unread = this.unread.get(key);
    if (unread === undefined) return undefined;
    this.unread.delete(key);
    let ttlMs = 0;
    if (unread.expiresAt !== 0) {
      ttlMs = unread.expiresAt - Date.now();
      if (ttlMs <= 0) return undefined;
    }
    let value: V;
    try {
      value = unread.ascii ? this.decodeAscii!(unread.text) : this.decode(Buffer.from(unread.text, 'latin1'));
    } catch (error) {
      this.reporter.error(error, { operation: 'decodeEvent', key });
      return undefined;
    }
    if (value !== undefined) this.cache.set(key, value, { ttlMs });
    return value;
  }

  /**
   * Whether the local cache holds `key`, asked without counting a read or touching its policy;
   * `undefined` when the cache cannot tell (it has no `has`).
   */
  holds(key: string): boolean | undefined {
    return this.probe === undefined ? undefined : this.probe(key);
  }

  /**
   * Keeps a received value for a key the local cache does not hold (or cannot tell) undecoded until
   * something reads it. Most values other pods write for keys this pod is not reading are
   * overwritten or expire unread, and decoding was most of what applying an event cost; waiting
   * outside the cache, they also evict none of the entries this pod does read. The bytes are
   * copied into a one-char-per-byte string: on the JS heap, exactly their size, and not a view that
   * would pin the message's (pooled or socket) buffer; for core's JSON marshaller, ASCII bytes are
   * parsed from that string directly. A key's newer value takes its place in the queue (no Map
   * delete per event: V8 Maps are slow under delete-and-insert churn). At most as many values
   * wait as the local cache holds entries (at least {@link MIN_UNREAD}); past that, the quarter
   * that has waited longest goes (a later read of one asks the store). Returns whether a local
   * copy (read or not) was replaced.
   */
  park(key: string, payload: Uint8Array, ttlMs: number): boolean {
    const unread = this.unread;
    const waiting = unread.size === 0 ? undefined : unread.get(key);
    const replaced = waiting !== undefined || this.cache.delete(key);
    if (!this.serving) {
      if (waiting !== undefined) unread.delete(key);
      return replaced;
    }
    const bytes = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const text = bytes.toString('latin1');
    const ascii = this.decodeAscii !== undefined && isAscii(bytes);
    const expiresAt = ttlMs > 0 ? Date.now() + ttlMs : 0;
    if (waiting !== undefined) {
      waiting.text = text;
      waiting.ascii = ascii;
      waiting.expiresAt = expiresAt;
      return replaced;
    }
    unread.set(key, { text, ascii, expiresAt });
    const limit = Math.max(MIN_UNREAD, this.cache.size);
    if (unread.size > limit) this.shedUnread(limit - (limit >> 2));
    return replaced;
  }

  /** Keeps the `keep` values that waited least (rebuilt, so the Map carries no deleted slots). */
  private shedUnread(keep: number): void {
    const kept = new Map<string, Unread>();
    let skip = this.unread.size - keep;
    for (const [key, unread] of this.unread) {
      if (skip > 0) skip--;
      else kept.set(key, unread);
    }
    this.unread = kept;
  }

  /** Drops the key's local copy without counting it (a write's own bookkeeping). */
  forget(key: string): void {
    this.cache.delete(key);
    if (this.unread.size !== 0) this.unread.delete(key);
  }

  /** Holds the shaped value, or drops the key when shaping said not to cache it. */
  put(key: string, shaped: V | undefined, options: LocalCacheSetOptions): void {
    if (this.unread.size !== 0) this.unread.delete(key);
    if (shaped === undefined || !this.serving) this.cache.delete(key);
    else this.cache.set(key, shaped, options);
  }

  /** Drops the key's local copy (counted as an invalidation when there was one). */
  drop(key: string): void {
    const held = this.cache.delete(key);
    const dropped = (this.unread.size !== 0 && this.unread.delete(key)) || held;
    if (dropped && this.metricsEnabled) this.counters.invalidations++;
  }

  /** A write or an event for `key` arrived: a read in flight for it returns but does not cache. */
  overtake(key: string): void {
    const fill = this.fills.get(key);
    if (fill !== undefined) fill.overtaken = true;
  }

  /** Empties the local tier and voids every read in flight. */
  flush(): void {
    this.generation++;
    this.fills.forEach(markOvertaken);
    this.cache.clear();
    this.unread.clear();
  }

  /** Local copies held: the local cache's entries and the received values not read yet. */
  get size(): number {
    return this.cache.size + this.unread.size;
  }

  /** This pod cannot hear changes any more: empty the tier and stop serving and filling it. */
  suspend(): void {
    this.serving = false;
    this.flush();
  }

  /** This pod hears changes again (after a resync) and is open: serve and fill the tier again. */
  resume(): void {
    this.serving = !this.closed;
  }

  /** The cache closes: nothing is served or cached any more. */
  close(): void {
    this.closed = true;
    this.serving = false;
    this.unread.clear();
  }

  /** A clear at `version`: every version up to it is stale, and the local tier is emptied. */
  clear(version: number): void {
    this.versions.raiseFloor(version);
    this.flush();
  }
}

/** A received value waiting undecoded for its first read (see {@link LocalTier.park}). */
interface Unread {
  /** The encoded bytes, one char per byte (latin1). */
  text: string;
  /** Every byte is ASCII and the marshaller parses text (core's JSON): `text` is what it parses. */
  ascii: boolean;
  /** When the local copy expires (`Date.now()` time), 0 for never. */
  expiresAt: number;
}

/** Unread values always allowed to wait, however few entries the local cache holds. */
const MIN_UNREAD = 1024;

/** A store read in flight, as the modules that overtake it see it (the reader's `Fill`). */
export interface PendingFill<V> {
  readonly promise: Promise<V | undefined>;
  /** An event or local write for the key arrived while reading: return the value, do not cache it. */
  overtaken: boolean;
}

function markOvertaken(fill: { overtaken: boolean }): void {
  fill.overtaken = true;
}
