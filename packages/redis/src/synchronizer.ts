import { randomBytes } from 'node:crypto';
import {
  CacheClosedError,
  CONTRACT_VERSION,
  InvalidConfigError,
  type MessageHandler,
  type OptionNames,
  rejectUnknownOptions,
  type StatusHandler,
  type Subscription,
  type Synchronizer,
  type SynchronizerCapabilities,
  type SynchronizerStatus,
} from '@synced-cache/core';
import { keySlot, positiveInteger, toSynchronizerError } from '@synced-cache/redis-common';
import {
  type ClientInternals,
  Connection,
  connectionSettings,
  destroyClient,
  keepAlive,
  type RedisAdapterOptions,
  type RedisClusterLike,
  type RedisConnectable,
  type RedisConnection,
  type RedisPubSubListener,
} from './connection.js';

/** Options of {@link createRedisSynchronizer}. */
export interface RedisSynchronizerOptions extends RedisAdapterOptions {
  /**
   * On a Cluster, use sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7+): a message goes only to
   * the shard that owns the channel's slot instead of being copied to every node. Set `false` for
   * plain `PUBLISH`/`SUBSCRIBE` (Redis 6 clusters). Ignored outside a Cluster.
   * @default true
   */
  sharded?: boolean;
  /**
   * Sentinel only: how often, in milliseconds, a lost subscriber connection is probed until it is
   * subscribed again (node-redis does not report when its Sentinel pub/sub connection recovers).
   * @default 250
   */
  probeIntervalMs?: number;
}

interface Listener {
  readonly onMessage: MessageHandler;
  readonly onStatus: StatusHandler;
}

/**
 * A dedicated subscriber connection (a duplicate of a standalone client, or of a Cluster node's
 * client) carrying any number of channels. node-redis resubscribes by itself after a reconnect and
 * emits `ready` only once the resubscription is confirmed, so `ready` after an `error` is exactly
 * the `resubscribed` status core needs. A link that goes silent without an error (a frozen
 * server, a half-open connection) is found by the health check ({@link keepAlive}): `down`, the
 * same client destroyed and connected again, `resubscribed` on its `ready`.
 */
class SubscriberConnection {
  readonly #client: ClientInternals;
  readonly #sharded: boolean;
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #connected: Promise<unknown>;
  readonly #stopKeepAlive: (() => void) | undefined;
  readonly #abandonIfDownLong: () => void;
  #down = false;
  #downSince = 0;
  #closed = false;

