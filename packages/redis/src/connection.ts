import { InvalidConfigError, type OptionNames, rejectUnknownOptions } from '@synced-cache/core';
import { DEFAULT_COMMAND_TIMEOUT_MS, healthCheckInterval, watchConnection } from '@synced-cache/redis-common';
import {
  createClient,
  createCluster,
  createSentinel,
  RESP_TYPES,
  type RedisClientOptions,
  type RedisClusterOptions,
  type RedisSentinelOptions,
} from 'redis';

/** A command argument as node-redis takes it. */
export type RedisArgument = string | Buffer;

/** The per-command options this package passes to node-redis (`timeout`, `typeMapping`). */
export interface RedisCommandOptions {
  timeout?: number;
  typeMapping?: object;
}

/** A pub/sub listener as node-redis calls it in buffer mode. */
export type RedisPubSubListener = (message: Buffer, channel: Buffer) => void;

/**
 * The parts of a node-redis standalone client (`createClient()`, redis v5 or v6) this package
 * uses. Any real client satisfies it; detection is by duck typing, never `instanceof`.
 */
export interface RedisClientLike {
  sendCommand(args: ReadonlyArray<RedisArgument>, options?: RedisCommandOptions): Promise<unknown>;
  duplicate(): unknown;
  /** A view of the client whose default command options include `options` (node-redis 5 and 6). */
  withCommandOptions?(options: RedisCommandOptions): unknown;
  readonly isOpen: boolean;
  readonly isReady?: boolean;
}

/** The parts of a node-redis Cluster (`createCluster()`, redis v5 or v6) this package uses. */
export interface RedisClusterLike {
  sendCommand(
    firstKey: RedisArgument | undefined,
    isReadonly: boolean | undefined,
    args: ReadonlyArray<RedisArgument>,
    options?: RedisCommandOptions,
  ): Promise<unknown>;
  readonly masters: ReadonlyArray<unknown>;
  getSlotMaster(slot: number): unknown;
  nodeClient(node: never): Promise<unknown>;
  readonly isOpen: boolean;
}

/** The parts of a node-redis Sentinel client (`createSentinel()`, redis v5 or v6) this package uses. */
export interface RedisSentinelLike {
  sendCommand(
    isReadonly: boolean | undefined,
    args: ReadonlyArray<RedisArgument>,
    options?: RedisCommandOptions,
  ): Promise<unknown>;
  getMasterNode(): unknown;
  getSentinelNode(): unknown;
  readonly isOpen: boolean;
}

/** Any node-redis connection object this package accepts. */
export type RedisConnectable = RedisClientLike | RedisClusterLike | RedisSentinelLike;

/**
 * How to reach Redis. Give exactly one of `client` (yours: never closed by us), `url`,
 * `clientOptions`, `clusterOptions` or `sentinelOptions` (ours: created, connected and closed by us).
 */
export interface RedisConnectionOptions {
  /** A node-redis client, Cluster or Sentinel you created and connected. We never close it. */
  client?: RedisConnectable;
  /** A `redis://` or `rediss://` URL for a standalone server (we create and close the client). */
  url?: string;
  /** Options for node-redis `createClient` (we create and close the client). */
  clientOptions?: RedisClientOptions;
  /** Options for node-redis `createCluster` (we create and close the Cluster). */
  clusterOptions?: RedisClusterOptions;
  /** Options for node-redis `createSentinel` (we create and close the Sentinel client). */
  sentinelOptions?: RedisSentinelOptions;
}

/**
 * Where the adapters connect: your node-redis client / Cluster / Sentinel (never closed by us), a
 * `redis://` URL, or {@link RedisConnectionOptions} (created, connected and closed by us).
 */
export type RedisConnection = RedisConnectable | string | RedisConnectionOptions;

