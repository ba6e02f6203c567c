import type { NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  CacheClosedError,
  CONTRACT_VERSION,
  type MessageHandler,
  type StatusHandler,
  type Subscription,
  SyncedCacheError,
  type Synchronizer,
  type SynchronizerCapabilities,
  SynchronizerError,
  type SynchronizerStatus,
} from '@synced-cache/core';
import { type LinkEvent, NatsLink, within } from './connection.js';
import { type NatsSettings, type NatsSynchronizerOptions, resolveSettings, subjectToken } from './options.js';

/** One subscription of core's, with its handlers. */
interface Listener {
  readonly onMessage: MessageHandler;
  readonly onStatus: StatusHandler;
  active: boolean;
}

/** @internal Calls a status handler; a faulty one must not stop the others. */
export function callStatus(listener: Listener, status: SynchronizerStatus, error?: unknown): void {
  try {
    listener.onStatus(status, error);
  } catch {
    // core's handler never throws
  }
}

/** @internal Wraps a client error as `SynchronizerError`; errors of the family pass through. */
export function toSynchronizerError(error: unknown, action: string): SyncedCacheError {
  if (SyncedCacheError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SynchronizerError(`nats ${action} failed: ${message}`, { action, cause: error });
}

/**
 * NATS core {@link Synchronizer}: each core channel is one subject, `<subjectPrefix>.<channel>`;
 * messages are core's event bytes, unchanged. Delivery is at most once, in order per publisher
 * (one connection, one server route); core's sequence numbers detect what is lost.
 *
 * Status: a `disconnect` or `staleConnection` notice, or an unanswered health-check PING, reports
 * `down` (publishes then fail fast, and core queues them); the reconnect, once a PING round trip
 * confirms the resent subscriptions, reports `resubscribed`.
 */
export class NatsSynchronizer implements Synchronizer {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: SynchronizerCapabilities = { ordered: true, replay: false };
  /** @internal */
  protected readonly link: NatsLink;
  /** @internal */
  protected readonly settings: NatsSettings;
  readonly #subjects = new Map<string, string>();
  /** @internal Every live subscription (with its NATS subscription). */
  protected readonly listeners = new Map<Listener, NatsSubscription | undefined>();
  #closed = false;

  /** @internal Use {@link createNatsSynchronizer}. */
  constructor(link: NatsLink, settings: NatsSettings) {
    this.link = link;
    this.settings = settings;
    link.listen((event, error) => this.onLinkEvent(event, error));
  }

  /** @internal True once {@link close} started. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** @internal The connection's loss or recovery, as core's status. */
  protected onLinkEvent(event: LinkEvent, error?: unknown): void {
    const status: SynchronizerStatus = event === 'down' ? 'down' : 'resubscribed';
    for (const listener of this.listeners.keys()) callStatus(listener, status, error);
  }

  /** @internal The subject of a core channel (memoized: core uses one channel per cache). */
  subject(channel: string): string {
    let subject = this.#subjects.get(channel);
    if (subject === undefined) {
      subject = `${this.settings.subjectPrefix}.${subjectToken(channel)}`;
      if (this.#subjects.size < 1024) this.#subjects.set(channel, subject);
    }
    return subject;
  }

  /**
   * Publishes `message` on the channel's subject. Never waits for the server: the bytes go to the
   * client's outbound buffer. While the connection is known to be down it throws at once (core
   * queues the event and retries) instead of letting the client buffer it for a later reconnect.
   *
   * @throws CacheClosedError after close; SynchronizerError when down or not connected.
   */
  async publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.#closed) throw new CacheClosedError({ action: 'publish' });
    let connection: NatsConnection;
    try {
      connection = await this.link.ready();
    } catch (error) {
      throw toSynchronizerError(error, 'publish');
    }
    if (this.link.down) {
      throw new SynchronizerError('nats publish failed: the connection is down', { action: 'publish' });
    }
    try {
      connection.publish(this.subject(channel), message);
    } catch (error) {
      throw toSynchronizerError(error, 'publish');
    }
  }

  /**
   * Subscribes to the channel's subject; resolves once a PING round trip confirms the server has
   * the subscription (bounded by `healthCheckTimeoutMs`).
   *
   * @throws CacheClosedError after close; SynchronizerError when not confirmed in time.
   */
  async subscribe(
    channel: string,
    onMessage: MessageHandler,
    onStatus: StatusHandler,
  ): Promise<Subscription> {
    if (this.#closed) throw new CacheClosedError({ action: 'subscribe' });
    const listener: Listener = { onMessage, onStatus, active: true };
    let connection: NatsConnection;
    try {
      connection = await this.link.ready();
    } catch (error) {
      throw toSynchronizerError(error, 'subscribe');
    }
    if (this.#closed) throw new CacheClosedError({ action: 'subscribe' });
    let subscription: NatsSubscription | undefined;
    try {
      subscription = this.open(connection, channel, listener);
      await within(
        connection.flush(),
        this.settings.healthCheckTimeoutMs,
        'subscription not confirmed',
        'subscribe',
      );
    } catch (error) {
      listener.active = false;
      if (subscription !== undefined) unsubscribeQuietly(subscription);
      throw toSynchronizerError(error, 'subscribe');
    }
    if (this.#closed) {
      listener.active = false;
      unsubscribeQuietly(subscription);
      throw new CacheClosedError({ action: 'subscribe' });
    }
    this.listeners.set(listener, subscription);
    callStatus(listener, 'up');
    return {
      unsubscribe: async (): Promise<void> => {
        if (!listener.active) return;
        listener.active = false;
        const current = this.listeners.get(listener);
        this.listeners.delete(listener);
        if (current !== undefined) unsubscribeQuietly(current);
      },
    };
  }

  /** @internal Opens the NATS subscription that feeds `listener`. */
  protected open(connection: NatsConnection, channel: string, listener: Listener): NatsSubscription {
    return connection.subscribe(this.subject(channel), {
      callback: (error, message) => {
        if (!listener.active) return;
        if (error !== null) {
          // The server refused or ended the subscription (permissions): nothing arrives any more.
          callStatus(listener, 'down', toSynchronizerError(error, 'subscribe'));
          return;
        }
        try {
          listener.onMessage(message.data);
        } catch {
          // core's handler never throws; a foreign one must not break the connection's dispatch
        }
      },
    });
  }

  /**
   * Ends every subscription; an owned connection is drained and closed (bounded by
   * `healthCheckTimeoutMs` each), a borrowed one stays open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [listener, subscription] of this.listeners) {
      listener.active = false;
      if (subscription !== undefined) unsubscribeQuietly(subscription);
    }
    this.listeners.clear();
    await this.link.close();
  }
}

function unsubscribeQuietly(subscription: NatsSubscription): void {
  try {
    subscription.unsubscribe();
  } catch {
    // the connection is closing or closed: the subscription is gone with it
  }
}

/**
 * Creates a NATS {@link Synchronizer}.
 *
 * Pass `connection` (a connected nats.js 3 `NatsConnection` you made: never closed by us) or
 * `servers` plus authentication and TLS options (a connection we make, reconnect forever and drain
 * on close).
 *
 * @example
 * ```ts
 * import { createCache, MemoryStore } from '@synced-cache/core';
 * import { createNatsSynchronizer } from '@synced-cache/nats';
 *
 * const cache = await createCache({
 *   store: new MemoryStore(),
 *   synchronizer: createNatsSynchronizer({ servers: 'nats://127.0.0.1:4222' }),
 * });
 * ```
 * @throws InvalidConfigError when an option is unknown or invalid (nothing is connected then).
 */
export function createNatsSynchronizer(options: NatsSynchronizerOptions): Synchronizer {
  const settings = resolveSettings(options);
  if (settings.replay !== undefined) {
    throw new SynchronizerError('replay mode is not available in this build', { action: 'create' });
  }
  return new NatsSynchronizer(new NatsLink(options, settings), settings);
}
