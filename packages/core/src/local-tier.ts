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
  /** The local cache; it may hold {@link Undecoded} entries (see {@link LocalTier.hold}). */
  readonly cache: LocalCache<V | Undecoded<V>>;
  /** Whether received values may be held undecoded (an opaque local cache and no `onSetLocalCache`). */
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

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {
    this.cache = config.local as LocalCache<V | Undecoded<V>>;
    this.defersDecoding = config.local.opaqueEntries === true && config.onSetLocalCache === undefined;
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
   * The value `key` holds in the local cache, or `undefined`: an {@link Undecoded} entry is decoded
   * on this, its first read (a value that does not decode is reported and dropped: a miss).
   */
  read(key: string): V | undefined {
    const held = this.cache.get(key);
    return held instanceof Undecoded ? this.reveal(key, held) : held;
  }

  /** {@link LocalTier.read} for an entry already taken from the cache. */
  reveal(key: string, held: Undecoded<V>): V | undefined {
    if (held.text === undefined) return held.value;
    let value: V;
    try {
      value = held.ascii ? this.decodeAscii!(held.text) : this.decode(Buffer.from(held.text, 'latin1'));
    } catch (error) {
      this.reporter.error(error, { operation: 'decodeEvent', key });
      if (this.cache.get(key) === held) this.cache.delete(key);
      return undefined;
    }
    held.text = undefined;
    held.value = value;
    if (value === undefined && this.cache.get(key) === held) this.cache.delete(key);
    return value;
  }

  /**
   * Holds a received value for `key` without decoding it: most values another pod writes are
   * overwritten or expire before this pod reads them, and decoding is most of what applying an
   * event costs. The bytes are copied into a one-byte-per-byte string: on the JS heap, exactly their
   * size, and not a view that would pin the message's (pooled or socket) buffer. ASCII bytes for
   * a marshaller that decodes text (core's JSON) are decoded from that text directly.
   */
  hold(key: string, payload: Uint8Array, options: LocalCacheSetOptions): void {
    if (!this.serving) {
      this.cache.delete(key);
      return;
    }
    const bytes = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const ascii = this.decodeAscii !== undefined && isAscii(bytes);
    this.cache.set(key, new Undecoded<V>(bytes.toString('latin1'), ascii), options);
  }

  /** Holds the shaped value, or drops the key when shaping said not to cache it. */
  put(key: string, shaped: V | undefined, options: LocalCacheSetOptions): void {
    if (shaped === undefined || !this.serving) this.cache.delete(key);
    else this.cache.set(key, shaped, options);
  }

  /** Drops the key's local copy (counted as an invalidation when there was one). */
  drop(key: string): void {
    if (this.cache.delete(key) && this.metricsEnabled) this.counters.invalidations++;
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
  }

  /** A clear at `version`: every version up to it is stale, and the local tier is emptied. */
  clear(version: number): void {
    this.versions.raiseFloor(version);
    this.flush();
  }
}

/**
 * A value received from another pod, held in the local cache as its encoded bytes until its first
 * read decodes it (once; the entry then keeps the value). Only core makes these, and only in a
 * local cache that declares `opaqueEntries`; every read of the local tier unwraps them.
 *
 * @internal
 */
export class Undecoded<V> {
  /** The encoded bytes, one char per byte (latin1), until decoded; then undefined. */
  text: string | undefined;
  value: V | undefined = undefined;

  constructor(
    text: string,
    /** Every byte is ASCII and the marshaller decodes text: `text` is what it decodes. */
    readonly ascii: boolean,
  ) {
    this.text = text;
  }
}

/** A store read in flight, as the modules that overtake it see it (the reader's `Fill`). */
export interface PendingFill<V> {
  readonly promise: Promise<V | undefined>;
  /** An event or local write for the key arrived while reading: return the value, do not cache it. */
  overtaken: boolean;
}

function markOvertaken(fill: { overtaken: boolean }): void {
  fill.overtaken = true;
}