/** Options every adapter of this package takes (store and synchronizer). */
export interface RedisAdapterOptions {
  /**
   * Bound on every command in milliseconds, passed to node-redis as the per-command `timeout`, so
   * nothing waits forever in a client's queue while Redis is down (core also races every call
   * against its own `timeoutMs`). `0` disables it.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * Maximum number of commands queued in a client we create (node-redis
   * `commandsQueueMaxLength`); beyond it commands fail at once instead of queueing while Redis is
   * unreachable. Ignored for a client you pass in.
   * @default 10000
   */
  maxQueuedCommands?: number;
  /**
   * How often, in milliseconds, each connection the adapter created is checked with a `PING`: the
   * synchronizer's subscriber connections (Sentinel excepted: they ride node-redis' own Sentinel
   * pub/sub connection), and a standalone client made from a URL or options (never one you pass
   * in). A `PING` not answered within `commandTimeoutMs` (1000 when that is 0) means the link died
   * without a TCP reset — a frozen or vanished server, a half-open connection — which node-redis
   * would otherwise take for alive for many minutes: the synchronizer reports `down`, the
   * connection is destroyed and connected again (a handshake unanswered within the same bound is
   * retried after 50 ms, doubling to 2 s), and `resubscribed` follows once the server confirmed
   * the subscriptions. An event-loop stall is not taken for a dead link. `0` disables the check.
   * @default 1000
   */
  healthCheckIntervalMs?: number;
}

/** Default of {@link RedisAdapterOptions.maxQueuedCommands}. */
export const DEFAULT_MAX_QUEUED_COMMANDS = 10_000;

/** What kind of node-redis object a connection wraps. */
export type ConnectionKind = 'client' | 'cluster' | 'sentinel';

/** Sends commands to one node (used to SCAN every master). */
export interface NodeSender {
  send(args: ReadonlyArray<RedisArgument>): Promise<unknown>;
}

/** What this package calls on a node-redis client internally (every major has these). */
export interface ClientInternals {
  sendCommand(args: ReadonlyArray<RedisArgument>, options?: RedisCommandOptions): Promise<unknown>;
  duplicate(): ClientInternals;
  connect(): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

type ClientImplementation = ClientInternals & {
  readonly isReady?: boolean;
  close?: () => Promise<unknown>;
  quit?: () => Promise<unknown>;
  destroy?: () => unknown;
  disconnect?: () => Promise<unknown>;
  unref?: () => unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Duck-types a node-redis object; `undefined` when `value` is not one. */
export function detectKind(value: unknown): ConnectionKind | undefined {
  if (!isObject(value) && typeof value !== 'function') return undefined;
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.sendCommand !== 'function') return undefined;
  if (typeof candidate.nodeClient === 'function' && typeof candidate.getSlotMaster === 'function')
    return 'cluster';
  if (typeof candidate.getMasterNode === 'function' && typeof candidate.getSentinelNode === 'function') {
    return 'sentinel';
  }
  if (typeof candidate.duplicate === 'function') return 'client';
  return undefined;
}

/**
 * One logical connection to Redis (standalone client, Cluster or Sentinel) with the uniform
 * operations the store and the synchronizer need. Owns and closes the node-redis object only when
 * it created it.
 */
export class Connection {
  readonly kind: ConnectionKind;
  readonly owned: boolean;
  /** The wrapped node-redis object. */
  readonly raw: RedisConnectable;
  /** Options sent with every command: the per-command `timeout` (0 = none) and Buffer replies. */
  readonly commandOptions: RedisCommandOptions;
  /**
   * The adapters' bound for their own waits (health probes, clock samples); `commandTimeoutMs`,
   * or the default when that is 0.
   */
  readonly boundMs: number;
  /** Validated `healthCheckIntervalMs` (0: no check); subscribers made from this connection use it too. */
  readonly healthCheckIntervalMs: number;
  /**
   * Options for commands sent while a plain client is ready, when the per-command timer is off
   * (`perCommandTimer: false`). A command sent while the client is not ready waits in its offline
   * queue: it keeps the timer, which takes it out of the queue when it expires, so a write whose
   * caller already gave up is never sent after the reconnect.
   */
  readonly #readyOptions: RedisCommandOptions | undefined;
  /**
   * What a plain client's commands are sent on: `withCommandOptions` views of it whose defaults
   * already hold every option this connection passes ({@link commandOptions}, and
   * {@link #readyOptions} for `#readyClient`), or the client itself when it has no such method.
   * node-redis merges a command's options into the client's defaults with an object spread
   * (`{ ...defaults, ...options }`), and in V8 a spread that adds a key the defaults lack costs
   * about 1 µs per command, 60 % of a pipelined GET: node-redis 6's defaults hold only `timeout`,
   * so `typeMapping` was such a key on every command. On the view every key is already there (the
   * options are still passed with each command, so what is sent does not depend on how a node-redis
   * version builds the view).
   */
  readonly #client: RedisClientLike | undefined;
  readonly #readyClient: RedisClientLike | undefined;
  #ready: Promise<void> | undefined;
  #connectError: unknown;
  #closed = false;
  #users = 1;
  #lastRediscoverAt = 0;
  #stopKeepAlive: (() => void) | undefined;
  /** The last error a client we own reported through its `error` event. */
  lastError: unknown;

