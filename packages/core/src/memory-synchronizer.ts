import type {
  MessageHandler,
  StatusHandler,
  Subscription,
  Synchronizer,
  SynchronizerCapabilities,
} from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { SynchronizerError } from './errors.js';
import { type OptionNames, rejectUnknownOptions } from './option-names.js';

interface Subscriber {
  readonly owner: MemorySynchronizer;
  readonly channel: string;
  readonly onMessage: MessageHandler;
  readonly onStatus: StatusHandler;
}

/**
 * An in-process message bus. Pods in one process share a bus by giving each
 * {@link MemorySynchronizer} the same instance. Delivery is asynchronous (a macrotask later, like
 * a network), in publish order, and every subscriber gets its own copy of the bytes.
 */
export class MemoryBus {
  private readonly subscribers = new Set<Subscriber>();
  private readonly queue: Array<{ channel: string; message: Uint8Array }> = [];
  private scheduled = false;

  /**
   * Queues a message for every subscriber of `channel`. Bytes are copied; anything else is passed
   * through untouched, so tests can play a hostile network.
   */
  publish(channel: string, message: Uint8Array): void {
    this.queue.push({ channel, message: copy(message) });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** @internal */
  add(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  /** @internal */
  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.queue.length);
    for (const { channel, message } of batch) {
      for (const subscriber of this.subscribers) {
        if (subscriber.channel !== channel || !subscriber.owner.connected) continue;
        try {
          subscriber.onMessage(copy(message));
        } catch {
          // A subscriber's failure must not stop delivery to the others.
        }
      }
    }
  }
}

/** Options of {@link MemorySynchronizer}. */
export interface MemorySynchronizerOptions {
  /** The bus to join; pods that should see each other share one. @default a new private bus */
  bus?: MemoryBus;
}

const MEMORY_SYNCHRONIZER_OPTIONS: OptionNames<MemorySynchronizerOptions> = { bus: true };

/**
 * The embedded synchronizer over a {@link MemoryBus}. It can simulate a connection loss with
 * {@link MemorySynchronizer.disconnect} (status `down`, messages missed) and recovery with
 * {@link MemorySynchronizer.reconnect} (status `resubscribed`), for tests and demos.
 */
export class MemorySynchronizer implements Synchronizer {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: SynchronizerCapabilities = { ordered: true, replay: false };
  /** The bus this synchronizer is on. */
  readonly bus: MemoryBus;
  /** @internal */
  connected = true;
  private closed = false;
  private readonly mine = new Set<Subscriber>();

  constructor(options: MemorySynchronizerOptions = {}) {
    rejectUnknownOptions(options, MEMORY_SYNCHRONIZER_OPTIONS);
    this.bus = options.bus ?? new MemoryBus();
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.closed) throw new SynchronizerError('synchronizer is closed', { action: 'publish' });
    if (!this.connected) throw new SynchronizerError('synchronizer is disconnected', { action: 'publish' });
    this.bus.publish(channel, message);
  }

  async subscribe(
    channel: string,
    onMessage: MessageHandler,
    onStatus: StatusHandler,
  ): Promise<Subscription> {
    if (this.closed) throw new SynchronizerError('synchronizer is closed', { action: 'subscribe' });
    const subscriber: Subscriber = { owner: this, channel, onMessage, onStatus };
    this.mine.add(subscriber);
    this.bus.add(subscriber);
    queueMicrotask(() => onStatus('up'));
    return {
      unsubscribe: async () => {
        this.mine.delete(subscriber);
        this.bus.remove(subscriber);
      },
    };
  }

  /** Simulates a lost connection: reports `down`; messages published meanwhile are missed. */
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const subscriber of this.mine) subscriber.onStatus('down');
  }

  /** Simulates recovery: reports `resubscribed` (messages may have been lost). */
  reconnect(): void {
    if (this.connected || this.closed) return;
    this.connected = true;
    for (const subscriber of this.mine) subscriber.onStatus('resubscribed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscriber of this.mine) this.bus.remove(subscriber);
    this.mine.clear();
  }
}

function copy(message: Uint8Array): Uint8Array {
  return message instanceof Uint8Array ? message.slice() : message;
}
