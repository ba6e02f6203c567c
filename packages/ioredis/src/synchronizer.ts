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
  SynchronizerError,
  TimeoutError,
} from '@synced-cache/core';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  healthCheckInterval,
  keySlot,
  positiveInteger,
  toSynchronizerError,
  watchConnection,
} from '@synced-cache/redis-common';
import {
  asBuffer,
  type ClientLike,
  closeOwned,
  disconnectIfOpen,
  type IoredisConnection,
  isClusterClient,
  openConnection,
  whenReady,
} from './connection.js';

/** Options of {@link createIoredisSynchronizer}. */
export interface IoredisSynchronizerOptions {
  /**
   * Use sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis ≥ 7): a message goes only to the shard that
   * owns the channel's slot instead of being copied to every Cluster node.
   * @default true on Cluster, false otherwise
   */
  sharded?: boolean;
  /**
   * Bound on publish and on (re)subscribing, and the command timeout of connections the
   * synchronizer creates. Match it to the cache's `timeoutMs`.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /** First delay before reconnecting a lost subscriber; doubles per failure up to `maxReconnectDelayMs`. @default 50 */
  reconnectDelayMs?: number;
  /** Upper bound of the reconnect delay. @default 2000 */
  maxReconnectDelayMs?: number;
  /**
   * How often each subscriber connection is checked with a PING (answered within
   * `commandTimeoutMs`), so a silently dead connection (a network partition without a reset) is
   * noticed within this interval plus `commandTimeoutMs`: it is dropped, reported `down`, and
   * reconnected. `0` disables the check.
   * @default 1000
   */
  healthCheckIntervalMs?: number;
}

type Command = (...args: unknown[]) => Promise<unknown>;

/**
 * A `Synchronizer` on Redis pub/sub through ioredis. Publishes on the given client; every
 * subscription gets its own dedicated subscriber connection (a `duplicate()` of the client, or on
 * Cluster of the node that serves the channel), which it reconnects itself, reporting `down` and
 * then `resubscribed` once the server confirmed the subscription again.
 */
export class IoredisSynchronizer implements Synchronizer {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: SynchronizerCapabilities = { ordered: true, replay: false };
  /** The publishing client (yours when you passed one). */
  readonly client: ClientLike;
  /** Whether sharded pub/sub is used. */
  readonly sharded: boolean;
  private readonly owned: boolean;
  private readonly cluster: boolean;
  private readonly commandTimeoutMs: number;
  private readonly reconnectDelayMs: number;
  private readonly maxReconnectDelayMs: number;
  private readonly healthCheckIntervalMs: number;
  private readonly publishCommand: Command;
  private readonly subscriptions = new Set<ChannelSubscription>();
  /** Publishes waiting for a Cluster node connection to be ready, chained in call order. */
  private pendingNode: Promise<void> | undefined;
  private closed = false;