  constructor(connection: RedisConnection, settings: ConnectionSettings) {
    const normalized = normalize(connection);
    const timeout = settings.commandTimeoutMs;
    const maxQueued = settings.maxQueuedCommands;
    const typeMapping = { [RESP_TYPES.BLOB_STRING]: Buffer };
    // Always explicit, 0 included: node-redis 6 gives commands sent without a `timeout` its own
    // default (5 s), an AbortSignal timer per command.
    this.commandOptions = { timeout, typeMapping };
    this.boundMs = timeout > 0 ? timeout : DEFAULT_COMMAND_TIMEOUT_MS;
    this.healthCheckIntervalMs = settings.healthCheckIntervalMs ?? 0;
    if (settings.perCommandTimer === false) this.#readyOptions = { timeout: 0, typeMapping };

    if (normalized.client !== undefined) {
      const kind = detectKind(normalized.client);
      if (kind === undefined) {
        throw new InvalidConfigError(
          'client',
          normalized.client,
          'a node-redis client, Cluster or Sentinel (from createClient/createCluster/createSentinel)',
        );
      }
      this.kind = kind;
      this.owned = false;
      this.raw = normalized.client;
      if (kind === 'client') {
        this.#client = viewWith(normalized.client as RedisClientLike, this.commandOptions);
        this.#readyClient = viewWith(normalized.client as RedisClientLike, this.#readyOptions);
      }
      return;
    }
    this.owned = true;
    const onError = (error: unknown): void => {
      this.lastError = error;
    };
    if (normalized.clusterOptions !== undefined) {
      const cluster = createCluster({
        ...normalized.clusterOptions,
        defaults: { commandsQueueMaxLength: maxQueued, ...normalized.clusterOptions.defaults },
      });
      cluster.on('error', onError);
      this.kind = 'cluster';
      this.raw = cluster as unknown as RedisConnectable;
    } else if (normalized.sentinelOptions !== undefined) {
      const sentinel = createSentinel({
        ...normalized.sentinelOptions,
        nodeClientOptions: {
          commandsQueueMaxLength: maxQueued,
          ...normalized.sentinelOptions.nodeClientOptions,
        },
      });
      sentinel.on('error', onError);
      this.kind = 'sentinel';
      this.raw = sentinel as unknown as RedisConnectable;
    } else {
      const clientOptions: RedisClientOptions = {
        commandsQueueMaxLength: maxQueued,
        ...normalized.clientOptions,
      };
      if (normalized.url !== undefined) clientOptions.url = normalized.url;
      const client = createClient(clientOptions);
      client.on('error', onError);
      this.kind = 'client';
      this.raw = client as unknown as RedisConnectable;
      this.#client = viewWith(this.raw as RedisClientLike, this.commandOptions);
      this.#readyClient = viewWith(this.raw as RedisClientLike, this.#readyOptions);
      if (this.healthCheckIntervalMs > 0) {
        this.#stopKeepAlive = keepAlive(
          client as unknown as ClientImplementation,
          this.healthCheckIntervalMs,
          this.boundMs,
        );
      }
    }
    this.#connect();
  }

  /**
   * Connects a node-redis object we created. When the first connection fails (a Cluster or
   * Sentinel whose nodes are all down gives up), the next call tries again instead of failing
   * forever.
   */
  #connect(): void {
    const connecting = (this.raw as unknown as { connect(): Promise<unknown> }).connect();
    const ready = connecting.then(
      () => {
        if (this.#ready === ready) this.#ready = undefined;
      },
      (error: unknown) => {
        this.#connectError = error;
        throw error;
      },
    );
    this.#ready = ready;
    this.#connectError = undefined;
    // The rejection is observed by callers of `ready()`; this keeps it from being unhandled.
    ready.catch(() => undefined);
  }

