/**
 * How a demo pod gets its cache, and how the story cuts that pod's subscriber.
 *
 * - embedded: `MemoryStore` + `MemoryBus` shared by pods in one process; the cut is
 *   `MemorySynchronizer.disconnect()`.
 * - Redis (`--redis <url>`, `--client ioredis|redis`): each pod process opens its own connections,
 *   named `sc-demo:<namespace>:<pod>` (CLIENT SETNAME). The cut is done the way an
 *   operator would on any Redis: `CLIENT LIST TYPE pubsub`, then `CLIENT KILL ID` of the connections
 *   carrying this pod's name — only this pod's subscriber, never another client — repeated every
 *   100 ms until healed (the adapter reconnects within milliseconds otherwise).
 * - NATS (`--nats <url>`, with `--redis` for the store): the synchronizer comes from
 *   `@synced-cache/nats` (loaded with a dynamic import, so the demo runs without it). Each pod
 *   reaches NATS through its own {@link LinkRelay}; the cut drops that relay's connections and
 *   refuses new ones until healed — a partition of this pod's bus link, on any NATS server,
 *   without admin rights. The pod's Redis store connection is untouched.
 */
import {
  createCache,
  type MemoryBus,
  type MemoryStore,
  MemorySynchronizer,
  type SyncedCache,
  type Synchronizer,
} from '@synced-cache/core';
import type { DemoValue, PodConfig } from './protocol.js';
import { LinkRelay } from './relay.js';

/** A pod's cache and its fault switch. */
export interface Backend {
  cache: SyncedCache<DemoValue>;
  /** Cuts this pod's subscription (and keeps it cut until `heal`); says what was done. */
  cut(): Promise<string>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

/** Cache options every demo pod uses, whatever the backend. */
function cacheOptions(config: PodConfig) {
  return {
    podId: config.name,
    namespace: config.namespace,
    // Small so that a pod that lost its subscription notices within about a second.
    heartbeatMs: 500,
    timeoutMs: 1000,
  };
}

/** Embedded pods in one process: one store and one bus shared by all of them. */
export async function openEmbedded(
  config: PodConfig,
  world: { store: MemoryStore; bus: MemoryBus },
): Promise<Backend> {
  const synchronizer = new MemorySynchronizer({ bus: world.bus });
  const cache = await createCache<DemoValue>({ ...cacheOptions(config), store: world.store, synchronizer });
  return {
    cache,
    cut: async () => {
      synchronizer.disconnect();
      return 'MemorySynchronizer.disconnect()';
    },
    heal: async () => synchronizer.reconnect(),
    close: () => cache.close(),
  };
}

/** The CLIENT SETNAME of every connection a demo pod opens. */
export function connectionName(config: PodConfig): string {
  return `sc-demo:${config.namespace}:${config.name}`;
}

/** A pod on Redis (store and bus), or on Redis (store) + NATS (bus). */
export async function openRedis(config: PodConfig): Promise<Backend> {
  if (config.backend.kind !== 'redis') throw new Error('openRedis needs a redis backend');
  const { url, client, natsUrl } = config.backend;
  const name = connectionName(config);
  const options = cacheOptions(config);
  if (natsUrl !== undefined) return openRedisWithNats(config, url, client, natsUrl);
  let cache: SyncedCache<DemoValue>;
  if (client === 'ioredis') {
    const { createIoredisCache } = await import('@synced-cache/ioredis');
    cache = await createIoredisCache<DemoValue>({ ...ioredisOptions(url), connectionName: name }, options);
  } else {
    const { createRedisCache } = await import('@synced-cache/redis');
    cache = await createRedisCache<DemoValue>({ clientOptions: { url, name } }, options);
  }
  const cutter = new SubscriberCutter(url, name);
  return {
    cache,
    cut: () => cutter.start(),
    heal: () => cutter.stop(),
    close: async () => {
      await cutter.stop();
      await cache.close();
    },
  };
}

/** Redis store + NATS bus, the pod's NATS link going through a relay the story can cut. */
async function openRedisWithNats(
  config: PodConfig,
  url: string,
  client: 'ioredis' | 'redis',
  natsUrl: string,
): Promise<Backend> {
  const name = connectionName(config);
  const target = natsAddress(natsUrl);
  const relay = await LinkRelay.start(target.hostname, Number(target.port || 4222));
  try {
    target.hostname = '127.0.0.1';
    target.port = String(relay.port);
    const synchronizer = await openNatsSynchronizer(target.toString(), name);
    const cache = await createCache<DemoValue>({
      ...cacheOptions(config),
      store: await openRedisStore(url, client, name),
      synchronizer,
    });
    return {
      cache,
      cut: async () => {
        const dropped = relay.cut();
        return `dropped ${dropped} NATS connection(s) of ${name} at its relay, refusing reconnects until healed`;
      },
      heal: async () => relay.heal(),
      close: async () => {
        relay.heal();
        try {
          await cache.close();
        } finally {
          await relay.close();
        }
      },
    };
  } catch (error) {
    await relay.close();
    const cause = relay.upstreamError;
    if (cause === undefined || !(error instanceof Error)) throw error;
    throw new Error(`${error.message} (${natsUrl}: ${cause.message})`, { cause: error });
  }
}

/** A `nats://` URL (user and password kept) whose host and port the relay stands in for. */
function natsAddress(natsUrl: string): URL {
  const parsed = new URL(natsUrl.includes('://') ? natsUrl : `nats://${natsUrl}`);
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') {
    throw new Error(`--nats wants a nats:// URL, got ${natsUrl}`);
  }
  return parsed;
}