  /**
   * @param source the client to duplicate (a standalone client, or a Cluster node's client).
   * @param sharded SSUBSCRIBE instead of SUBSCRIBE.
   * @param health `healthCheckIntervalMs` (0: none) and the bound on each PING and handshake.
   * @param shard Cluster sharded subscribers only: `onMoved` receives a channel whose slot moved to
   *   another node (Redis unsubscribed it); `onAbandon` receives every channel once the node has
   *   been unreachable for `abandonAfterMs` (a dead master: the Cluster may have failed over), and
   *   this subscriber closes itself. Either way the listeners are handed over and forgotten.
   */
  constructor(
    source: ClientInternals,
    sharded: boolean,
    health: { intervalMs: number; timeoutMs: number },
    shard?: {
      onMoved(channel: string, listeners: Set<Listener>): void;
      onAbandon(channels: Map<string, Set<Listener>>): void;
      abandonAfterMs: number;
    },
  ) {
    this.#sharded = sharded;
    this.#client = source.duplicate();
    this.#client.on('error', ((error: unknown) => this.#onDown(error)) as (...args: never[]) => void);
    this.#client.on('ready', (() => this.#onReady()) as (...args: never[]) => void);
    if (shard !== undefined) {
      this.#client.on('sharded-channel-moved', ((channel: unknown) => {
        const name = String(channel);
        const listeners = this.#channels.get(name);
        if (this.#closed || listeners === undefined) return;
        this.#channels.delete(name);
        shard.onMoved(name, listeners);
      }) as (...args: never[]) => void);
    }
    this.#abandonIfDownLong = () => {
      if (shard === undefined || this.#closed || !this.#down) return;
      if (Date.now() - this.#downSince < shard.abandonAfterMs) return;
      const channels = new Map(this.#channels);
      this.#channels.clear();
      void this.close();
      shard.onAbandon(channels);
    };
    this.#client.on('reconnecting', this.#abandonIfDownLong as (...args: never[]) => void);
    this.#connected = this.#client.connect();
    this.#connected.catch(() => undefined);
    this.#stopKeepAlive =
      health.intervalMs > 0
        ? keepAlive(this.#client, health.intervalMs, health.timeoutMs, (error) => {
            this.#markDown(error);
            this.#abandonIfDownLong();
          })
        : undefined;
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  #onDown(error: unknown): void {
    // An error on a connection that is still ready (e.g. a reply decoding error) is not a loss.
    if ((this.#client as { isReady?: boolean }).isReady === true) return;
    this.#markDown(error);
  }

  #markDown(error: unknown): void {
    if (this.#closed || this.#down) return;
    this.#down = true;
    this.#downSince = Date.now();
    this.#broadcast('down', error);
  }

  #onReady(): void {
    if (this.#closed || !this.#down) return;
    this.#down = false;
    this.#broadcast('resubscribed');
  }

  #broadcast(status: SynchronizerStatus, error?: unknown): void {
    for (const listeners of this.#channels.values()) {
      for (const listener of listeners) callStatus(listener, status, error);
    }
  }

  async add(channel: string, listener: Listener): Promise<void> {
    await this.#connected;
    let listeners = this.#channels.get(channel);
    if (listeners !== undefined) {
      listeners.add(listener);
      return;
    }
    listeners = new Set([listener]);
    this.#channels.set(channel, listeners);
    const dispatch: RedisPubSubListener = (message) => {
      const current = this.#channels.get(channel);
      if (current === undefined) return;
      for (const each of current) each.onMessage(message);
    };
    const client = this.#client as unknown as PubSubClient;
    try {
      if (this.#sharded) await client.sSubscribe(channel, dispatch, true);
      else await client.subscribe(channel, dispatch, true);
    } catch (error) {
      listeners.delete(listener);
      if (listeners.size === 0) this.#channels.delete(channel);
      throw error;
    }
  }

  async remove(channel: string, listener: Listener): Promise<void> {
    const listeners = this.#channels.get(channel);
    if (listeners === undefined || !listeners.delete(listener)) return;
    if (listeners.size > 0) return;
    this.#channels.delete(channel);
    if (this.#closed) return;
    const client = this.#client as unknown as PubSubClient;
    const unsubscribed = this.#sharded ? client.sUnsubscribe(channel) : client.unsubscribe(channel);
    // While the connection is down node-redis drops the channel from what it resubscribes at
    // once; the reply would only come after a reconnect, which may be never.
    if (this.#down) unsubscribed.catch(() => undefined);
    else await unsubscribed;
  }

  /**
   * Destroys the connection at once, for good ({@link destroyClient}: a reconnection node-redis
   * started by itself is torn down too): a subscriber has nothing to drain, and a graceful close
   * would wait for replies (to a pending UNSUBSCRIBE, or to the connect of a server that refuses)
   * that may never come, keeping the socket and the process alive.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    this.#stopKeepAlive?.();
    destroyClient(this.#client);
  }
}

interface PubSubClient {
  subscribe(channel: string, listener: RedisPubSubListener, bufferMode: true): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  sSubscribe(channel: string, listener: RedisPubSubListener, bufferMode: true): Promise<unknown>;
  sUnsubscribe(channel: string): Promise<unknown>;
}

interface SentinelPubSub {
  subscribe(channel: string, listener: RedisPubSubListener, bufferMode: true): Promise<unknown>;
  unsubscribe(channel: string, listener?: RedisPubSubListener, bufferMode?: true): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Sentinel subscriptions ride the Sentinel client's own pub/sub connection, which follows
 * failovers. node-redis reports its failures (`error`, `topology-change`) but not its recovery, so
 * after a failure a probe message on a private channel proves the subscription is live again.
 */
class SentinelSubscriber {
  readonly #sentinel: SentinelPubSub;
  readonly #connection: Connection;
  readonly #probeIntervalMs: number;
  readonly #probeChannel = `synced-cache:probe:${randomBytes(8).toString('hex')}`;
  readonly #channels = new Map<string, { listeners: Set<Listener>; dispatch: RedisPubSubListener }>();
  readonly #onError = (error: unknown): void => this.#onDown(error);
  readonly #onTopology = (event: { type?: string }): void => {
    if (event?.type === 'MASTER_CHANGE') this.#onDown(new Error('Sentinel master changed'));
  };
  readonly #onProbe: RedisPubSubListener = () => this.#onProbeReceived();
  #probeSubscribed: Promise<unknown> | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #down = false;
  #closed = false;

  constructor(connection: Connection, probeIntervalMs: number) {
    this.#connection = connection;
    this.#sentinel = connection.raw as unknown as SentinelPubSub;
    this.#probeIntervalMs = probeIntervalMs;
    this.#sentinel.on('error', this.#onError as (...args: never[]) => void);
    this.#sentinel.on('topology-change', this.#onTopology as (...args: never[]) => void);
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  #onDown(error: unknown): void {
    if (this.#closed || this.#channels.size === 0) return;
    if (!this.#down) {
      this.#down = true;
      this.#broadcast('down', error);
    }
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    if (this.#probeTimer !== undefined || this.#closed) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      if (!this.#down || this.#closed) return;
      this.#connection
        .send(this.#probeChannel, ['PUBLISH', this.#probeChannel, 'probe'])
        .catch(() => undefined);
      this.#scheduleProbe();
    }, this.#probeIntervalMs);
    this.#probeTimer.unref();
  }

  #onProbeReceived(): void {
    if (this.#closed || !this.#down) return;
    this.#down = false;
    if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#broadcast('resubscribed');
  }

  #broadcast(status: SynchronizerStatus, error?: unknown): void {
    for (const entry of this.#channels.values()) {
      for (const listener of entry.listeners) callStatus(listener, status, error);
    }
  }

  async add(channel: string, listener: Listener): Promise<void> {
    await this.#connection.ready();
    this.#probeSubscribed ??= this.#sentinel.subscribe(this.#probeChannel, this.#onProbe, true);
    await this.#probeSubscribed;
    const existing = this.#channels.get(channel);
    if (existing !== undefined) {
      existing.listeners.add(listener);
      return;
    }
    const listeners = new Set([listener]);
    const dispatch: RedisPubSubListener = (message) => {
      for (const each of listeners) each.onMessage(message);
    };
    this.#channels.set(channel, { listeners, dispatch });
    try {
      await this.#sentinel.subscribe(channel, dispatch, true);
    } catch (error) {
      this.#channels.delete(channel);
      throw error;
    }
  }

  async remove(channel: string, listener: Listener): Promise<void> {
    const entry = this.#channels.get(channel);
    if (entry === undefined || !entry.listeners.delete(listener)) return;
    if (entry.listeners.size > 0) return;
    this.#channels.delete(channel);
    await this.#sentinel.unsubscribe(channel, entry.dispatch, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const entries = [...this.#channels.entries()];
    this.#channels.clear();
    this.#closed = true;
    if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
    const off = (this.#sentinel.off ?? this.#sentinel.removeListener)?.bind(this.#sentinel);
    off?.('error', this.#onError as (...args: never[]) => void);
    off?.('topology-change', this.#onTopology as (...args: never[]) => void);
    if (this.#connection.owned) return;
    // Your Sentinel client stays open: take our listeners off its pub/sub connection.
    for (const [channel, entry] of entries) {
      await this.#sentinel.unsubscribe(channel, entry.dispatch, true).catch(() => undefined);
    }
    if (this.#probeSubscribed !== undefined) {
      await this.#sentinel.unsubscribe(this.#probeChannel, this.#onProbe, true).catch(() => undefined);
    }
  }
}

type Subscriber = SubscriberConnection | SentinelSubscriber;

function callStatus(listener: Listener, status: SynchronizerStatus, error?: unknown): void {
  try {
    listener.onStatus(status, error);
  } catch {
    // A status handler must not throw (core's never does); a faulty one must not stop the others.
  }
}

/**
 * Redis pub/sub {@link Synchronizer} over node-redis: `PUBLISH`/`SUBSCRIBE` on a standalone
 * server or through Sentinel, sharded `SPUBLISH`/`SSUBSCRIBE` on a Cluster. Subscriptions use
 * their own dedicated connection.
 */
export class RedisSynchronizer implements Synchronizer {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: SynchronizerCapabilities = { ordered: true, replay: false };
  readonly #connection: Connection;
  readonly #sharded: boolean;
  readonly #publishCommand: 'PUBLISH' | 'SPUBLISH';
  readonly #probeIntervalMs: number;
  readonly #subscribers = new Map<string, Promise<Subscriber>>();
  readonly #subscriptions = new Set<{ unsubscribe(): Promise<void> }>();
  /** The subscriber each listener currently lives on (it changes when a sharded channel moves). */
  readonly #homes = new Map<Listener, Subscriber>();
  /** The health check of every subscriber connection (the connection's `healthCheckIntervalMs`). */
  readonly #health: { intervalMs: number; timeoutMs: number };
  #closed = false;

  constructor(connection: Connection, sharded: boolean, probeIntervalMs: number) {
    this.#connection = connection;
    this.#health = { intervalMs: connection.healthCheckIntervalMs, timeoutMs: connection.boundMs };
    this.#sharded = sharded && connection.kind === 'cluster';
    this.#publishCommand = this.#sharded ? 'SPUBLISH' : 'PUBLISH';
    this.#probeIntervalMs = probeIntervalMs;
  }

  /**
   * @internal The node-redis client or Sentinel object this synchronizer publishes on with plain
   * `PUBLISH`; `undefined` on a Cluster (sharded or not), where a store's script cannot publish
   * for it in order. The store's `publishesTo` compares it with its own.
   */
  get plainPublisher(): RedisConnectable | undefined {
    return this.#connection.kind === 'cluster' ? undefined : this.#connection.raw;
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.#closed) throw new CacheClosedError({ action: 'publish' });
    const bytes = Buffer.isBuffer(message)
      ? message
      : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    try {
      await this.#connection.send(channel, [this.#publishCommand, channel, bytes]);
    } catch (error) {
      throw toSynchronizerError(error, {
        action: 'publish',
        timeoutMs: this.#connection.commandOptions.timeout || undefined,
      });
    }
  }

  async subscribe(
    channel: string,
    onMessage: MessageHandler,
    onStatus: StatusHandler,
  ): Promise<Subscription> {
    if (this.#closed) throw new CacheClosedError({ action: 'subscribe' });
    const listener: Listener = { onMessage, onStatus };
    let subscriber: Subscriber;
    try {
      subscriber = await this.#subscriberFor(channel);
      await subscriber.add(channel, listener);
    } catch (error) {
      throw toSynchronizerError(error, {
        action: 'subscribe',
        timeoutMs: this.#connection.commandOptions.timeout || undefined,
      });
    }
    if (this.#closed) {
      await subscriber.remove(channel, listener).catch(() => undefined);
      throw new CacheClosedError({ action: 'subscribe' });
    }
    callStatus(listener, 'up');
    this.#homes.set(listener, subscriber);
    let active = true;
    const subscription = {
      unsubscribe: async (): Promise<void> => {
        if (!active) return;
        active = false;
        this.#subscriptions.delete(subscription);
        const home = this.#homes.get(listener);
        this.#homes.delete(listener);
        try {
          await home?.remove(channel, listener);
        } catch (error) {
          throw toSynchronizerError(error, {
            action: 'unsubscribe',
            timeoutMs: this.#connection.commandOptions.timeout || undefined,
          });
        }
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** The subscriber connection for `channel`: one per synchronizer, or one per shard when sharded. */
  #subscriberFor(channel: string): Promise<Subscriber> {
    const connection = this.#connection;
    if (connection.kind === 'sentinel') {
      return this.#memoize('sentinel', async () => new SentinelSubscriber(connection, this.#probeIntervalMs));
    }
    if (connection.kind === 'client') {
      return this.#memoize('client', async () => {
        await connection.ready();
        return new SubscriberConnection(connection.raw as unknown as ClientInternals, false, this.#health);
      });
    }
    const cluster = connection.raw as RedisClusterLike;
    if (!this.#sharded) {
      return this.#memoize('cluster', async () => {
        await connection.ready();
        const [first] = cluster.masters;
        const node = (await cluster.nodeClient(first as never)) as ClientInternals;
        return new SubscriberConnection(node, false, this.#health);
      });
    }
    return (async () => {
      await connection.ready();
      const master = cluster.getSlotMaster(keySlot(channel)) as { host?: string; port?: number };
      return this.#shardSubscriber(String(master.host), Number(master.port));
    })();
  }

  /** The sharded subscriber on the node at `host:port` (created from a duplicate of a node client). */
  #shardSubscriber(host: string, port: number): Promise<Subscriber> {
    const cluster = this.#connection.raw as RedisClusterLike;
    const address = `${host}:${port}`;
    return this.#memoize(address, async () => {
      const known = cluster.masters.find(
        (node) => (node as { host?: string }).host === host && (node as { port?: number }).port === port,
      );
      // A node node-redis does not know yet (a just-promoted replica): duplicate any node's client
      // with that address, keeping its credentials and TLS settings.
      const template = (await cluster.nodeClient(
        (known ?? cluster.masters[0]) as never,
      )) as ClientInternals & {
        options?: { socket?: object };
        duplicate(overrides?: object): ClientInternals;
      };
      const source =
        known !== undefined
          ? template
          : ({
              duplicate: () => template.duplicate({ socket: { ...template.options?.socket, host, port } }),
            } as unknown as ClientInternals);
      const subscriber = new SubscriberConnection(source, true, this.#health, {
        onMoved: (moved, listeners) => void this.#rehome(moved, listeners, false),
        onAbandon: (channels) => {
          void this.#subscribers.get(address)?.then((current) => {
            if (current === subscriber) this.#subscribers.delete(address);
          });
          for (const [moved, listeners] of channels) void this.#rehome(moved, listeners, true);
        },
        abandonAfterMs: Math.max(1000, 2 * this.#connection.boundMs),
      });
      return subscriber;
    });
  }

  /**
   * The current owner of `channel`'s slot, asked from the masters with `CLUSTER SLOTS` (so a
   * failover is seen even before node-redis refreshes its own slot map); node-redis' map otherwise.
   */
  async #ownerOf(channel: string): Promise<{ host: string; port: number }> {
    const cluster = this.#connection.raw as RedisClusterLike;
    const slot = keySlot(channel);
    const nodes = await this.#connection.masters().catch(() => []);
    for (const node of nodes) {
      try {
        const ranges = (await node.send(['CLUSTER', 'SLOTS'])) as unknown[][];
        for (const range of ranges) {
          if (Number(range[0]) <= slot && slot <= Number(range[1])) {
            const owner = range[2] as unknown[];
            return { host: String(owner[0]), port: Number(owner[1]) };
          }
        }
      } catch {
        // An unreachable master (maybe the one that failed): ask the next.
      }
    }
    const master = cluster.getSlotMaster(slot) as { host?: string; port?: number };
    return { host: String(master.host), port: Number(master.port) };
  }

  /**
   * A sharded channel's slot moved to another node, or its node died: report `down` (unless the
   * subscriber already did), find the slot's current owner, subscribe there and report
   * `resubscribed`. Each attempt is bounded; retries with backoff until it succeeds or we close.
   */
  async #rehome(channel: string, listeners: Set<Listener>, alreadyDown: boolean): Promise<void> {
    if (!alreadyDown) {
      const error = new Error(`sharded channel ${channel} moved to another node`);
      for (const listener of listeners) callStatus(listener, 'down', error);
    }
    const boundMs = Math.max(1000, 2 * this.#connection.boundMs);
    for (let attempt = 0; !this.#closed; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
      if (this.#closed) return;
      // A keyed read on the slot lets node-redis follow MOVED and refresh its own slot map.
      await this.#connection.send(channel, ['EXISTS', channel]).catch(() => undefined);
      const owner = await this.#ownerOf(channel).catch(() => undefined);
      if (owner === undefined) continue;
      const address = `${owner.host}:${owner.port}`;
      const pending = this.#shardSubscriber(owner.host, owner.port);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          (async () => {
            const subscriber = await pending;
            for (const listener of listeners) {
              if (!this.#homes.has(listener)) continue; // unsubscribed meanwhile
              await subscriber.add(channel, listener);
              this.#homes.set(listener, subscriber);
            }
          })(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${address} unreachable`)), boundMs);
          }),
        ]);
      } catch {
        // The owner is not reachable (yet): drop an unused subscriber for it and ask again.
        void pending
          .then(async (subscriber) => {
            if (subscriber.channelCount > 0) return;
            if (this.#subscribers.get(address) === pending) this.#subscribers.delete(address);
            await subscriber.close();
          })
          .catch(() => undefined);
        continue;
      } finally {
        clearTimeout(timer);
      }
      for (const listener of listeners) {
        if (this.#homes.has(listener)) callStatus(listener, 'resubscribed');
      }
      return;
    }
  }

  #memoize(key: string, create: () => Promise<Subscriber>): Promise<Subscriber> {
    let subscriber = this.#subscribers.get(key);
    if (subscriber === undefined) {
      subscriber = create();
      this.#subscribers.set(key, subscriber);
      subscriber.catch(() => this.#subscribers.delete(key));
    }
    return subscriber;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscribers = [...this.#subscribers.values()];
    this.#subscribers.clear();
    this.#subscriptions.clear();
    this.#homes.clear();
    for (const pending of subscribers) {
      const subscriber = await pending.catch(() => undefined);
      await subscriber?.close();
    }
    await this.#connection.close();
  }
}

/** @internal Every option of {@link createRedisSynchronizer}. */
export const SYNCHRONIZER_OPTION_NAMES: OptionNames<RedisSynchronizerOptions> = {
  commandTimeoutMs: true,
  maxQueuedCommands: true,
  healthCheckIntervalMs: true,
  sharded: true,
  probeIntervalMs: true,
};

/**
 * Creates a Redis pub/sub {@link Synchronizer} over node-redis (v5 or v6).
 *
 * Pass your own client / Cluster / Sentinel (never closed by us; the subscriber connection is a
 * duplicate we own), a URL, or {@link RedisSynchronizerOptions}.
 *
 * @example
 * ```ts
 * const synchronizer = createRedisSynchronizer('redis://localhost:6379');
 * ```
 * @throws InvalidConfigError when the options are invalid.
 */
export function createRedisSynchronizer(
  connection: RedisConnection,
  options: RedisSynchronizerOptions = {},
): Synchronizer {
  rejectUnknownOptions(options, SYNCHRONIZER_OPTION_NAMES);
  return synchronizerOn(connection, options);
}

/**
 * @internal Validates `options`, then builds a synchronizer on `connection` (a new one, or a
 * shared {@link Connection}).
 */
export function synchronizerOn(
  connection: RedisConnection | Connection,
  options: RedisSynchronizerOptions,
): Synchronizer {
  const sharded = options.sharded ?? true;
  if (typeof sharded !== 'boolean') {
    throw new InvalidConfigError('sharded', sharded, 'a boolean');
  }
  const probeIntervalMs = positiveInteger('probeIntervalMs', options.probeIntervalMs, 250);
  const shared =
    connection instanceof Connection ? connection : new Connection(connection, connectionSettings(options));
  return new RedisSynchronizer(shared, sharded, probeIntervalMs);
}