  /** Resolves once a connection we created is connected (at once for yours). */
  ready(): Promise<void> | undefined {
    if (this.#connectError !== undefined && !this.#closed) {
      if ((this.raw as unknown as { isOpen?: boolean }).isOpen !== true) this.#connect();
      else this.#connectError = undefined;
    }
    return this.#ready;
  }

  /** Sends one command, routed by `firstKey` on a Cluster. */
  send(firstKey: RedisArgument | undefined, args: ReadonlyArray<RedisArgument>): Promise<unknown> {
    const pending = this.#connectError === undefined ? this.#ready : this.ready();
    if (pending !== undefined && this.kind !== 'client') {
      return pending.then(() => this.#sendNow(firstKey, args));
    }
    return this.#sendNow(firstKey, args);
  }

  #sendNow(firstKey: RedisArgument | undefined, args: ReadonlyArray<RedisArgument>): Promise<unknown> {
    switch (this.kind) {
      case 'client': {
        const client = this.raw as RedisClientLike;
        if (this.#readyClient !== undefined && client.isReady === true) {
          return this.#readyClient.sendCommand(args, this.#readyOptions);
        }
        return (this.#client as RedisClientLike).sendCommand(args, this.commandOptions);
      }
      case 'cluster':
        return (this.raw as RedisClusterLike)
          .sendCommand(firstKey, false, args, this.commandOptions)
          .catch((error: unknown) => this.#onClusterError(error));
      default:
        return (this.raw as RedisSentinelLike).sendCommand(false, args, this.commandOptions);
    }
  }

  /**
   * A Cluster command failed without a Redis reply (its node is unreachable): the slot map may be
   * stale after a failover. node-redis 6 refreshes it after a while, node-redis 5 only on MOVED, so
   * ask the Cluster client to rediscover now (at most once a second), then rethrow.
   */
  #onClusterError(error: unknown): never {
    const isReply = error instanceof Error && /Reply|SimpleError|BlobError/.test(error.name);
    const now = Date.now();
    if (!isReply && !this.#closed && now - this.#lastRediscoverAt >= 1000) {
      this.#lastRediscoverAt = now;
      const cluster = this.raw as RedisClusterLike & {
        _slots?: { rediscover?: (startWith: unknown) => Promise<unknown> };
      };
      const [first] = cluster.masters;
      if (first !== undefined && typeof cluster._slots?.rediscover === 'function') {
        cluster
          .nodeClient(first as never)
          .then((client) => cluster._slots?.rediscover?.(client))
          .catch(() => undefined);
      }
    }
    throw error;
  }

  /** One sender per master: the Cluster's masters, or the single server otherwise. */
  async masters(): Promise<NodeSender[]> {
    await this.ready();
    if (this.kind !== 'cluster') {
      return [{ send: (args) => this.#sendNow(undefined, args) }];
    }
    const cluster = this.raw as RedisClusterLike;
    const senders: NodeSender[] = [];
    for (const master of cluster.masters) {
      const client = (await cluster.nodeClient(master as never)) as ClientInternals;
      senders.push({ send: (args) => client.sendCommand(args, this.commandOptions) });
    }
    return senders;
  }

  /** Registers one more user (a store and a synchronizer sharing one connection); see {@link close}. */
  share(): this {
    this.#users++;
    return this;
  }

  /**
   * Releases one user; the last one closes what we created (never your client), within
   * `boundMs`: a server that does not answer never keeps a socket of ours open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#users--;
    if (this.#users > 0) return;
    this.#closed = true;
    if (!this.owned) return;
    this.#stopKeepAlive?.();
    if (this.kind === 'client') {
      await closeClient(this.raw as unknown as ClientImplementation, this.boundMs);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const closed = (async () => {
      await this.#ready?.catch(() => undefined);
      await closeQuietly(this.raw);
      return true;
    })();
    const done = await Promise.race([
      closed,
      new Promise<false>((resolve) => (timer = setTimeout(resolve, this.boundMs, false))),
    ]);
    clearTimeout(timer);
    if (!done) destroyQuietly(this.raw);
  }
}

/**
 * `client.withCommandOptions(options)` (see `Connection.#client`); `client` itself when it has no
 * such method, `undefined` when `options` is.
 */
function viewWith(
  client: RedisClientLike,
  options: RedisCommandOptions | undefined,
): RedisClientLike | undefined {
  if (options === undefined) return undefined;
  if (typeof client.withCommandOptions !== 'function') return client;
  const view = client.withCommandOptions(options) as RedisClientLike | undefined;
  return view !== undefined && typeof view.sendCommand === 'function' ? view : client;
}

/** Destroys a node-redis object: its sockets close now, whatever waits on them fails at once. */
export function destroyQuietly(target: unknown): void {
  try {
    (target as ClientImplementation).destroy?.();
  } catch {
    // Already closed (node-redis 5 throws then): nothing left to release.
  }
}

/**
 * Destroys a standalone client we own, for good (never to be connected again). After a socket
 * error node-redis (5 and 6) reconnects at once, and holds the new socket only once it connected: a
 * `destroy()` that lands while that socket is still connecting cannot reach it. The socket then
 * connects, the client completes its handshake and stays ready on it, with nothing left to close
 * it: one more connection to the server, and a process that never exits. So a connection the
 * client reports after this is torn down at once: destroyed (node-redis 6), or, where `destroy()`
 * refuses a client that is already closed (node-redis 5), at least unref'd, so that it no longer
 * keeps the process alive.
 */
export function destroyClient(client: Pick<ClientImplementation, 'on' | 'destroy' | 'unref'>): void {
  destroyQuietly(client);
  client.on('connect', () => {
    destroyQuietly(client);
    try {
      client.unref?.();
    } catch {
      // Nothing left to unref.
    }
  });
}

/**
 * Closes a standalone client we own. When it is ready, a `PING` answered within `boundMs` shows
 * that every command sent before it was answered (replies come in order); then, or once the bound
 * passed, or at once when it is not ready, it is destroyed for good ({@link destroyClient}). A
 * graceful `close()` would wait for replies a frozen server never sends, and keep the socket (and
 * the process) alive meanwhile.
 */
export async function closeClient(client: ClientImplementation, boundMs: number): Promise<void> {
  if (client.isReady === true) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.sendCommand(['PING']).catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, boundMs))),
    ]);
    clearTimeout(timer);
  }
  destroyClient(client);
}

