import { randomBytes } from 'node:crypto';
import type { Calls } from './calls.js';
import type { CacheConfig } from './config.js';
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
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly calls: Calls,
    private readonly receiver: Receiver<V>,
    private readonly reporter: Reporter,
  ) {
    this.key = storeIdentityKey(config);
  }

  start(): void {
    if (this.config.heartbeatMs === 0) return;
    this.timer = setInterval(() => void this.check(), this.config.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
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

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    const store = this.config.store;
    try {
      const stored = await this.calls.run(() => store.get(this.key), 'storeIdentity', undefined, 'store');
      const id = stored === undefined ? undefined : Buffer.from(stored.payload).toString('utf8');
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
}

/** A new marker: a random id, plus `suffix` (`@<podId>` when a pod announces a loss). */
function freshMarker(suffix: string): Uint8Array {
  return Buffer.from(`${randomBytes(16).toString('hex')}${suffix}`, 'utf8');
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