  /** @internal use {@link createIoredisSynchronizer} */
  constructor(client: ClientLike, owned: boolean, options: IoredisSynchronizerOptions) {
    this.client = client;
    this.owned = owned;
    this.cluster = isClusterClient(client);
    if (options.sharded !== undefined && typeof options.sharded !== 'boolean') {
      throw new InvalidConfigError('sharded', options.sharded, 'a boolean');
    }
    this.sharded = options.sharded ?? this.cluster;
    this.commandTimeoutMs = positiveInteger(
      'commandTimeoutMs',
      options.commandTimeoutMs,
      DEFAULT_COMMAND_TIMEOUT_MS,
    );
    this.reconnectDelayMs = positiveInteger('reconnectDelayMs', options.reconnectDelayMs, 50);
    this.maxReconnectDelayMs = positiveInteger('maxReconnectDelayMs', options.maxReconnectDelayMs, 2000);
    this.healthCheckIntervalMs = healthCheckInterval(options.healthCheckIntervalMs);
    const publish = (this.sharded ? client.spublish : client.publish) as Command | undefined;
    if (typeof publish !== 'function') {
      throw new SynchronizerError(
        `this ioredis client has no ${this.sharded ? 'spublish' : 'publish'} command`,
      );
    }
    this.publishCommand = publish.bind(client);
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.closed) throw new CacheClosedError({ action: 'publish' });
    try {
      const wait = whenReady(this.client, this.commandTimeoutMs, 'publish');
      if (wait !== undefined) await wait;
      if (!this.cluster) {
        await this.publishCommand(channel, asBuffer(message));
        return;
      }
      await this.publishOnCluster(channel, asBuffer(message));
    } catch (error) {
      throw toSynchronizerError(error, { action: 'publish', timeoutMs: this.commandTimeoutMs });
    }
  }

  /**
   * On Cluster every message of a channel goes through one connection — the master that owns the
   * channel's slot — so messages keep their order (a Cluster client would pick a random node for
   * PUBLISH, or follow MOVED redirects for SPUBLISH, and reorder them). Subscribers listen on the
   * same node, so plain pub/sub also skips the cluster-bus hop.
   */
  private async publishOnCluster(channel: string, message: Buffer): Promise<void> {
    const node = this.slotOwner(channel);
    if (node === undefined) {
      await this.publishCommand(channel, message);
      return;
    }
    const command = (this.sharded ? node.spublish : node.publish) as Command;
    try {
      if (node.status !== 'ready' || this.pendingNode !== undefined) {
        // Node connections connect lazily. ioredis 5 can let a command issued while the node is
        // still connecting overtake ones queued before it (seen as gaps in a pod's event
        // numbering), so until the node is ready publishes wait for it one after another, in
        // call order, and are issued only then.
        const ready = (this.pendingNode ?? Promise.resolve()).then(() =>
          whenReady(node, this.commandTimeoutMs, 'publish'),
        );
        const settled = ready.then(
          () => undefined,
          () => undefined,
        );
        this.pendingNode = settled;
        void settled.then(() => {
          if (this.pendingNode === settled) this.pendingNode = undefined;
        });
        await ready;
      }
      await command.call(node, channel, message);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('MOVED')) throw error;
      this.refreshTopology();
      await this.publishCommand(channel, message);
    }
  }

  /** @internal The master connection that owns `channel`'s slot, per the Cluster client's slot map. */
  slotOwner(channel: string): ClientLike | undefined {
    const owner = this.client.slots?.[keySlot(channel)]?.[0];
    if (owner === undefined) return undefined;
    return this.client.nodes!('master').find((node) => `${node.options.host}:${node.options.port}` === owner);
  }

  /** Subscribes on a dedicated connection; resolves once the server confirmed the subscription. */
  async subscribe(
    channel: string,
    onMessage: MessageHandler,
    onStatus: StatusHandler,
  ): Promise<Subscription> {
    if (this.closed) throw new CacheClosedError({ action: 'subscribe' });
    const subscription = new ChannelSubscription(this, channel, onMessage, onStatus, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      await subscription.unsubscribe();
      throw toSynchronizerError(error, { action: 'subscribe', timeoutMs: this.commandTimeoutMs });
    }
    return subscription;
  }

  /** Unsubscribes everything, closes subscriber connections and the publisher when owned. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.unsubscribe()));
    if (this.owned) await closeOwned(this.client, this.commandTimeoutMs);
  }

  /** @internal settings the subscriptions read */
  get settings() {
    return {
      sharded: this.sharded,
      commandTimeoutMs: this.commandTimeoutMs,
      reconnectDelayMs: this.reconnectDelayMs,
      maxReconnectDelayMs: this.maxReconnectDelayMs,
      healthCheckIntervalMs: this.healthCheckIntervalMs,
    };
  }

  /**
   * @internal A new subscriber connection: on standalone/Sentinel a duplicate of the client (a
   * Sentinel duplicate resolves the current master), on Cluster a duplicate of the master that
   * serves the channel's slot (sharded) or of any master (plain pub/sub reaches every node).
   */
  async createSubscriberConnection(channel: string, movedTo?: string): Promise<ClientLike> {
    const overrides: Record<string, unknown> = {
      autoResubscribe: false,
      enableOfflineQueue: true,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      connectTimeout: Math.max(this.commandTimeoutMs, 1000),
      commandTimeout: undefined,
    };
    if (!this.cluster) return this.client.duplicate(overrides);
    // The slot map is only known once the Cluster client is ready.
    const wait = whenReady(this.client, this.commandTimeoutMs, 'subscribe');
    if (wait !== undefined) await wait;
    const masters = this.client.nodes!('master');
    if (masters.length === 0)
      throw new SynchronizerError('no Cluster master is known', { action: 'subscribe' });
    const address = (node: ClientLike) => `${node.options.host}:${node.options.port}`;
    if (movedTo !== undefined) {
      const match = masters.find((candidate) => address(candidate) === movedTo);
      if (match !== undefined) return match.duplicate(overrides);
      const separator = movedTo.lastIndexOf(':');
      return masters[0]!.duplicate({
        ...overrides,
        host: movedTo.slice(0, separator),
        port: Number(movedTo.slice(separator + 1)),
      });
    }
    const owner = this.slotOwner(channel);
    if (owner !== undefined) return owner.duplicate(overrides);
    return masters[Math.floor(Math.random() * masters.length)]!.duplicate(overrides);
  }

  /** @internal asks a Cluster client to refresh its slot map (after MOVED or a lost node). */
  refreshTopology(): void {
    if (this.cluster && typeof this.client.refreshSlotsCache === 'function') {
      try {
        this.client.refreshSlotsCache(() => undefined);
      } catch {
        // a refresh already runs
      }
    }
  }
}

