import { createRequire } from 'node:module';
import {
  InvalidConfigError,
  type OptionNames,
  rejectUnknownOptions,
  StoreError,
  TimeoutError,
} from '@synced-cache/core';
import type { RedisScript } from '@synced-cache/redis-common';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * How the adapters reach Redis:
 * - an ioredis `Redis` or `Cluster` you created (injected: used as is, **never closed** by us);
 * - a `redis://` / `rediss://` URL (we create the connection and close it);
 * - ioredis `RedisOptions` (standalone, or Sentinel with `sentinels` + `name`; we own it);
 * - `{ cluster: nodes, clusterOptions? }` for a Cluster we create and own.
 */
export type IoredisConnection = Redis | Cluster | string | RedisOptions | IoredisClusterConnection;

/** Connection options for a Cluster the adapter creates (and closes). */
export interface IoredisClusterConnection {
  /** Startup nodes, e.g. `[{ host: '10.0.0.1', port: 6379 }]`. */
  cluster: ClusterNode[];
  /** ioredis Cluster options (`redisOptions` apply to every node connection). */
  clusterOptions?: ClusterOptions;
}

const CLUSTER_CONNECTION_NAMES: OptionNames<IoredisClusterConnection> = {
  cluster: true,
  clusterOptions: true,
};

/** A command method of a client, loosely typed (ioredis' own typings differ between majors). */
type Command = (...args: unknown[]) => Promise<unknown>;

/**
 * The part of an ioredis `Redis` / `Cluster` the adapters use, found by duck typing so clients
 * from another copy or major of ioredis work.
 *
 * @internal
 */
export interface ClientLike {
  status: string;
  readonly isCluster?: boolean;
  readonly options: Record<string, unknown>;
  duplicate(...args: unknown[]): ClientLike;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  ping(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  nodes?(role?: string): ClientLike[];
  slots?: string[][];
  refreshSlotsCache?(callback?: (error?: unknown) => void): void;
  [command: string]: unknown;
}

/** True when `value` looks like an ioredis `Redis` or `Cluster` instance. */
export function isClient(value: unknown): value is Redis | Cluster {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.duplicate === 'function' &&
    typeof candidate.defineCommand === 'function' &&
    typeof candidate.sendCommand === 'function' &&
    typeof candidate.status === 'string'
  );
}

/** True for an ioredis `Cluster` (duck typed). */
export function isClusterClient(client: ClientLike): boolean {
  return client.isCluster === true || typeof client.nodes === 'function';
}

interface IoredisModule {
  Redis: new (...args: unknown[]) => ClientLike;
  Cluster: new (...args: unknown[]) => ClientLike;
}

let loaded: IoredisModule | undefined;

/**
 * Loads the `ioredis` peer dependency.
 *
 * @throws InvalidConfigError naming the package to install when it is missing.
 */
export function loadIoredis(): IoredisModule {
  if (loaded !== undefined) return loaded;
  let module: Record<string, unknown>;
  try {
    module = createRequire(import.meta.url)('ioredis') as Record<string, unknown>;
  } catch (error) {
    throw new InvalidConfigError('connection', 'ioredis', 'the peer dependency: npm install ioredis', {
      cause: error,
    });
  }
  const Redis = (module.Redis ?? module.default ?? module) as IoredisModule['Redis'];
  const Cluster = module.Cluster as IoredisModule['Cluster'];
  loaded = { Redis, Cluster };
  return loaded;
}

/**
 * Settings every connection the adapters create gets (bounded calls, no unbounded queue).
 * `perCommandTimeout: false` leaves out ioredis's `commandTimeout` (a timer per command) for
 * connections that only a cache uses: core already bounds every call it makes.
 */
