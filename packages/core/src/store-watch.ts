import { randomBytes } from 'node:crypto';
import type { Calls } from './calls.js';
import type { CacheConfig } from './config.js';
import type { StoreLogRead } from './contracts.js';
import type { Receiver } from './receiver.js';
import type { Reporter } from './reporting.js';

/**
 * Notices a store that lost its data under the pods — restarted empty, flushed, failed over to a
 * replica that had nothing — while the bus stayed up, so no pod was told. Every `heartbeatMs` each
 * pod reads a marker the first pod wrote (a random id under `<namespace>%store-identity`, a key
 * outside the namespace's `<namespace>:` keyspace, so `clear` and `size` never see it and no user
 * key can be it); when the marker is gone or another id replaced it, the store is not the one this
 * pod's local tier was filled from, and the pod resyncs (flush, floor from the store) and adopts
 * the new marker. Works with any store, at one read per pod per heartbeat. Off with `heartbeatMs: 0`.
 *
 * The marker also carries the one message a pod cannot send on the bus: a pod that closes with
 * writes its peers may not have heard of (the bus was down, or a write's outcome stayed unknown)
 * replaces the marker with `<id>@<podId>` ({@link StoreWatch.announceLoss}), and every pod resyncs
 * at its next check. Peers that never heard from that process at all (it lost the bus before its
 * first heartbeat) learn of the loss this way too, where the new-epoch rule cannot reach them.
 *
 * @internal
 */