async function openRedisStore(url: string, client: 'ioredis' | 'redis', name: string) {
  if (client === 'ioredis') {
    const { createIoredisStore } = await import('@synced-cache/ioredis');
    return createIoredisStore({ ...ioredisOptions(url), connectionName: name });
  }
  const { createRedisStore } = await import('@synced-cache/redis');
  return createRedisStore({ clientOptions: { url, name } });
}

/**
 * `@synced-cache/nats` is optional for the demo: imported only when `--nats` is given, with an
 * error that names the package when it is not installed.
 */
async function openNatsSynchronizer(url: string, name: string): Promise<Synchronizer> {
  const specifier = '@synced-cache/nats';
  let nats: { createNatsSynchronizer?: (connection: unknown, options?: unknown) => Synchronizer };
  try {
    nats = await import(/* @vite-ignore */ specifier);
  } catch (error) {
    throw new Error(
      `--nats needs the package @synced-cache/nats, which could not be imported (${(error as Error).message}). ` +
        'Install it next to the demo (pnpm add @synced-cache/nats), or run without --nats.',
    );
  }
  if (typeof nats.createNatsSynchronizer !== 'function') {
    throw new Error('@synced-cache/nats does not export createNatsSynchronizer');
  }
  // The relay is the only server this pod may reach: cluster gossip must not route around it.
  return nats.createNatsSynchronizer({ servers: url, name, connectOptions: { ignoreClusterUpdates: true } });
}

/** ioredis options from a `redis://` / `rediss://` URL (so a connection name can be added). */
export function ioredisOptions(url: string) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`--redis wants a redis:// or rediss:// URL, got ${url}`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Kills the pub/sub connections named `name`, every 100 ms, until stopped. */
class SubscriberCutter {
  private admin: import('ioredis').Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private kills = 0;

  constructor(
    private readonly url: string,
    private readonly name: string,
  ) {}

  async start(): Promise<string> {
    const { Redis } = await import('ioredis');
    this.admin = new Redis({
      ...ioredisOptions(this.url),
      connectionName: `${this.name}:admin`,
      lazyConnect: true,
    });
    this.admin.on('error', () => undefined);
    await this.admin.connect();
    const first = await this.killOnce();
    if (first === 0) throw new Error(`no pub/sub connection named ${this.name} in CLIENT LIST TYPE pubsub`);
    this.timer = setInterval(() => {
      this.killOnce().catch(() => undefined);
    }, 100);
    return `CLIENT KILL ID of ${first} pub/sub connection(s) named ${this.name}, repeated every 100 ms`;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await admin.quit().catch(() => admin.disconnect());
  }

  /** Total connections killed so far. */
  get killed(): number {
    return this.kills;
  }

  private async killOnce(): Promise<number> {
    const admin = this.admin;
    if (admin === undefined) return 0;
    const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const ids = pubsubClientIds(list, this.name);
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
    this.kills += ids.length;
    return ids.length;
  }
}

/** The ids of the connections named `name` in a `CLIENT LIST` reply (one client per line). */
export function pubsubClientIds(list: string, name: string): string[] {
  const ids: string[] = [];
  for (const line of list.split('\n')) {
    const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
    if (id !== undefined && /(?:^|\s)name=(\S*)/.exec(line)?.[1] === name) ids.push(id);
  }
  return ids;
}