export function boundedOptions(commandTimeoutMs: number, perCommandTimeout = true): Record<string, unknown> {
  return {
    ...(perCommandTimeout ? { commandTimeout: commandTimeoutMs } : {}),
    // Commands are never queued while disconnected: callers wait for 'ready' within their own
    // bound instead (see whenReady), so nothing piles up while Redis is down.
    enableOfflineQueue: false,
    // A command sent but unanswered when the connection dropped is not sent again after the
    // reconnect: its caller has been answered (core bounds every call), and a write replayed
    // seconds later would take a newer version and overwrite whatever was written meanwhile.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    // On disconnect ioredis ends the socket and destroys it only after this long (2 s by default)
    // when it does not close: a referenced timer that kept the process alive 2 s after close()
    // while the server refused connections.
    disconnectTimeout: commandTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    // After a Sentinel failover the old master answers READONLY: reconnect (Sentinel resolves the
    // new master); the failed call is not resent (it already failed, within its bound).
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  };
}

/** What {@link openConnection} returns. */
export interface OpenedConnection {
  client: ClientLike;
  /** True when we created the client (and so close it). */
  owned: boolean;
}

/**
 * Turns an {@link IoredisConnection} into a client.
 *
 * @throws InvalidConfigError for anything else.
 */
export function openConnection(
  connection: IoredisConnection,
  commandTimeoutMs: number,
  perCommandTimeout = true,
): OpenedConnection {
  if (isClient(connection)) return { client: connection as unknown as ClientLike, owned: false };
  const opened = createOwned(connection, commandTimeoutMs, perCommandTimeout);
  // Connection errors reach callers as rejected commands (StoreError / TimeoutError); without a
  // listener ioredis would also print every reconnect failure as an "Unhandled error event".
  opened.client.on('error', () => undefined);
  return opened;
}

function createOwned(
  connection: IoredisConnection,
  commandTimeoutMs: number,
  perCommandTimeout: boolean,
): OpenedConnection {
  // Cluster node connections always keep commandTimeout: it bounds their lazy offline queue.
  const bounded = boundedOptions(commandTimeoutMs, perCommandTimeout);
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new InvalidConfigError(
        'connection',
        connection,
        'a redis:// or rediss:// URL, options or a client',
      );
    }
    const { Redis } = loadIoredis();
    return { client: new Redis(connection, bounded), owned: true };
  }
  if (typeof connection === 'object' && connection !== null) {
    if ('cluster' in connection && Array.isArray((connection as IoredisClusterConnection).cluster)) {
      rejectUnknownOptions(connection as IoredisClusterConnection, CLUSTER_CONNECTION_NAMES, 'connection.');
      const { cluster, clusterOptions } = connection as IoredisClusterConnection;
      const { Cluster } = loadIoredis();
      // Node connections keep their offline queue (ioredis connects them lazily on first command);
      // commandTimeout bounds what waits there. The Cluster itself does not queue. Nodes do not
      // reconnect unless `clusterNodeRetryStrategy` is set; then they must not resend either.
      const nodeBounded = {
        commandTimeout: commandTimeoutMs,
        maxRetriesPerRequest: 1,
        autoResendUnfulfilledCommands: false,
      };
      const client = new Cluster(cluster, {
        enableOfflineQueue: false,
        ...clusterOptions,
        redisOptions: { ...nodeBounded, ...clusterOptions?.redisOptions },
      });
      return { client, owned: true };
    }
    if ('url' in connection) {
      // node-redis takes { url }; ioredis options have no such field and would silently connect
      // to 127.0.0.1:6379 db 0.
      throw new InvalidConfigError(
        'connection.url',
        (connection as { url: unknown }).url,
        "the URL as the connection itself, e.g. createIoredisStore('redis://:password@host:6379/2') (ioredis options have no url)",
      );
    }
    const { Redis } = loadIoredis();
    return { client: new Redis({ ...bounded, ...(connection as RedisOptions) }), owned: true };
  }
  throw new InvalidConfigError(
    'connection',
    connection,
    'an ioredis client, a redis:// URL or connection options',
  );
}

const readyWaits = new WeakMap<ClientLike, Promise<void>>();

