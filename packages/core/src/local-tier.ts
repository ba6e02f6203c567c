import type { WireEvent } from './codec.js';
import type { CacheConfig } from './config.js';
import type { InvalidationEvent, LocalCache, LocalCacheSetOptions } from './contracts.js';
import { InFlight } from './in-flight.js';
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

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {
    this.cache = config.local;
    this.versions = new VersionTable(config.maxTrackedKeys);
    this.metricsEnabled = config.metricsEnabled;
    this.onSetLocalCache = config.onSetLocalCache;
    const marshaller = config.marshaller;
    this.decode = (bytes) => marshaller.decode(bytes);
  }

  /**
   * Applies `onSetLocalCache` so the local tier holds one shape on every path. `undefined` means
   * "do not cache" (the hook returned it, or threw: reported).
   */
  shape(
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

/** A store read in flight, as the modules that overtake it see it (the reader's `Fill`). */
export interface PendingFill<V> {
  readonly promise: Promise<V | undefined>;
  /** An event or local write for the key arrived while reading: return the value, do not cache it. */
  overtaken: boolean;
}

function markOvertaken(fill: { overtaken: boolean }): void {
  fill.overtaken = true;
}