export class StoreWatch<V> {
  /** The marker id this pod's local tier belongs to; undefined until the first one is read. */
  private known: string | undefined;
  private readonly key: string;
  private readonly logKey: string;
  /** Where this pod is in the close log: its identity and the newest number already checked. */
  private logId: string | undefined;
  private logAfter = 0;
  private logRead = false;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  /** The cache closed: a check still in flight acts on nothing it reads (and logs nothing). */
  private stopped = false;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly calls: Calls,
    private readonly receiver: Receiver<V>,
    private readonly reporter: Reporter,
  ) {
    this.key = storeIdentityKey(config);
    this.logKey = closeLogKey(config);
  }

  /** Checks now (while the local tier is still about empty), then every `heartbeatMs`. */
  start(): void {
    if (this.config.heartbeatMs === 0) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.config.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * This pod is closing and its peers may have missed some of its writes: replaces the marker so
   * that each of them resyncs at its next check (one store write, bounded by the timeout; on one
   * store connection it lands after this pod's earlier writes). A failure is reported: peers then
   * keep what they hold until this podId restarts or their local TTL ends.
   */
  async announceLoss(): Promise<void> {
    if (this.config.heartbeatMs === 0) return;
    const marker = freshMarker(`@${this.config.podId}`);
    try {
      await this.calls.runOutsideCircuit(
        () => this.config.store.set(this.key, marker),
        'storeIdentity',
        'store',
      );
    } catch (error) {
      this.reporter.error(error, { operation: 'storeIdentity' });
    }
  }

  /**
   * This pod closed cleanly, its `leave` sent, after numbering events up to `seq`: a peer that
   * missed them all (and the `leave`) could not tell from the bus. The close log in the store
   * records (podId, epoch, seq), and each peer that did not hear this process through `seq`
   * resyncs at its next check. A store without a log gets {@link StoreWatch.announceLoss}
   * instead: every peer resyncs.
   */
  async recordClose(seq: number): Promise<void> {
    if (this.config.heartbeatMs === 0) return;
    const store = this.config.store;
    if (typeof store.appendLog !== 'function' || typeof store.readLog !== 'function') {
      return this.announceLoss();
    }
    const { podId, epoch } = this.config;
    const entry = Buffer.from(JSON.stringify([podId, epoch, seq]), 'utf8');
    const id = randomId();
    try {
      await this.calls.runOutsideCircuit(
        () => store.appendLog!(this.logKey, entry, CLOSE_LOG_KEEP, id),
        'closeLog',
        'store',
      );
    } catch (error) {
      this.reporter.error(error, { operation: 'closeLog' });
      // Its outcome is unknown: tell every peer the other way (one more bounded write).
      await this.announceLoss();
    }
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    const store = this.config.store;
    try {
      // A failed log read leaves this pod's place in the log where it was: the next check reads on.
      const readLog =
        typeof store.readLog === 'function' ? this.readCloseLog().catch(() => undefined) : undefined;
      const stored = await this.calls.run(() => store.get(this.key), 'storeIdentity', undefined, 'store');
      const id = stored === undefined ? undefined : Buffer.from(stored.payload).toString('utf8');
      const log = await readLog;
      if (this.stopped) return;
      if (log !== undefined) this.checkCloseLog(log);
      if (id !== undefined && id === this.known) return;
      const at = id?.indexOf('@') ?? -1;
      // A replaced marker resyncs even at this pod's first successful read: its earlier reads may
      // all have failed, so it cannot tell whether the loss came before or after it filled its
      // tier. At startup that flushes a tier that is about empty.
      if (at >= 0) {
        this.reporter.logger.info('a pod closed with writes it could not announce; resyncing', {
          namespace: this.config.namespace,
          podId: id?.slice(at + 1),
        });
        this.receiver.resync('gap');
      } else if (this.known !== undefined) {
        this.reporter.logger.warn('the store lost its data (identity marker gone or replaced); resyncing', {
          namespace: this.config.namespace,
        });
        this.receiver.resync('store-reset');
      }
      this.known = id;
      // The first pod (or the first after a loss) writes the marker; everyone adopts what they read
      // next, so two pods writing at once cost no extra resync.
      if (id === undefined) {
        const fresh = freshMarker('');
        await this.calls.run(() => store.set(this.key, fresh), 'storeIdentity', undefined, 'store');
      }
    } catch (error) {
      if (this.reporter.debug)
        this.reporter.logger.debug('store identity check failed', { error: String(error) });
    } finally {
      this.checking = false;
    }
  }

  /** The close log above this pod's place in it (read beside the marker, in the same round trip on a pipelining client). */
  private readCloseLog(): Promise<StoreLogRead> {
    const store = this.config.store;
    return this.calls.run(
      () => store.readLog!(this.logKey, this.logAfter, CLOSE_LOG_KEEP),
      'closeLog',
      undefined,
      'store',
    );
  }

  /**
   * Resyncs when the close log names a process this pod did not hear through its last event, or
   * when entries this pod has not checked are gone (trimmed, or the log started over). At the
   * first read every entry counts: they closed before this pod's reads, and a resync of a tier
   * that is about empty costs nothing.
   */
  private checkCloseLog(log: StoreLogRead): void {
    const first = !this.logRead;
    const restarted = log.id !== this.logId;
    const after = restarted ? 0 : this.logAfter;
    this.logRead = true;
    this.logId = log.id;
    this.logAfter = log.last;
    if (log.last <= after) return;
    const missed = this.missedIn(log, after);
    if (missed === undefined) return;
    // At a pod's first read this is the rule, not news: logged in debug mode only.
    if (!first)
      this.reporter.logger.info(`close log: ${missed}; resyncing`, { namespace: this.config.namespace });
    else if (this.reporter.debug)
      this.reporter.logger.debug(`close log, first read: ${missed}; resyncing`, {});
    this.receiver.resync('gap');
  }

  /** Why the log's entries above `after` say this pod missed something, or undefined if they do not. */
  private missedIn(log: StoreLogRead, after: number): string | undefined {
    if (log.entries.length < log.last - after) return 'entries this pod had not checked were trimmed';
    for (const entry of log.entries) {
      const closed = parseCloseEntry(entry);
      if (closed === undefined) {
        if (this.reporter.debug) this.reporter.logger.debug('malformed close log entry ignored', {});
      } else if (!this.receiver.heardThrough(closed.podId, closed.epoch, closed.seq)) {
        return `pod ${closed.podId} closed after events this pod did not hear`;
      }
    }
    return undefined;
  }
}

/** How many closes the log keeps: more than can happen between two checks of a live pod. */
const CLOSE_LOG_KEEP = 256;

function parseCloseEntry(entry: Uint8Array): { podId: string; epoch: number; seq: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(entry).toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [podId, epoch, seq] = parsed as unknown[];
    if (typeof podId !== 'string' || typeof epoch !== 'number' || typeof seq !== 'number') return undefined;
    return { podId, epoch, seq };
  } catch {
    return undefined;
  }
}

/** A new marker: a random id, plus `suffix` (`@<podId>` when a pod announces a loss). */
function freshMarker(suffix: string): Uint8Array {
  return Buffer.from(`${randomId()}${suffix}`, 'utf8');
}

/** 128 random bits in hex: a marker's id, or a new close log's identity. */
function randomId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The identity marker's key: `<namespace>%store-identity`, outside the namespace's `<namespace>:`
 * keyspace (`clear` and `size` never see it, no user key can be it). Also what the store circuit's
 * background probe reads.
 *
 * @internal
 */
export function storeIdentityKey(config: { readonly prefix: string }): string {
  return `${config.prefix.slice(0, -1)}%store-identity`;
}

/** The close log's key: `<namespace>%closed-pods`, outside the keyspace like the marker. */
function closeLogKey(config: { readonly prefix: string }): string {
  return `${config.prefix.slice(0, -1)}%closed-pods`;
}