/**
 * Resolves once `client` is ready, waiting at most `timeoutMs` (a `wait` client is connected).
 * Calls never queue inside the client while it reconnects; they wait here, bounded.
 *
 * @throws TimeoutError when the client is not ready in time; StoreError when it has ended.
 */
export function whenReady(client: ClientLike, timeoutMs: number, action: string): Promise<void> | undefined {
  if (client.status === 'ready') return undefined;
  if (client.status === 'end') {
    return Promise.reject(new StoreError(`redis ${action} failed: the connection was closed`, { action }));
  }
  let wait = readyWaits.get(client);
  if (wait === undefined) {
    if (client.status === 'wait') client.connect().catch(() => undefined);
    wait = new Promise<void>((resolve) => {
      const onReady = () => {
        client.off('ready', onReady);
        client.off('end', onReady);
        readyWaits.delete(client);
        resolve();
      };
      client.on('ready', onReady);
      client.on('end', onReady);
    });
    readyWaits.set(client, wait);
  }
  const shared = wait;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new TimeoutError(timeoutMs, { action, cause: new Error(`redis is ${client.status}`) }));
    }, timeoutMs);
    shared.then(() => {
      clearTimeout(timer);
      if (client.status === 'ready') resolve();
      else reject(new StoreError(`redis ${action} failed: the connection was closed`, { action }));
    });
  });
}

/** The name under which a script is defined on a client (content-addressed, so versions never clash). */
export function commandName(script: RedisScript): string {
  return `${script.name}_${script.sha1.slice(0, 8)}`;
}

/**
 * Defines `scripts` as custom commands on `client` (ioredis' `defineCommand`: EVALSHA with an
 * automatic EVAL fallback on NOSCRIPT) unless already defined.
 */
export function defineScripts(client: ClientLike, scripts: readonly RedisScript[]): void {
  for (const script of scripts) {
    const name = commandName(script);
    if (typeof client[name] === 'function') continue;
    const definition: { numberOfKeys?: number; lua: string } = { lua: script.lua };
    if (script.numberOfKeys !== undefined) definition.numberOfKeys = script.numberOfKeys;
    client.defineCommand(name, definition);
  }
}

/** Looks up a defined script command (`buffer`: the variant that returns Buffers). */
export function scriptCommand(client: ClientLike, script: RedisScript, buffer = false): Command {
  const command = client[`${commandName(script)}${buffer ? 'Buffer' : ''}`];
  if (typeof command !== 'function') throw new StoreError(`script ${script.name} is not defined`);
  return (command as Command).bind(client);
}

/**
 * Runs a script on one node connection with EVALSHA, falling back to EVAL on NOSCRIPT (used for
 * the per-node `clear` / `size` steps on Cluster masters, which have no custom commands).
 */
export async function evalOnNode(
  node: ClientLike,
  script: RedisScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const evalsha = node.evalsha as Command;
  try {
    return await evalsha.call(node, script.sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    const evaluate = node.eval as Command;
    return evaluate.call(node, script.lua, keys.length, ...keys, ...args);
  }
}

/**
 * Disconnects `client` unless it has ended already. ioredis' `disconnect()` arms a timer (its
 * `disconnectTimeout`, 2 s) that only the socket's next 'close' clears: on a socket that closed
 * before, the timer would keep the process alive for those 2 s after everything was closed.
 */
export function disconnectIfOpen(client: ClientLike): void {
  if (client.status !== 'end') client.disconnect();
}

/** Closes a client we own: QUIT, then a hard disconnect; resolves once it ended (bounded). */
export async function closeOwned(client: ClientLike, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    client.once('end', () => resolve());
  });
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    if (client.status === 'ready') await Promise.race([client.quit(), bound]);
  } catch {
    // fall through to disconnect
  }
  disconnectIfOpen(client);
  await Promise.race([ended, bound]);
  if (timer !== undefined) clearTimeout(timer);
}

/** A view of `bytes` as a Buffer without copying (ioredis would stringify a plain Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
