import { backoffMs, type Calls } from './calls.js';
import { decodeEvent, EventDecodeError, isBatchFrame, splitBatch, type WireEvent } from './codec.js';
import { type CacheConfig, localTtl } from './config.js';
import type { InvalidationEvent } from './contracts.js';
import { SyncedCacheError, SynchronizerError } from './errors.js';
import type { LocalTier } from './local-tier.js';
import { OldestKey } from './oldest-key.js';
import type { Stats } from './options.js';
import type { Reporter } from './reporting.js';

const MAX_PEERS = 10_000;
const MAX_DEFERRED_SETS = 10_000;
const MAX_SUSPECTS = 10_000;
/**
 * How far (in store versions) an event may run ahead of the highest version the store itself gave
 * this pod before it is checked against the store's clock. The Redis adapters' versions are server
 * microseconds, so this is 60 s: a forged version can hold a key for at most that long past the
 * check, and a genuine one is only checked when this pod has not talked to the store for a minute
 * of writes. A forged version near 2^53 is caught at once.
 */
const VERSION_SLACK = 60_000_000;

/**
 * The receive path: decodes each bus message (dropping and counting malformed, foreign or badly
 * signed ones), tracks every peer's event numbering to detect lost events, and applies an event
 * only when it is newer than what this pod knows. After a detected loss it resyncs: flushes the
 * local tier and raises the version floor to the store's clock, treating `set` events as
 * invalidations until the floor is known.
 *
 * @internal
 */
export class Receiver<V> {
  /** This pod's epoch and podId as they appear on the wire, to skip its own echoes cheaply. */
  private readonly ownSignature: Uint8Array;
  private readonly peers = new Map<string, Peer>();
  private readonly oldestPeer = new OldestKey(this.peers);
  /**
   * Floor reads asked for (at start when signed, and at each resync) and the newest of them
   * answered. While the first runs ahead, a loss was detected and the floor is not yet raised:
   * `set` events wait. A read asked for later is at least as high as every earlier one, so its
   * answer settles them all; an older read still retrying gives up.
   */
  private floorsAsked = 0;
  private floorsKnown = 0;
  /** `set` events received while a resync waits for the store's version; re-checked once it is known. */
  private deferredSets: WireEvent[] = [];
  /** The store cannot bound past versions: after the first loss, `set` events act as invalidations. */
  private setsAsInvalidations = false;
  private reportedDuplicatePodId = false;
  private readonly metricsEnabled: boolean;
  /** Keys (and `FLOOR` for a clear) applied at versions beyond the store's known clock + slack, to check. */
  private readonly suspects = new Map<string | typeof FLOOR, number>();
  private verifying = false;
  /** When this pod last received one of its own messages back (performance.now); -1 never. */
  lastOwnEchoAt = -1;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly tier: LocalTier<V>,
    private readonly calls: Calls,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {
    this.ownSignature = ownSignature(config.epoch, config.podId);
    this.metricsEnabled = config.metricsEnabled;
  }

  /** The synchronizer's message callback: one envelope, or a batch frame of several. */
  readonly onMessage = (message: Uint8Array): void => {
    if (this.tier.closed) return;
    if (message instanceof Uint8Array && isBatchFrame(message)) {
      let envelopes: Uint8Array[];
      try {
        // A frame cannot be signed: where a secret is set, only signed envelopes are accepted.
        if (this.config.codec.secret !== undefined) {
          throw new EventDecodeError('unsigned', 'a batch frame is never signed');
        }
        envelopes = splitBatch(message);
      } catch (error) {
        this.dropMessage(error instanceof EventDecodeError ? error.reason : 'decode');
        return;
      }
      for (const envelope of envelopes) {
        if (this.tier.closed) return;
        this.receiveMessage(envelope);
      }
      return;
    }
    this.receiveMessage(message);
  };

  /** One envelope from the bus: decoded, then applied as this pod's echo or another pod's event. */
  private receiveMessage(message: Uint8Array): void {
    const own = isOwnEcho(message, this.ownSignature);
    let event: WireEvent;
    try {
      event = decodeEvent(message, this.config.codec);
    } catch (error) {
      const reason = error instanceof EventDecodeError ? error.reason : 'decode';
      this.dropMessage(reason);
      return;
    }
    try {
      if (own && event.podId === this.config.podId && event.epoch === this.config.epoch) {
        this.lastOwnEchoAt = performance.now();
        this.receiveOwn(event);
      } else {
        this.receive(event);
      }
    } catch (error) {
      this.reporter.error(error, { operation: 'apply', key: event.key });
    }
  }