type SubscriptionState = 'starting' | 'up' | 'down' | 'closed';

/**
 * One channel on its own subscriber connection, reconnected by itself. It holds at most one
 * connection and runs at most one reconnect chain at any time, whatever order failure signals
 * arrive in: a connection becomes `connection` only once the server confirmed the subscription
 * (the one way to `up`); only that connection can be lost (`up` → `down`), and only that loss
 * starts a chain, which ends when a connection is installed again or the subscription closes. A
 * connection still being opened that drops fails its own attempt, and the attempt's failure is the
 * chain's next step.
 */
class ChannelSubscription implements Subscription {
  /** The subscribed connection; set exactly while `state` is `up`. */
  private connection: ClientLike | undefined;
  /** The connection the attempt in flight is opening. */
  private connecting: ClientLike | undefined;
  /** Settles once the attempt in flight ended and released its connection and timer. */
  private attempt: Promise<void> | undefined;
  private state: SubscriptionState = 'starting';
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopHealthCheck: (() => void) | undefined;
  private readonly channelBytes: Buffer;

  constructor(
    private readonly owner: IoredisSynchronizer,
    private readonly channel: string,
    private readonly onMessage: MessageHandler,
    private readonly onStatus: StatusHandler,
    private readonly onClosed: () => void,
  ) {
    this.channelBytes = Buffer.from(channel);
  }

  /** First subscription: errors propagate to the caller. */
  async start(): Promise<void> {
    await this.connectAndSubscribe();
    this.startHealthCheck();
  }

  /** PINGs the subscriber connection periodically; a missing answer drops it (→ down, reconnect). */
  private startHealthCheck(): void {
    const { healthCheckIntervalMs, commandTimeoutMs } = this.owner.settings;
    // unsubscribe() may have run since the subscription was confirmed
    if (healthCheckIntervalMs === 0 || this.stopHealthCheck !== undefined || this.state === 'closed') return;
    this.stopHealthCheck = watchConnection(
      () => (this.connection?.status === 'ready' ? this.connection : undefined),
      (connection) => connection.ping(),
      healthCheckIntervalMs,
      commandTimeoutMs,
      (connection, error) => this.lost(connection, error),
    );
  }

  async unsubscribe(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopHealthCheck?.();
    this.onClosed();
    // An attempt in flight fails at once; waiting for it to end means its bound's timer is gone too.
    if (this.connecting !== undefined) disconnectIfOpen(this.connecting);
    const connection = this.connection;
    this.connection = undefined;
    await Promise.all([
      connection === undefined ? undefined : closeOwned(connection, this.owner.settings.commandTimeoutMs),
      this.attempt,
    ]);
  }

  private readonly handleMessage = (channel: unknown, message: unknown): void => {
    if (this.state === 'closed') return;
    if (!(channel instanceof Uint8Array) || !this.channelBytes.equals(channel)) return;
    if (!(message instanceof Uint8Array)) return;
    try {
      this.onMessage(message);
    } catch {
      // core's handler never throws; a user handler that does must not kill the connection
    }
  };

  private async connectAndSubscribe(): Promise<void> {
    try {
      await this.connectAndSubscribeTo(undefined);
    } catch (error) {
      // A stale slot map sent us to the wrong node: follow the redirect once.
      const moved = error instanceof Error ? /^MOVED \d+ (\S+)/.exec(error.message) : null;
      if (moved === null || this.state === 'closed') throw error;
      this.owner.refreshTopology();
      await this.connectAndSubscribeTo(moved[1]);
    }
  }

