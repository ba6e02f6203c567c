import { randomBytes } from 'node:crypto';
import * as redis6 from 'redis';
import * as redis5 from 'redis5';

/** A node-redis major under test: v6 (`redis`) and v5 (`redis5`, an npm alias). */
export interface ClientMajor {
  readonly name: string;
  readonly createClient: typeof redis6.createClient;
  readonly createCluster: typeof redis6.createCluster;
  readonly createSentinel: typeof redis6.createSentinel;
}

export const majors: readonly ClientMajor[] = [
  {
    name: 'redis@6',
    createClient: redis6.createClient,
    createCluster: redis6.createCluster,
    createSentinel: redis6.createSentinel,
  },
  {
    name: 'redis@5',
    createClient: redis5.createClient as unknown as typeof redis6.createClient,
    createCluster: redis5.createCluster as unknown as typeof redis6.createCluster,
    createSentinel: redis5.createSentinel as unknown as typeof redis6.createSentinel,
  },
];

/** A random key prefix, so tests never see each other's keys. */
export function randomPrefix(label = 't'): string {
  return `${label}-${randomBytes(6).toString('hex')}:`;
}

/** Keys that break naive implementations: glob characters, whitespace, huge, non-ASCII. */
export const hostileKeys: readonly string[] = [
  'with space',
  'new\nline\r\n',
  '*',
  '?',
  '[abc]',
  '{tag}',
  'a*b?c[d]e{f}g\\h^i-j',
  '__proto__',
  'constructor',
  'ключ-鍵-🔑',
  'k'.repeat(10_000),
  '',
];

/** A connected admin client on a server (the test's own, for raw commands). */
export async function adminClient(url: string) {
  const client = redis6.createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The server topologies the adapters are tested on. */
export type Topology = 'standalone' | 'cluster' | 'sentinel';

/**
 * Creates and connects a client of `major` for a started topology (`startRedis`,
 * `startRedisCluster` or `startRedisSentinel` result). The caller closes it.
 */
export async function topologyClient(major: ClientMajor, topology: Topology, setup: unknown) {
  if (topology === 'standalone') {
    const client = major.createClient({ url: (setup as { url: string }).url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
  if (topology === 'cluster') {
    const nodes = (setup as { nodes: Array<{ host: string; port: number }> }).nodes;
    const client = major.createCluster({
      rootNodes: nodes.map((node) => ({ url: `redis://${node.host}:${node.port}` })),
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
  const sentinel = setup as { masterName: string; sentinels: Array<{ host: string; port: number }> };
  const client = major.createSentinel({
    name: sentinel.masterName,
    sentinelRootNodes: sentinel.sentinels.map((node) => ({ host: node.host, port: node.port })),
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Where a `PUBLISH` seen by {@link watchPublishes} came from. */
export type PublishSource = 'script' | 'client';

/**
 * Watches the server at `url` with `MONITOR` and records, in order, where each `PUBLISH` on a
 * channel containing `marker` came from: `'script'` when a Lua script (the store's write script)
 * sent it, `'client'` when a connection sent it directly (a synchronizer's own publish).
 */
export async function watchPublishes(
  url: string,
  marker: string,
): Promise<{ readonly sources: PublishSource[]; stop(): Promise<void> }> {
  const sources: PublishSource[] = [];
  const monitor = redis6.createClient({ url });
  monitor.on('error', () => undefined);
  await monitor.connect();
  // `<time> [<db> <lua | address>] "PUBLISH" "<channel>" …`
  const line = /^\S+ \[\d+ (\S+)\] "publish" "([^"]*)"/i;
  await monitor.monitor((reply: unknown) => {
    const match = line.exec(String(reply));
    if (match === null || !(match[2] as string).includes(marker)) return;
    sources.push(match[1] === 'lua' ? 'script' : 'client');
  });
  return {
    sources,
    stop: async () => {
      monitor.destroy();
    },
  };
}

/** A command seen by {@link watchCommands}: its name (lower case) and whether a script sent it. */
export interface SeenCommand {
  readonly name: string;
  readonly fromScript: boolean;
}

/**
 * Watches the server at `url` with `MONITOR` and records, in execution order, every command with
 * an argument containing `marker`. `fence()` resolves once everything the server ran before it
 * has been recorded.
 */
export async function watchCommands(
  url: string,
  marker: string,
): Promise<{ readonly seen: SeenCommand[]; fence(): Promise<void>; stop(): Promise<void> }> {
  const seen: SeenCommand[] = [];
  const monitor = redis6.createClient({ url });
  monitor.on('error', () => undefined);
  await monitor.connect();
  const admin = await adminClient(url);
  let fences = 0;
  const fenced = new Set<string>();
  // `<time> [<db> <lua | address>] "<command>" "<arg>" …`
  const line = /^\S+ \[\d+ (\S+)\] "([^"]*)"(.*)$/s;
  await monitor.monitor((reply: unknown) => {
    const match = line.exec(String(reply));
    if (match === null || !(match[3] as string).includes(marker)) return;
    const fence = /"(\S*#fence-\d+)"/.exec(match[3] as string);
    if (fence !== null) {
      fenced.add(fence[1] as string);
      return;
    }
    seen.push({ name: (match[2] as string).toLowerCase(), fromScript: match[1] === 'lua' });
  });
  return {
    seen,
    fence: async () => {
      const key = `${marker}#fence-${++fences}`;
      await admin.exists(key);
      const deadline = Date.now() + 5000;
      while (!fenced.has(key)) {
        if (Date.now() > deadline) throw new Error(`MONITOR never showed ${key}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop: async () => {
      monitor.destroy();
      admin.destroy();
    },
  };
}
