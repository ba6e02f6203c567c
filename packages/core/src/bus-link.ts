import type { Calls } from './calls.js';
import { encodeBatch, encodeEvent } from './codec.js';
import type { CacheConfig } from './config.js';
import type { Action, StorePublication, Subscription, SynchronizerStatus } from './contracts.js';
import { SynchronizerError } from './errors.js';
import type { LocalTier } from './local-tier.js';
import { OldestKey } from './oldest-key.js';
import type { Stats } from './options.js';
import type { Receiver } from './receiver.js';
import type { Reporter } from './reporting.js';

/**
 * This pod's side of the bus: the subscription and its status, and everything the pod sends.
 * Outgoing events are numbered per pod (`epoch`, `seq`) so receivers can detect losses; a publish
 * that fails is retried from a bounded queue that keeps only the newest event per key; a heartbeat
 * carries the last `seq` so receivers also notice lost trailing events. Received messages go
 * straight from the synchronizer to the {@link Receiver}; a resubscription (messages may have been
 * lost) makes it resync.
 *
 * @internal
 */
export class BusLink<V> {
  /** The synchronizer's last reported status. */
  status: SynchronizerStatus = 'down';
  private subscription: Subscription | undefined;
  private seq = 0;
  private readonly inFlightPublishes = new Set<Promise<void>>();
  /** Events waiting to leave together (see {@link BusLink.publishTogether}). */
  private together: Array<{ message: Uint8Array; pending: PendingPublish }> | undefined;
  private readonly retryQueue = new Map<string | typeof CLEAR_SLOT, PendingPublish>();
  private readonly oldestRetry = new OldestKey(this.retryQueue);
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Since when this pod has been subscribed and hearing (performance.now); -1 before the first subscription. */
  private hearingSince = -1;
  /** When this pod noticed it stopped hearing its own heartbeats; -1 when it hears them. */
  private deafSince = -1;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly calls: Calls,
    private readonly receiver: Receiver<V>,
    private readonly tier: LocalTier<V>,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {}

