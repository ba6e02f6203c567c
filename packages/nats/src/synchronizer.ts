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
import { type LinkEvent, type NatsLink, within } from './connection.js';
import { type NatsSettings, subjectToken } from './options.js';

/** @internal Ends one subscription's delivery. */
export type Detach = () => void;

/** @internal One subscription of core's, with its handlers. */
export interface Listener {
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
  /** @internal Every live subscription, with the function that ends it. */
  protected readonly listeners = new Map<Listener, Detach>();
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
    if (event === 'healthy') return;
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
  publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new CacheClosedError({ action: 'publish' }));
    // Connected (every publish but those of a pod's first moments): publish in this call, without
    // an async frame and the two promise hops of awaiting the connection.
    const connection = this.link.connection;
    if (connection !== undefined) return this.#publishOn(connection, channel, message);
    return this.link.ready().then(
      (ready) => this.#publishOn(ready, channel, message),
      (error: unknown) => {
        throw toSynchronizerError(error, 'publish');
      },
    );
  }

  #publishOn(connection: NatsConnection, channel: string, message: Uint8Array): Promise<void> {
    if (this.link.down) {
      return Promise.reject(
        new SynchronizerError('nats publish failed: the connection is down', { action: 'publish' }),
      );
    }
    try {
      connection.publish(this.subject(channel), message);
    } catch (error) {
      return Promise.reject(toSynchronizerError(error, 'publish'));
    }
    return PUBLISHED;
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
    let detach: Detach;
    try {
      detach = await this.attach(connection, channel, listener);
    } catch (error) {
      listener.active = false;
      throw toSynchronizerError(error, 'subscribe');
    }
    if (this.#closed) {
      listener.active = false;
      detach();
      throw new CacheClosedError({ action: 'subscribe' });
    }
    this.listeners.set(listener, detach);
    callStatus(listener, 'up');
    return {
      unsubscribe: async (): Promise<void> => {
        if (!listener.active) return;
        listener.active = false;
        const current = this.listeners.get(listener);
        this.listeners.delete(listener);
        current?.();
      },
    };
  }

  /**
   * @internal Starts delivery of `channel` to `listener` and resolves once the server confirmed it
   * (a PING round trip after the SUB); returns the function that stops it.
   */
  protected async attach(connection: NatsConnection, channel: string, listener: Listener): Promise<Detach> {
    const subscription = connection.subscribe(this.subject(channel), {
      callback: (error, message) => {
        if (!listener.active) return;
        if (error !== null) {
          // The server refused or ended the subscription (permissions): nothing arrives any more.
          callStatus(listener, 'down', toSynchronizerError(error, 'subscribe'));
          return;
        }
        deliver(listener, message.data);
      },
    });
    const detach = () => unsubscribeQuietly(subscription);
    try {
      await within(
        connection.flush(),
        this.settings.healthCheckTimeoutMs,
        'subscription not confirmed',
        'subscribe',
      );
    } catch (error) {
      detach();
      throw error;
    }
    return detach;
  }

  /**
   * Ends every subscription; an owned connection is drained and closed (bounded by
   * `healthCheckTimeoutMs` each), a borrowed one stays open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [listener, detach] of this.listeners) {
      listener.active = false;
      detach();
    }
    this.listeners.clear();
    await this.link.close();
  }
}

/** What a publish that reached the client's outbound buffer returns (one promise for all of them). */
const PUBLISHED: Promise<void> = Promise.resolve();

/** @internal Hands one message to core; a throwing handler must not break the client's dispatch. */
export function deliver(listener: Listener, message: Uint8Array): void {
  try {
    listener.onMessage(message);
  } catch {
    // core's handler never throws
  }
}

function unsubscribeQuietly(subscription: NatsSubscription): void {
  try {
    subscription.unsubscribe();
  } catch {
    // the connection is closing or closed: the subscription is gone with it
  }
}