/**
 * Keeps a standalone node-redis client we own (a store's connection, a subscriber connection)
 * alive; see `healthCheckIntervalMs`. While it is ready it is PINGed every `intervalMs`; a PING
 * unanswered within `timeoutMs` calls `onDead`, destroys the client and connects the same client
 * again (node-redis resubscribes its channels before it emits `ready`). The handshake of such a
 * reconnection is bounded by `timeoutMs` too: past it the client is destroyed again (`onDead`
 * again) and reconnected after 50 ms, doubling to 2 s per failure. Reconnections node-redis starts
 * by itself (after a socket error) are left to it. Returns the function that stops it; it never
 * closes the client.
 */
export function keepAlive(
  client: ClientImplementation,
  intervalMs: number,
  timeoutMs: number,
  onDead?: (error: Error) => void,
): () => void {
  let stopped = false;
  let failures = 0;
  let reconnecting: Promise<unknown> | undefined;
  let handshake: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  const clearHandshake = (): void => {
    clearTimeout(handshake);
    handshake = undefined;
  };
  const reconnect = (): void => {
    retry = undefined;
    if (stopped) return;
    const attempt = client.connect();
    reconnecting = attempt;
    const settled = (): void => {
      if (reconnecting === attempt) reconnecting = undefined;
      if (stopped) return;
      if (client.isReady === true) {
        failures = 0;
        return;
      }
      // Only once the attempt settled has node-redis' connection loop ended: a connect() before
      // that would run a second loop on the same client, and leak one of their sockets.
      retry = setTimeout(reconnect, Math.min(50 * 2 ** failures, 2000));
      failures++;
    };
    attempt.then(settled, settled);
  };
  const onConnect = (): void => {
    if (stopped || reconnecting === undefined) return;
    clearHandshake();
    handshake = setTimeout(() => {
      handshake = undefined;
      if (stopped) return;
      onDead?.(new Error(`no answer to the connection handshake within ${timeoutMs} ms`));
      destroyQuietly(client);
    }, timeoutMs);
  };
  const events: Array<[string, () => void]> = [
    ['connect', onConnect],
    ['ready', clearHandshake],
    ['error', clearHandshake],
    ['end', clearHandshake],
  ];
  for (const [event, listener] of events) client.on(event, listener);
  const stopWatch = watchConnection(
    () => (stopped || client.isReady !== true ? undefined : client),
    (connection) => connection.sendCommand(['PING']),
    intervalMs,
    timeoutMs,
    (_, error) => {
      // Not ready any more: node-redis saw the failure itself and already reconnects.
      if (stopped || reconnecting !== undefined || retry !== undefined || client.isReady !== true) return;
      onDead?.(error);
      destroyQuietly(client);
      reconnect();
    },
  );
  return () => {
    stopped = true;
    stopWatch();
    clearHandshake();
    clearTimeout(retry);
    for (const [event, listener] of events) client.off?.(event, listener);
  };
}

