import { readFile } from 'node:fs/promises';
import type { ConnectionOptions, NatsConnection, Status } from '@nats-io/transport-node';
import { SynchronizerError } from '@synced-cache/core';
import type { NatsSettings, NatsSynchronizerOptions } from './options.js';

/** What the link tells its synchronizer: the connection is lost, or it is back and confirmed. */
/** `down` / `up`: the connection was lost / is back; `healthy`: a periodic health check was answered. */
export type LinkEvent = 'down' | 'up' | 'healthy';

type LinkListener = (event: LinkEvent, error?: unknown) => void;

const TRANSPORT = '@nats-io/transport-node';

/**
 * Loads a peer dependency, failing with an error that names the package to install.
 *
 * @internal
 */
export async function loadPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new SynchronizerError(`${name} is not installed: npm install ${name}`, {
      action: 'connect',
      cause: error,
    });
  }
}

/**
 * Settles with `promise`, or rejects with `SynchronizerError(what)` after `ms` (the timer is
 * cleared either way and never keeps the process alive).
 *
 * @internal
 */
export function within<T>(promise: Promise<T>, ms: number, what: string, action: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // After a stalled event loop the answer may already wait in the socket, and timers run
      // before I/O: let I/O run first, so a stall is not mistaken for a dead server.
      setImmediate(() => reject(new SynchronizerError(`${what} within ${ms} ms`, { action })));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One NATS connection as a synchronizer sees it: yours (borrowed, never closed) or one made from
 * options (owned, drained on close). It watches the client's status notices (`disconnect`,
 * `staleConnection` → down; `reconnect` → up once a PING round trip confirms the resent
 * subscriptions) and PINGs the server every `healthCheckIntervalMs`, because a frozen server or a
 * half-open link looks connected to the client until its own PINGs (every 2 minutes by default)
 * run out.
 *
 * @internal
 */
export class NatsLink {
  readonly owned: boolean;
  readonly #options: NatsSynchronizerOptions;
  readonly #settings: NatsSettings;
  readonly #listeners = new Set<LinkListener>();
  #connection: NatsConnection | undefined;
  #connecting: Promise<NatsConnection> | undefined;
  #statusIterator: { stop?(): void } | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #checking = false;
  /** The client reported a disconnect and no reconnect yet. */
  #disconnected = false;
  /** Down as told to listeners (disconnected, stale, or a health check failed). */
  #down = false;
  #closed = false;

  constructor(options: NatsSynchronizerOptions, settings: NatsSettings) {
    this.#options = options;
    this.#settings = settings;
    this.owned = options.connection === undefined;
    if (!this.owned) this.#adopt(options.connection as NatsConnection);
    // Ours: start dialling now, so the cache's first subscribe (bounded by its timeout) does not
    // also pay for loading the client and connecting. A failure is reported by the call that waits.
    else this.ready().catch(() => undefined);
  }

  /** The connection once connected (whatever its state since), else undefined. */
  get connection(): NatsConnection | undefined {
    return this.#connection;
  }

  /** True while the connection is known to be lost. */
  get down(): boolean {
    return this.#down;
  }