  /** Subscribes and starts the heartbeat; resolves once the subscription is confirmed. */
  start(): Promise<void> {
    this.receiver.start();
    const subscribed = this.subscribe();
    if (this.config.heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.config.heartbeatMs);
      this.heartbeatTimer.unref();
    }
    return subscribed;
  }

  private async subscribe(): Promise<void> {
    const { synchronizer, channel } = this.config;
    this.subscription = await this.calls.run(
      () => synchronizer.subscribe(channel, this.receiver.onMessage, this.onStatus),
      'subscribe',
      undefined,
      'sync',
    );
    if (this.hearingSince < 0) {
      // Confirmed: whatever the adapter reported while subscribing, this pod now hears the bus.
      this.hearingSince = performance.now();
      this.status = 'up';
      this.tier.resume();
    }
  }

  /**
   * The synchronizer's status callback. While `down`, this pod cannot hear changes: its local tier
   * is emptied and neither serves nor fills until the subscription is back, and then it resyncs
   * (messages may have been lost). `up` after `down` counts as a resubscription too.
   */
  private readonly onStatus = (status: SynchronizerStatus, error?: unknown): void => {
    if (this.stopped) return;
    const previous = this.status;
    const recovered =
      status === 'resubscribed' || (status === 'up' && previous === 'down' && this.hearingSince >= 0);
    this.status = status === 'down' ? 'down' : 'up';
    if (status !== 'down') {
      this.hearingSince = performance.now();
      this.deafSince = -1;
    }
    this.reporter.emit('status', status);
    if (status === 'down') {
      this.reporter.logger.warn('synchronizer down; reading through to the store until it recovers', {
        namespace: this.config.namespace,
        error: error instanceof Error ? error.message : error,
      });
      this.tier.suspend();
    } else {
      if (recovered) {
        this.reporter.logger.info('synchronizer resubscribed; flushing local tier', {
          namespace: this.config.namespace,
        });
        this.receiver.resync('resubscribed');
      }
      this.tier.resume();
    }
    if (this.status === 'up' && previous === 'down' && this.retryQueue.size > 0) this.scheduleRetry(0);
  };

  /**
   * Whether this pod still hears the bus, judged by its own heartbeats: on a synchronizer that
   * delivers a pod's messages back to it (Redis, NATS and the memory bus do), a heartbeat that
   * does not come back within one interval plus the timeout means the subscription went deaf
   * without the adapter noticing (a half-open link). That is handled like `down` until this pod
   * hears itself again, which then counts as a resubscription.
   */
  private checkHearing(): void {
    const heard = this.receiver.lastOwnEchoAt;
    if (heard < 0 || this.hearingSince < 0) return; // no echo seen yet: the synchronizer may not echo
    if (this.deafSince >= 0) {
      if (heard > this.deafSince) this.onStatus('resubscribed');
      return;
    }
    if (this.status === 'down') return;
    const now = performance.now();
    if (now - Math.max(heard, this.hearingSince) > this.config.heartbeatMs + this.config.timeoutMs) {
      this.onStatus(
        'down',
        new SynchronizerError(
          `this pod's own heartbeat did not come back within ${this.config.heartbeatMs + this.config.timeoutMs} ms`,
          {
            action: 'heartbeat',
          },
        ),
      );
      this.deafSince = now;
    }
  }

  /**
   * The event of a write the store will publish itself: the envelope without the value bytes and
   * with version 0 (the store writes the version it assigns). It takes this pod's next `seq` now,
   * so events leave in the order the writes reach the store; a write that then fails leaves a gap
   * in the numbering, which peers treat as a possible loss (they resync): safe, and rare.
   */
  publication(
    action: 'set' | 'invalidate' | 'delete',
    key: string,
    ttlMs: number,
    value: Uint8Array | undefined,
  ): StorePublication {
    const { podId, epoch, codec, channel } = this.config;
    const head = encodeEvent(
      { action, key, podId, epoch, seq: ++this.seq, version: 0, ttlMs, value },
      codec,
      true,
    );
    return { channel, head, appendPayload: value !== undefined };
  }

  /**
   * Publishes the event of a write, bounded by the timeout; a failure is reported and queued for
   * retry. Inside {@link BusLink.publishTogether} an unsigned event waits to leave with the others.
   */
  publish(action: Action, key: string, version: number, ttlMs: number, value: Uint8Array | undefined): void {
    const { podId, epoch, codec } = this.config;
    let message: Uint8Array;
    try {
      message = encodeEvent({ action, key, podId, epoch, seq: ++this.seq, version, ttlMs, value }, codec);
    } catch (error) {
      this.reporter.error(error, { operation: 'publish', key });
      return;
    }
    const pending: PendingPublish = { action, key, version, ttlMs, value };
    if (this.together !== undefined && codec.secret === undefined) this.together.push({ message, pending });
    else this.send(message, [pending]);
  }

  /**
   * Runs `announce` (a batch write announcing its keys) and sends the unsigned events it publishes
   * as batch frames, a lone event as itself: one bus message for the batch instead of one per key,
   * as the Redis adapters' batch scripts publish. A frame's envelopes add up to at most
   * `maxKeyBytes + maxEventValueBytes` (80 KiB by default), less than the largest single event
   * this pod may send anyway, so a bus that carries its events (a NATS `max_payload`, say)
   * carries its frames. Signed events leave one by one (a frame cannot be signed).
   */
  publishTogether(announce: () => void): void {
    if (this.together !== undefined) {
      announce();
      return;
    }
    const together: Array<{ message: Uint8Array; pending: PendingPublish }> = [];
    this.together = together;
    try {
      announce();
    } finally {
      this.together = undefined;
      const limit = this.config.maxKeyBytes + this.config.maxEventValueBytes;
      let frame: typeof together = [];
      let bytes = 0;
      const flush = (): void => {
        if (frame.length === 1) this.send(frame[0]!.message, [frame[0]!.pending]);
        else if (frame.length > 1) {
          this.send(
            encodeBatch(frame.map((item) => item.message)),
            frame.map((item) => item.pending),
          );
        }
        frame = [];
        bytes = 0;
      };
      for (const item of together) {
        const size = 4 + item.message.length;
        if (frame.length > 0 && bytes + size > limit) flush();
        frame.push(item);
        bytes += size;
      }
      flush();
    }
  }

  /** Sends one bus message carrying `pendings`' events; on failure each is queued for retry. */
  private send(message: Uint8Array, pendings: PendingPublish[]): void {
    const { channel, synchronizer } = this.config;
    const key = pendings[0]!.key;
    const sent = this.calls
      .run(() => synchronizer.publish(channel, message), 'publish', key, 'sync')
      .then(
        () => {
          this.inFlightPublishes.delete(sent);
        },
        (error: unknown) => {
          this.inFlightPublishes.delete(sent);
          this.reporter.error(error, { operation: 'publish', key });
          for (const pending of pendings) this.enqueueRetry(pending);
        },
      );
    this.inFlightPublishes.add(sent);
  }

  private enqueueRetry(pending: PendingPublish): void {
    if (this.stopped) {
      this.counters.publishFailures++;
      return;
    }
    const slot = pending.action === 'clear' ? CLEAR_SLOT : pending.key;
    const existing = this.retryQueue.get(slot);
    if (existing !== undefined && existing.version >= pending.version) return;
    this.retryQueue.delete(slot);
    this.retryQueue.set(slot, pending);
    if (this.retryQueue.size > this.config.maxPendingPublishes) {
      const oldest = this.oldestRetry.take();
      if (oldest !== undefined) this.retryQueue.delete(oldest);
      this.counters.publishFailures++;
    }
    this.counters.publishRetries++;
    this.scheduleRetry(this.retryDelayMs === 0 ? 50 : Math.min(this.retryDelayMs * 2, 5000));
  }

  private scheduleRetry(delayMs: number): void {
    if (this.retryTimer !== undefined || this.stopped) return;
    this.retryDelayMs = delayMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.status === 'down') return;
      void Promise.allSettled(this.drainRetries()).then(() => {
        if (this.retryQueue.size === 0) this.retryDelayMs = 0;
      });
    }, delayMs);
    this.retryTimer.unref();
  }

  private drainRetries(): Array<Promise<void>> {
    const batch = [...this.retryQueue.values()];
    this.retryQueue.clear();
    this.oldestRetry.reset();
    for (const p of batch) this.publish(p.action, p.key, p.version, p.ttlMs, p.value);
    return [...this.inFlightPublishes];
  }

  private heartbeat(): void {
    if (this.stopped) return;
    this.checkHearing();
    // While deaf the heartbeat is the probe that tells when this pod hears the bus again.
    if (this.status === 'down' && this.deafSince < 0) return;
    void this.sendNumbering('heartbeat');
  }

  /**
   * Sends a message that carries only this pod's numbering, its last `seq`: a `heartbeat`, or the
   * `leave` that ends it. A failure is logged in debug mode only (the next one tries again).
   */
  private sendNumbering(action: 'heartbeat' | 'leave'): Promise<boolean> {
    const { podId, epoch, codec, channel, synchronizer } = this.config;
    let message: Uint8Array;
    try {
      message = encodeEvent({ action, key: '', podId, epoch, seq: this.seq, version: 0, ttlMs: 0 }, codec);
    } catch (error) {
      this.reporter.error(error, { operation: action });
      return Promise.resolve(false);
    }
    return this.calls
      .run(() => synchronizer.publish(channel, message), action, undefined, 'sync')
      .then(
        () => true,
        (error: unknown) => {
          if (this.reporter.debug) this.reporter.logger.debug(`${action} failed`, { error: String(error) });
          return false;
        },
      );
  }

  /**
   * The cache is closing: no more heartbeats, retries or status handling. Waits (within one
   * timeout) for publishes in flight and, when the bus is up, for one last try of the queued ones.
   * When everything this pod wrote has been announced (`announced`: no write of unknown outcome
   * is left, and nothing here is unsent), it sends `leave`, which tells peers its numbering ended
   * complete. Otherwise what is unsent is counted as failed.
   * @returns what peers must still learn through the store: `unannounced` when they may have
   *   missed a write of this pod (it numbered events or has writes of unknown outcome, and did not
   *   leave); `left` with the last `seq` when it left after numbering events (a peer may have lost
   *   them all, the `leave` included); undefined when there is nothing to tell.
   */
  async stop(announced: boolean): Promise<'unannounced' | { left: number } | undefined> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.retryTimer);
    const deadline = delay(this.config.timeoutMs);
    await Promise.race([Promise.allSettled([...this.inFlightPublishes]), deadline.promise]);
    if (this.retryQueue.size > 0 && this.status !== 'down') {
      await Promise.race([Promise.allSettled(this.drainRetries()), deadline.promise]);
    }
    let left = false;
    if (
      announced &&
      this.retryQueue.size === 0 &&
      this.inFlightPublishes.size === 0 &&
      this.status !== 'down'
    ) {
      left = await Promise.race([this.sendNumbering('leave'), deadline.promise.then(() => false)]);
    }
    deadline.cancel();
    if (this.retryQueue.size > 0) {
      this.counters.publishFailures += this.retryQueue.size;
      this.reporter.logger.warn(
        'closing with unpublished events; peers resync when they see the store marker this pod replaces',
        { count: this.retryQueue.size },
      );
      this.retryQueue.clear();
      this.oldestRetry.reset();
    }
    if (!left) return this.seq > 0 || !announced ? 'unannounced' : undefined;
    return this.seq > 0 ? { left: this.seq } : undefined;
  }

  /** Ends the subscription (after {@link BusLink.stop}). */
  unsubscribe(): Promise<void> {
    return this.subscription?.unsubscribe() ?? Promise.resolve();
  }
}

/** A publish waiting for retry; per key only the newest is kept. */
interface PendingPublish {
  action: Action;
  key: string;
  version: number;
  ttlMs: number;
  value: Uint8Array | undefined;
}

const CLEAR_SLOT = Symbol('clear');

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