/** Closes a node-redis object we own, falling back to `destroy` when a graceful close fails. */
export async function closeQuietly(target: unknown): Promise<void> {
  const client = target as ClientImplementation;
  try {
    if (typeof client.close === 'function') await client.close();
    else if (typeof client.quit === 'function') await client.quit();
    else if (typeof client.disconnect === 'function') await client.disconnect();
  } catch {
    try {
      client.destroy?.();
    } catch {
      // Already closed: nothing left to release.
    }
  }
}

/** Validated {@link RedisAdapterOptions}. */
export interface ConnectionSettings {
  commandTimeoutMs: number;
  maxQueuedCommands: number;
  /** Validated `healthCheckIntervalMs` (0: no check). @default 0 */
  healthCheckIntervalMs?: number;
  /**
   * `false` sends commands of a ready standalone client without node-redis' per-command timer, for
   * a connection that only a cache uses: core bounds every call it makes by its `timeoutMs`.
   * @default true
   */
  perCommandTimer?: boolean;
}

/**
 * Validates the connection-level adapter options.
 *
 * @throws InvalidConfigError naming the option and the value.
 */
export function connectionSettings(options: RedisAdapterOptions): ConnectionSettings {
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (typeof commandTimeoutMs !== 'number' || !Number.isFinite(commandTimeoutMs) || commandTimeoutMs < 0) {
    throw new InvalidConfigError('commandTimeoutMs', commandTimeoutMs, 'a number of milliseconds ≥ 0');
  }
  const maxQueuedCommands = options.maxQueuedCommands ?? DEFAULT_MAX_QUEUED_COMMANDS;
  if (!Number.isSafeInteger(maxQueuedCommands) || maxQueuedCommands < 1) {
    throw new InvalidConfigError('maxQueuedCommands', maxQueuedCommands, 'a positive integer');
  }
  const healthCheckIntervalMs = healthCheckInterval(options.healthCheckIntervalMs);
  return { commandTimeoutMs, maxQueuedCommands, healthCheckIntervalMs };
}

const CONNECTION_FORMS: OptionNames<RedisConnectionOptions> = {
  client: true,
  url: true,
  clientOptions: true,
  clusterOptions: true,
  sentinelOptions: true,
};

function normalize(options: RedisConnection): RedisConnectionOptions {
  const label = 'connection';
  if (typeof options === 'string') return { url: options };
  if (detectKind(options) !== undefined) return { client: options as RedisConnectable };
  if (!isObject(options)) {
    throw new InvalidConfigError(label, options, 'a node-redis client, a redis:// URL or connection options');
  }
  // `{ host, port }` (ioredis' shape) would otherwise make a client for 127.0.0.1:6379.
  rejectUnknownOptions(options as RedisConnectionOptions, CONNECTION_FORMS, `${label}.`);
  const given = Object.keys(CONNECTION_FORMS).filter(
    (name) => (options as Record<string, unknown>)[name] !== undefined,
  );
  if (given.length !== 1) {
    throw new InvalidConfigError(
      label,
      given.length === 0 ? options : given,
      `${given.length === 0 ? 'one' : 'only one'} of client, url, clientOptions, clusterOptions, sentinelOptions`,
    );
  }
  return options as RedisConnectionOptions;
}