  /** The connection, once connected. An owned connection whose first connect failed is tried again. */
  ready(): Promise<NatsConnection> {
    if (this.#connection !== undefined) return Promise.resolve(this.#connection);
    if (this.#connecting === undefined) {
      const connecting = this.#connect();
      this.#connecting = connecting;
      connecting.then(
        (connection) => {
          if (this.#closed) void connection.close().catch(() => undefined);
          else this.#adopt(connection);
        },
        () => {
          if (this.#connecting === connecting) this.#connecting = undefined;
        },
      );
    }
    return this.#connecting;
  }

  /** Registers a listener of link events; returns the function that removes it. */
  listen(listener: LinkListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #connect(): Promise<NatsConnection> {
    const { connect, credsAuthenticator, nkeyAuthenticator } = await loadPeer(
      TRANSPORT,
      () => import('@nats-io/transport-node'),
    );
    const options = this.#options;
    const connectOptions: ConnectionOptions = {
      servers: options.servers as string | string[],
      name: options.name ?? 'synced-cache',
      reconnectTimeWait: 250,
      maxReconnectAttempts: -1,
      timeout: 2000,
    };
    if (options.token !== undefined) connectOptions.token = options.token;
    if (options.user !== undefined) connectOptions.user = options.user;
    if (options.pass !== undefined) connectOptions.pass = options.pass;
    if (options.tls !== undefined) connectOptions.tls = options.tls;
    if (options.nkeySeed !== undefined) {
      connectOptions.authenticator = nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed));
    } else if (options.credsFile !== undefined) {
      connectOptions.authenticator = credsAuthenticator(await readFile(options.credsFile));
    }
    try {
      return await connect({ ...connectOptions, ...options.connectOptions });
    } catch (error) {
      throw new SynchronizerError(
        `nats connect failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          action: 'connect',
          cause: error,
        },
      );
    }
  }

  #adopt(connection: NatsConnection): void {
    this.#connection = connection;
    const iterator = connection.status();
    this.#statusIterator = iterator as { stop?(): void };
    void (async () => {
      for await (const status of iterator) this.#onClientStatus(connection, status);
    })().catch(() => undefined);
    if (this.#settings.healthCheckIntervalMs > 0) {
      this.#healthTimer = setInterval(() => this.#check(connection), this.#settings.healthCheckIntervalMs);
      this.#healthTimer.unref();
    }
  }

  #onClientStatus(connection: NatsConnection, status: Status): void {
    if (this.#closed) return;
    switch (status.type) {
      case 'disconnect':
        this.#disconnected = true;
        this.#markDown(
          new SynchronizerError(`nats connection to ${status.server} lost`, { action: 'subscribe' }),
        );
        break;
      case 'staleConnection':
        this.#markDown(
          new SynchronizerError('nats connection stale (PINGs unanswered)', { action: 'subscribe' }),
        );
        break;
      case 'reconnect':
        this.#disconnected = false;
        this.#confirm(connection);
        break;
      case 'close':
        this.#markDown(new SynchronizerError('nats connection closed', { action: 'subscribe' }));
        break;
      default:
        break;
    }
  }

  /** A PING round trip: the server has processed every SUB sent before it (the resubscriptions). */
  #confirm(connection: NatsConnection): void {
    within(connection.flush(), this.#settings.healthCheckTimeoutMs, 'no PING answer', 'health-check').then(
      () => {
        if (!this.#disconnected && !connection.isClosed()) this.#markUp();
      },
      () => undefined, // still down; the next health check tries again
    );
  }

  #check(connection: NatsConnection): void {
    if (this.#checking || this.#closed || connection.isClosed() || this.#disconnected) return;
    this.#checking = true;
    within(connection.flush(), this.#settings.healthCheckTimeoutMs, 'no PING answer', 'health-check')
      .then(
        () => {
          if (this.#disconnected) return;
          this.#markUp();
          if (!this.#closed) this.#emit('healthy');
        },
        (error: unknown) => {
          if (this.#closed || this.#disconnected) return;
          this.#markDown(error);
          // Ours: drop the silent connection and dial again (nats.js reports the reconnect).
          // Yours: reported down until it answers again; we never reconnect your connection.
          if (this.owned) {
            try {
              connection.reconnect();
            } catch {
              // already reconnecting or closing
            }
          }
        },
      )
      .finally(() => {
        this.#checking = false;
      });
  }

  #markDown(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#emit('down', error);
  }

  #markUp(): void {
    if (!this.#down || this.#closed) return;
    this.#down = false;
    this.#emit('up');
  }

  #emit(event: LinkEvent, error?: unknown): void {
    for (const listener of this.#listeners) {
      try {
        listener(event, error);
      } catch {
        // a listener must not stop the others
      }
    }
  }

  /**
   * Stops watching; an owned connection is drained (what was published leaves first) within
   * `healthCheckTimeoutMs`, then closed. A borrowed connection is left as it is.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    clearInterval(this.#healthTimer);
    this.#statusIterator?.stop?.();
    if (!this.owned) return;
    const connection = this.#connection;
    if (connection === undefined || connection.isClosed()) return;
    const boundMs = this.#settings.healthCheckTimeoutMs;
    if (!this.#down)
      await within(connection.drain(), boundMs, 'nats drain unfinished', 'close').catch(() => undefined);
    if (!connection.isClosed())
      await within(connection.close(), boundMs, 'nats close unfinished', 'close').catch(() => undefined);
  }
}
