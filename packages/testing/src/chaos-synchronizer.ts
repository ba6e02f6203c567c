import type {
  MessageHandler,
  StatusHandler,
  Subscription,
  Synchronizer,
  SynchronizerCapabilities,
} from '@synced-cache/core';
import { SynchronizerError } from '@synced-cache/core';
import { mulberry32 } from './random.js';
import { checkRate, checkSeed } from './validate.js';

const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Fault rates of a {@link chaosSynchronizer}. Every rate is a probability in `[0, 1]`. */
export interface ChaosOptions {
  /** Seed of the fault generator; the same seed and message sequence give the same faults. @default 1 */
  seed?: number;
  /** Probability that a delivery to a subscriber is dropped. @default 0 */
  drop?: number;
  /** Probability that a delivery is made twice. @default 0 */
  duplicate?: number;
  /** Probability that a delivery is held back and released right after a later one. @default 0 */
  reorder?: number;
  /** Each delivery is delayed by a random time in `[0, delayMs)` (which can also reorder). @default 0 */
  delayMs?: number;
}

/** What a {@link ChaosSynchronizer} has done so far. */
export interface ChaosCounts {
  /** Deliveries dropped (by the drop rate, or lost while disconnected). */
  dropped: number;
  /** Deliveries made twice. */
  duplicated: number;
  /** Deliveries held back behind a later one. */
  reordered: number;
  /** Calls of a subscriber's handler (a duplicate counts twice). */
  delivered: number;
  /** Publishes lost because the synchronizer was disconnected. */
  lostPublishes: number;
}

/**
 * A {@link Synchronizer} that injects faults; see {@link chaosSynchronizer}.
 */
export interface ChaosSynchronizer extends Synchronizer {
  /**
   * Changes fault rates at run time; omitted fields keep their value. Passing `seed` restarts the
   * generator.
   * @throws InvalidConfigError when a rate is outside `[0, 1]` or `delayMs` is negative
   */
  configure(options: ChaosOptions): void;
  /**
   * Simulates a lost connection: reports `down` to every subscriber, stops delivering (messages
   * that arrive meanwhile, and held or delayed ones, are lost) and loses publishes. Idempotent.
   */
  disconnect(): void;
  /** Ends a {@link ChaosSynchronizer.disconnect}: resumes delivery and reports `resubscribed`. Idempotent. */
  reconnect(): void;
  /**
   * Sets every rate and the delay to 0, reconnects if disconnected, and delivers every held or
   * delayed message now (in due order). Resolves once they are delivered.
   */
  heal(): Promise<void>;
  /** Whether the synchronizer is connected (not {@link ChaosSynchronizer.disconnect}ed). */
  readonly connected: boolean;
  /** Live counters of the faults injected so far. */
  readonly counts: Readonly<ChaosCounts>;
}

interface ChaosSubscriber {
  readonly channel: string;
  readonly onMessage: MessageHandler;
  readonly onStatus: StatusHandler;
  active: boolean;
  held: Uint8Array[];
}

interface PendingDelivery {
  readonly subscriber: ChaosSubscriber;
  readonly message: Uint8Array;
  readonly dueAt: number;
  readonly order: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

class ChaosSynchronizerImpl implements ChaosSynchronizer {
  readonly contractVersion: number | undefined;
  readonly capabilities: SynchronizerCapabilities;
  readonly counts: ChaosCounts = { dropped: 0, duplicated: 0, reordered: 0, delivered: 0, lostPublishes: 0 };
  private random: () => number;
  private drop = 0;
  private duplicate = 0;
  private reorder = 0;
  private delayMs = 0;
  private isConnected = true;
  private closed = false;
  private readonly subscribers = new Set<ChaosSubscriber>();
  private readonly pending = new Set<PendingDelivery>();
  private pendingOrder = 0;

  constructor(
    private readonly inner: Synchronizer,
    options: ChaosOptions,
  ) {
    this.contractVersion = inner.contractVersion;
    // Faults break ordering and make replay impossible (the inner transport does not know what we dropped).
    this.capabilities = { ...inner.capabilities, ordered: false, replay: false };
    this.random = mulberry32(checkSeed(options.seed));
    this.configure(options);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  configure(options: ChaosOptions): void {
    const drop = checkRate('drop', options.drop, this.drop);
    const duplicate = checkRate('duplicate', options.duplicate, this.duplicate);
    const reorder = checkRate('reorder', options.reorder, this.reorder);
    const delayMs = checkRate('delayMs', options.delayMs, this.delayMs, Number.POSITIVE_INFINITY);
    if (options.seed !== undefined) this.random = mulberry32(checkSeed(options.seed));
    this.drop = drop;
    this.duplicate = duplicate;
    this.reorder = reorder;
    this.delayMs = delayMs;
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.closed) throw new SynchronizerError('synchronizer is closed', { action: 'publish' });
    if (!this.isConnected) {
      this.counts.lostPublishes++;
      return;
    }
    await this.inner.publish(channel, message);
  }

  async subscribe(
    channel: string,
    onMessage: MessageHandler,
    onStatus: StatusHandler,
  ): Promise<Subscription> {
    if (this.closed) throw new SynchronizerError('synchronizer is closed', { action: 'subscribe' });
    const subscriber: ChaosSubscriber = { channel, onMessage, onStatus, active: true, held: [] };
    const inner = await this.inner.subscribe(
      channel,
      (message) => this.receive(subscriber, message),
      (status, error) => {
        if (subscriber.active) onStatus(status, error);
      },
    );
    this.subscribers.add(subscriber);
    return {
      unsubscribe: async () => {
        if (!subscriber.active) return;
        this.forget(subscriber);
        await inner.unsubscribe();
      },
    };
  }