  /**
   * One attempt: a new connection, subscribed within `commandTimeoutMs`, then installed. On any
   * failure (a drop, the bound, unsubscribe()) the connection is disconnected, also one that is
   * only created after the bound passed.
   */
  private async connectAndSubscribeTo(movedTo: string | undefined): Promise<void> {
    const { sharded, commandTimeoutMs } = this.owner.settings;
    let timer: NodeJS.Timeout | undefined;
    let connection: ClientLike | undefined;
    let abandoned = false;
    let dropped: Error | undefined;
    let ended: () => void = () => undefined;
    this.attempt = new Promise<void>((resolve) => {
      ended = resolve;
    });
    try {
      await Promise.race([
        (async () => {
          const created = await this.owner.createSubscriberConnection(this.channel, movedTo);
          if (abandoned || this.state === 'closed') {
            disconnectIfOpen(created);
            return;
          }
          connection = created;
          this.connecting = created;
          created.on(sharded ? 'smessageBuffer' : 'messageBuffer', this.handleMessage);
          // ioredis emits 'error' for socket errors; without a listener they would be thrown.
          created.on('error', () => undefined);
          // Before it is installed, a drop only fails this attempt (connect or subscribe rejects,
          // or the check below sees it): it must not start a reconnect of its own.
          const drop = (error: Error) => {
            if (created === this.connection) {
              this.lost(created, error);
              return;
            }
            dropped ??= error;
            disconnectIfOpen(created);
          };
          created.once('end', () => drop(new Error('subscriber connection closed')));
          // ioredis ≥ 6 emits 'moved' when the server drops a shard channel subscription because
          // its slot moved to another node: resubscribe at the new owner (reported as a loss).
          created.once('moved', () => {
            this.owner.refreshTopology();
            drop(new Error('the channel slot moved to another node'));
          });
          await created.connect();
          await ((sharded ? created.ssubscribe : created.subscribe) as Command).call(created, this.channel);
        })(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new TimeoutError(commandTimeoutMs, { action: 'subscribe' })),
            commandTimeoutMs,
          );
        }),
      ]);
      if (this.state === 'closed') throw new CacheClosedError({ action: 'subscribe' });
      // dropped after the server confirmed the subscription, before it could be installed
      if (dropped !== undefined) throw dropped;
    } catch (error) {
      abandoned = true;
      const failed = connection as ClientLike | undefined;
      if (failed !== undefined) disconnectIfOpen(failed);
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.connecting = undefined;
      this.attempt = undefined;
      ended();
    }
    this.subscribed(connection as unknown as ClientLike);
  }

  /** Installs a connection the server confirmed the subscription on. */
  private subscribed(connection: ClientLike): void {
    const reconnected = this.state === 'down';
    this.connection = connection;
    this.state = 'up';
    this.attempts = 0;
    if (reconnected) this.onStatus('resubscribed');
  }

  /** The installed connection failed ('end', 'moved', the health check): down, and reconnect. */
  private lost(connection: ClientLike, error: unknown): void {
    if (this.state !== 'up' || connection !== this.connection) return;
    this.connection = undefined;
    disconnectIfOpen(connection);
    this.state = 'down';
    this.onStatus('down', error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    // A pending timer or an attempt in flight already is this subscription's one reconnect chain.
    if (this.state !== 'down' || this.timer !== undefined || this.attempt !== undefined) return;
    const { reconnectDelayMs, maxReconnectDelayMs } = this.owner.settings;
    const delay = Math.min(reconnectDelayMs * 2 ** Math.min(this.attempts, 16), maxReconnectDelayMs);
    this.attempts++;
    this.timer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    if (this.state !== 'down') return;
    try {
      await this.connectAndSubscribe();
    } catch {
      if (this.state !== 'down') return;
      this.owner.refreshTopology();
      this.scheduleReconnect();
    }
  }
}

/** @internal Every option of {@link createIoredisSynchronizer}. */
export const SYNCHRONIZER_OPTION_NAMES: OptionNames<IoredisSynchronizerOptions> = {
  sharded: true,
  commandTimeoutMs: true,
  reconnectDelayMs: true,
  maxReconnectDelayMs: true,
  healthCheckIntervalMs: true,
};

/**
 * Creates a Redis pub/sub synchronizer over ioredis.
 *
 * @param connection - a `Redis` / `Cluster` you created (never closed; subscriber connections are
 *   duplicated from it and closed by us), a URL, ioredis `RedisOptions` (standalone or Sentinel),
 *   or `{ cluster: nodes, clusterOptions }`.
 * @throws InvalidConfigError for an invalid option, or when `ioredis` is not installed.
 */
export function createIoredisSynchronizer(
  connection: IoredisConnection,
  options: IoredisSynchronizerOptions = {},
): IoredisSynchronizer {
  rejectUnknownOptions(options, SYNCHRONIZER_OPTION_NAMES);
  const commandTimeoutMs = positiveInteger(
    'commandTimeoutMs',
    options.commandTimeoutMs,
    DEFAULT_COMMAND_TIMEOUT_MS,
  );
  const { client, owned } = openConnection(connection, commandTimeoutMs);
  try {
    return new IoredisSynchronizer(client, owned, options);
  } catch (error) {
    if (owned) client.disconnect();
    throw error;
  }
}