  /**
   * This pod's own event, back from the bus. Usually the write already updated the local tier and
   * the echo is not newer; but a write whose call failed or timed out may have happened after all,
   * and its echo (published by the store if and only if the write ran) is how this pod learns.
   */
  private receiveOwn(event: WireEvent): void {
    if (event.action === 'heartbeat') return;
    const versions = this.tier.versions;
    if (
      event.action === 'clear' ? event.version <= versions.floor : event.version <= versions.own(event.key)
    ) {
      return;
    }
    const applied = this.apply(event);
    if (this.metricsEnabled && applied) this.counters.eventsApplied++;
    if (this.reporter.listens('event')) this.reporter.emit('event', event as InvalidationEvent, applied);
  }

  private receive(event: WireEvent): void {
    if (event.podId === this.config.podId) {
      // A `leave` under this podId is this pod's previous process saying goodbye (a restart).
      if (event.epoch !== this.config.epoch && event.action !== 'leave' && !this.reportedDuplicatePodId) {
        this.reportedDuplicatePodId = true;
        this.reporter.error(
          new SyncedCacheError(
            `another pod publishes with this pod's podId "${this.config.podId}"; its events are ignored`,
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
    if (event.action === 'heartbeat' || event.action === 'leave') return;
    const applied = this.apply(event);
    if (this.metricsEnabled) {
      if (applied) this.counters.eventsApplied++;
      else this.counters.eventsStale++;
    }
    if (this.reporter.debug) {
      this.reporter.logger.debug('event', {
        action: event.action,
        key: event.key,
        from: event.podId,
        version: event.version,
        applied,
      });
    }
    if (this.reporter.listens('event')) this.reporter.emit('event', event as InvalidationEvent, applied);
  }

  /**
   * Detects lost events from a peer's (epoch, seq) numbering; a gap flushes the local tier. A
   * podId that speaks under a new epoch is a restarted process: unless the previous one left
   * (its `leave` said its numbering ended complete, and none of it is missing here), its last
   * events may never have been sent, and this pod resyncs.
   */
  private trackSequence(event: WireEvent): void {
    const peer = this.peers.get(event.podId);
    const numbered = event.action !== 'heartbeat' && event.action !== 'leave';
    if (peer === undefined || peer.epoch !== event.epoch) {
      if (peer === undefined && this.peers.size >= MAX_PEERS) {
        const oldest = this.oldestPeer.take();
        if (oldest !== undefined) this.peers.delete(oldest);
      }
      // The process it replaces stays on record for the close log (StoreWatch): heard through its
      // last seq if it left, covered by the resync below if it did not.
      const previous =
        peer === undefined ? undefined : { epoch: peer.epoch, seq: peer.left ? peer.seq : Infinity };
      this.peers.set(event.podId, {
        epoch: event.epoch,
        seq: event.seq,
        left: event.action === 'leave',
        previous,
      });
      // First contact after the peer already published: we may have missed its earlier events.
      const missedEarlier = event.seq > (numbered ? 1 : 0);
      if (missedEarlier || (peer !== undefined && !peer.left)) this.resync('gap');
      return;
    }
    if (!numbered) {
      if (event.seq > peer.seq) {
        peer.seq = event.seq;
        this.resync('gap');
      }
      if (event.action === 'leave') peer.left = true;
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

  /**
   * Whether this pod heard process (`podId`, `epoch`) through its event `seq`, or resynced after
   * it (so nothing it numbered up to `seq` can be missing here). The close log asks, for each pod
   * that closed cleanly: a process it never heard of answers false.
   */
  heardThrough(podId: string, epoch: number, seq: number): boolean {
    if (podId === this.config.podId && epoch === this.config.epoch) return true;
    const peer = this.peers.get(podId);
    if (peer === undefined) return false;
    if (peer.epoch === epoch) return peer.seq >= seq;
    return peer.previous !== undefined && peer.previous.epoch === epoch && peer.previous.seq >= seq;
  }

  /** Applies a remote event if it is newer than what this pod knows. Returns whether it was. */
  private apply(event: WireEvent): boolean {
    const key = event.key;
    const tier = this.tier;
    const versions = tier.versions;
    if (event.action === 'clear') {
      // Even a late clear flushes: the floor may come from forgotten keys rather than from this
      // clear, and entries older than the clear could still be held.
      if (event.version > versions.clock + VERSION_SLACK) this.suspect(FLOOR, event.version);
      // Every local copy it removes counts as an invalidation, as a delete of each would.
      if (this.metricsEnabled) this.counters.invalidations += tier.size;
      tier.clear(event.version);
      return true;
    }
    tier.overtake(key);
    // At or below the floor the event is newer than what this pod holds for the key, but its value
    // may have been superseded by an event this pod lost or forgot: drop the copy, do not apply it.
    // (Read before noting: noting may forget another key and raise the floor.)
    const trusted = event.version > versions.floor;
    if (!versions.noteIfNewer(key, event.version)) return false;
    if (event.version > versions.clock + VERSION_SLACK) this.suspect(key, event.version);
    if (event.action === 'set' && trusted && !this.setsAsInvalidations) {
      if (this.floorsAsked > this.floorsKnown) {
        // The floor is not known yet: drop the copy now, and apply the value once the floor says
        // the event is newer than anything a lost event could have carried.
        tier.drop(key);
        if (this.deferredSets.length < MAX_DEFERRED_SETS) {
          // A copy (Buffer.from copies; a Buffer's slice() is a view the transport may reuse).
          this.deferredSets.push({ ...event, value: Buffer.from(event.value!) });
        }
        return true;
      }
      this.applySet(event);
      return true;
    }
    tier.drop(key);
    return true;
  }

  /**
   * Puts a trusted `set` event's value into the local tier: decoded in place of the copy the local
   * cache holds, or, for a key it does not hold, waiting undecoded until read (LocalTier.park).
   */
  private applySet(event: WireEvent): void {
    const key = event.key;
    const payload = event.value!;
    const tier = this.tier;
    const ttlMs = localTtl(event.ttlMs, this.config.localTtlMs);
    const held = tier.holds(key);
    if (held !== true && tier.defersDecoding) {
      if (tier.park(key, payload, ttlMs) && this.metricsEnabled) this.counters.invalidations++;
      return;
    }
    let value: V | undefined;
    // A hook decodes what it needs itself (it is handed the marshaller's decode).
    if (!tier.shapes) {
      try {
        value = this.config.marshaller.decode(payload);
      } catch (error) {
        this.reporter.error(error, { operation: 'decodeEvent', key });
        tier.drop(key);
        return;
      }
    }
    const shaped = tier.shape(key, event.version, event.ttlMs, payload, value, event);
    if (shaped === undefined || !tier.serving) {
      tier.drop(key);
    } else {
      if (this.metricsEnabled && (held ?? tier.cache.get(key) !== undefined)) this.counters.invalidations++;
      tier.cache.set(key, shaped, { ttlMs });
    }
  }

  /** Applies the deferred `set` events that are above the new floor and still the newest seen. */
  private replayDeferredSets(): void {
    const deferred = this.deferredSets;
    this.deferredSets = [];
    const versions = this.tier.versions;
    for (const event of deferred) {
      if (event.version > versions.floor && versions.own(event.key) === event.version) {
        this.applySet(event);
      }
    }
  }

  /**
   * Before the first message, when events are signed: take the version floor from the store, so
   * that a captured signed event replayed now cannot install a value this pod never had; until the
   * floor is known, `set` events wait (see {@link Receiver.resync}). Unsigned events need no such
   * guard (anyone on the bus can forge them outright), and it has a cost: with a store whose clock
   * runs ahead (a Cluster adds a margin), values written in the first moments are not cached.
   */
  start(): void {
    if (this.config.codec.secret === undefined || typeof this.config.store.currentVersion !== 'function')
      return;
    this.askFloor();
  }

  /**
   * Lost events were detected: flush, then raise the floor to the store's current version so that
   * any event older than the flush (which a lost newer event may have superseded) is treated as an
   * invalidation. Until the floor is raised, every `set` event is treated as one.
   */
  resync(reason: 'gap' | 'resubscribed' | 'store-reset'): void {
    this.tier.flush();
    if (this.metricsEnabled) this.counters.resyncs++;
    this.reporter.emit('resync', reason);
    if (this.reporter.debug) {
      this.reporter.logger.debug('resync', { reason, namespace: this.config.namespace });
    }
    if (typeof this.config.store.currentVersion !== 'function') {
      this.setsAsInvalidations = true;
      return;
    }
    this.askFloor();
  }

  /** Reads the store's clock for a new floor; once it (or a later read) answers, held sets apply. */
  private askFloor(): void {
    const asked = ++this.floorsAsked;
    this.readClock(
      'resync',
      (clock) => {
        this.tier.versions.raiseFloor(clock);
        if (asked <= this.floorsKnown) return;
        this.floorsKnown = asked;
        if (this.floorsKnown === this.floorsAsked && !this.tier.closed) this.replayDeferredSets();
      },
      () => asked > this.floorsKnown,
    );
  }

  /**
   * Reads the store's clock (which the version table then vouches for) and hands it to `use`; a
   * failed read is reported and retried with backoff until the store answers, the cache closes, or
   * `needed` says the read is no longer wanted (a later one answered).
   */
  private readClock(
    operation: string,
    use: (clock: number) => void,
    needed: () => boolean = () => true,
    attempt = 0,
  ): void {
    const store = this.config.store;
    this.calls
      .run(() => store.currentVersion!(), 'currentVersion', undefined, 'store')
      .then(
        (clock) => {
          this.tier.versions.vouch(clock);
          use(clock);
        },
        (error: unknown) => {
          this.reporter.error(error, { operation });
          if (this.tier.closed || !needed()) return;
          setTimeout(() => {
            if (needed()) this.readClock(operation, use, needed, attempt + 1);
          }, backoffMs(attempt)).unref();
        },
      )
      .catch((error: unknown) => this.reporter.error(error, { operation }));
  }

  /**
   * An event ran far ahead of every version the store gave this pod: it was applied (events are not
   * held back for a store round trip), and is now checked against the store's clock. Forged ones
   * are undone — the copy dropped, the version and floor taken back — so one forged version cannot
   * pin a key (or, through a clear, the whole namespace) against every genuine write after it.
   */
  private suspect(key: string | typeof FLOOR, version: number): void {
    const store = this.config.store;
    if (typeof store.currentVersion !== 'function') return;
    if (this.suspects.size < MAX_SUSPECTS || this.suspects.has(key)) this.suspects.set(key, version);
    else this.suspects.set(FLOOR, Math.max(version, this.suspects.get(FLOOR) ?? 0));
    if (!this.verifying) this.verify();
  }

  private verify(): void {
    this.verifying = true;
    this.readClock('verifyVersions', this.checkSuspects);
  }

  /** The store's clock arrived: undo every suspect beyond it (plus the slack). */
  private readonly checkSuspects = (clock: number): void => {
    this.verifying = false;
    const versions = this.tier.versions;
    const plausible = clock + VERSION_SLACK;
    const checked = [...this.suspects];
    this.suspects.clear();
    for (const [key, version] of checked) {
      if (version <= plausible) continue;
      if (key === FLOOR) {
        versions.distrust(undefined, clock);
      } else {
        this.tier.drop(key);
        versions.distrust(key, clock);
      }
      this.dropMessage('implausible-version');
    }
    if (this.suspects.size > 0 && !this.tier.closed) this.verify();
  };

  private dropMessage(reason: string): void {
    if (this.metricsEnabled) this.counters.eventsDropped++;
    this.reporter.emit('dropped', reason);
    this.reporter.error(new SynchronizerError(`dropped a bus message: ${reason}`, { action: 'receive' }), {
      operation: 'receive',
    });
    if (this.reporter.debug) {
      this.reporter.logger.debug('dropped bus message', { reason, namespace: this.config.namespace });
    }
  }
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

/** The suspect slot of a clear: its version raised the floor for every key. */
const FLOOR = Symbol('floor');

/** What this pod knows of another pod's event numbering. */
interface Peer {
  epoch: number;
  /** The highest `seq` heard (a gap below it was already handled by a resync). */
  seq: number;
  /** Its `leave` arrived: the process closed with everything it wrote announced. */
  left: boolean;
  /** The process this one replaced under the same podId: `seq` is Infinity when a resync covered it. */
  previous: { epoch: number; seq: number } | undefined;
}