  disconnect(): void {
    if (!this.isConnected || this.closed) return;
    this.isConnected = false;
    for (const delivery of this.pending) {
      if (delivery.timer !== undefined) realClearTimeout(delivery.timer);
      this.counts.dropped++;
    }
    this.pending.clear();
    for (const subscriber of this.subscribers) {
      this.counts.dropped += subscriber.held.length;
      subscriber.held = [];
    }
    for (const subscriber of [...this.subscribers]) if (subscriber.active) subscriber.onStatus('down');
  }

  reconnect(): void {
    if (this.isConnected || this.closed) return;
    this.isConnected = true;
    for (const subscriber of [...this.subscribers])
      if (subscriber.active) subscriber.onStatus('resubscribed');
  }

  async heal(): Promise<void> {
    this.drop = 0;
    this.duplicate = 0;
    this.reorder = 0;
    this.delayMs = 0;
    this.reconnect();
    const due = [...this.pending].sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
    this.pending.clear();
    for (const delivery of due) {
      if (delivery.timer !== undefined) realClearTimeout(delivery.timer);
      this.deliver(delivery.subscriber, delivery.message);
    }
    for (const subscriber of [...this.subscribers]) this.releaseHeld(subscriber);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const delivery of this.pending) if (delivery.timer !== undefined) realClearTimeout(delivery.timer);
    this.pending.clear();
    for (const subscriber of [...this.subscribers]) this.forget(subscriber);
    await this.inner.close();
  }

  private forget(subscriber: ChaosSubscriber): void {
    subscriber.active = false;
    subscriber.held = [];
    this.subscribers.delete(subscriber);
    for (const delivery of this.pending) {
      if (delivery.subscriber !== subscriber) continue;
      if (delivery.timer !== undefined) realClearTimeout(delivery.timer);
      this.pending.delete(delivery);
    }
  }

  private receive(subscriber: ChaosSubscriber, message: Uint8Array): void {
    if (!subscriber.active || this.closed) return;
    // Always draw the same number of values per message so that changing one rate does not shift
    // the faults the seed produces for the others.
    const dropDraw = this.random();
    const duplicateDraw = this.random();
    const reorderDraw = this.random();
    const delayDraw = this.random();
    if (!this.isConnected || dropDraw < this.drop) {
      this.counts.dropped++;
      return;
    }
    if (duplicateDraw < this.duplicate) {
      this.counts.duplicated++;
      this.route(subscriber, message.slice(), false, delayDraw);
    }
    this.route(subscriber, message, reorderDraw < this.reorder, delayDraw);
  }

  private route(
    subscriber: ChaosSubscriber,
    message: Uint8Array,
    holdBack: boolean,
    delayDraw: number,
  ): void {
    if (holdBack) {
      this.counts.reordered++;
      subscriber.held.push(message);
      return;
    }
    const delay = Math.floor(delayDraw * this.delayMs);
    if (delay <= 0) {
      this.deliver(subscriber, message);
      return;
    }
    const delivery: PendingDelivery = {
      subscriber,
      message,
      dueAt: performanceNow() + delay,
      order: this.pendingOrder++,
      timer: undefined,
    };
    delivery.timer = realSetTimeout(() => {
      if (!this.pending.delete(delivery)) return;
      this.deliver(subscriber, message);
    }, delay);
    this.pending.add(delivery);
  }

  private deliver(subscriber: ChaosSubscriber, message: Uint8Array): void {
    if (!subscriber.active || this.closed) return;
    if (!this.isConnected) {
      this.counts.dropped++;
      return;
    }
    this.counts.delivered++;
    subscriber.onMessage(message);
    this.releaseHeld(subscriber);
  }

  private releaseHeld(subscriber: ChaosSubscriber): void {
    while (subscriber.held.length > 0 && subscriber.active && this.isConnected && !this.closed) {
      const message = subscriber.held.shift()!;
      this.counts.delivered++;
      subscriber.onMessage(message);
    }
  }
}

const realPerformance = globalThis.performance;
function performanceNow(): number {
  return realPerformance.now();
}

/**
 * Wraps a synchronizer so that deliveries are dropped, duplicated, reordered and delayed at
 * seeded random rates, and the connection can be cut and restored. Faults act on the receiving
 * side, per subscriber delivery, so pods (each with its own wrapper) see different faults. Give
 * each pod its own seed (e.g. `seed + podIndex`) for independent faults.
 *
 * Use it to prove convergence: run writes under faults, call {@link ChaosSynchronizer.heal}, then
 * `waitForSync` until every pod agrees with the store.
 *
 * @param inner - the real synchronizer; closing the wrapper closes it
 * @param options - initial fault rates (all 0 by default: a transparent wrapper)
 * @throws InvalidConfigError when a rate is outside `[0, 1]` or `delayMs` is negative
 * @example
 * ```ts
 * const bus = new MemoryBus();
 * const synchronizer = chaosSynchronizer(new MemorySynchronizer({ bus }), { seed: 7, drop: 0.2, reorder: 0.1 });
 * // … writes on several pods …
 * await synchronizer.heal();
 * ```
 */
export function chaosSynchronizer(inner: Synchronizer, options: ChaosOptions = {}): ChaosSynchronizer {
  return new ChaosSynchronizerImpl(inner, options);
}
