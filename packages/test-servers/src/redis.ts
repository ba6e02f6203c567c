import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findBinary,
  freePort,
  killProcess,
  makeTempDir,
  removeTempDir,
  type ServerProcess,
  spawnServer,
  stopProcess,
  waitUntil,
  withLifecycle,
} from './process.js';
import { RespError, redisCommand } from './resp.js';

/** How long a server may take to answer PING after spawning. */
const READY_TIMEOUT_MS = 10_000;

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: string[];
}

/** A running private `redis-server`. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** PID of the current process (changes after `restart`). */
  readonly pid: number;
  /** The temp directory the server runs in. */
  readonly dir: string;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL now (a crash); the server can be `restart`ed. */
  kill(): Promise<void>;
  /** Stops the server when it runs and starts a fresh one on the same port (data is not kept). */
  restart(): Promise<void>;
  /**
   * SIGSTOP: the server freezes as a hung host does (connections are still accepted into the
   * kernel's backlog, nothing is answered) until {@link resume}. `stop` resumes it first.
   */
  pause(): void;
  /** SIGCONT: a paused server answers again. */
  resume(): void;
}

function baseArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
}

async function ping(port: number): Promise<boolean> {
  const reply = await redisCommand('127.0.0.1', port, ['PING'], 1000);
  return reply === 'PONG';
}

/** Spawns `redis-server` with `args` on `port` and waits until it answers PING. */
async function launch(
  binary: string,
  port: number,
  args: readonly string[],
  dir: string,
): Promise<ServerProcess> {
  const server = spawnServer(binary, args, dir);
  try {
    await waitUntil(`redis-server on port ${port}`, () => ping(port), READY_TIMEOUT_MS, server);
  } catch (error) {
    await killProcess(server);
    throw error;
  }
  return server;
}

function isPortClash(error: unknown): boolean {
  return error instanceof Error && /address already in use|Could not create server TCP/i.test(error.message);
}

/**
 * Launches `redis-server` on a free port: `argsFor(port)` builds its arguments (and may pick more
 * ports, such as a cluster bus port). A port checked free can be taken before the server binds it
 * (by any process, or an outgoing connection's ephemeral port); on such a clash it tries again
 * with new ports, up to three times.
 */
async function launchOnFreePort(
  binary: string,
  dir: string,
  argsFor: (port: number) => Promise<string[]> | string[],
): Promise<{ server: ServerProcess; port: number; args: string[] }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = await argsFor(port);
    try {
      return { server: await launch(binary, port, args, dir), port, args };
    } catch (error) {
      if (attempt >= 3 || !isPortClash(error)) throw error;
    }
  }
}

/**
 * Starts a private `redis-server` on a free loopback port, persistence off, in a temp dir.
 *
 * @throws Error `"redis-server not found: apt-get install redis-server nats-server"` when the
 *   binary is missing, or when the server does not answer PING within 10 s.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = findBinary('redis-server');
  const dir = makeTempDir('redis');
  let launched: Awaited<ReturnType<typeof launchOnFreePort>>;
  try {
    launched = await launchOnFreePort(binary, dir, (port) => [
      ...baseArgs(port, dir),
      ...(options.args ?? []),
    ]);
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  const { server, port, args } = launched;
  return withLifecycle(
    { host: '127.0.0.1' as const, port, url: `redis://127.0.0.1:${port}`, dir },
    'redis-server',
    server,
    dir,
    () => launch(binary, port, args, dir),
  );
}

/** A node of a cluster. */
export interface RedisNodeAddress {
  readonly host: '127.0.0.1';
  readonly port: number;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** Number of masters (no replicas). @default 3 */
  masters?: number;
}

/** A running private Redis Cluster. */
export interface RedisCluster {
  readonly nodes: RedisNodeAddress[];
  /** Stops every node (SIGTERM, then SIGKILL) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function field(info: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

/**
 * Starts a Redis Cluster of `masters` nodes (no replicas) on free loopback ports and waits until
 * every node reports `cluster_state:ok` and knows every node.
 *
 * @throws Error when a binary is missing or the cluster does not form within 30 s.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const binary = findBinary('redis-server');
  const cli = findBinary('redis-cli');
  const dir = makeTempDir('redis-cluster');
  const processes: ServerProcess[] = [];
  const nodes: RedisNodeAddress[] = [];
  const stopAll = async () => {
    await Promise.all(processes.map((server) => stopProcess(server)));
  };
  try {
    for (let index = 0; index < masters; index++) {
      const { server, port } = await launchOnFreePort(binary, dir, async (port) => [
        ...baseArgs(port, dir),
        '--cluster-enabled',
        'yes',
        // The bus port defaults to port + 10000, which may be taken (or above 65535); pick one too.
        '--cluster-port',
        String(await freePort()),
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '5000',
      ]);
      processes.push(server);
      nodes.push({ host: '127.0.0.1', port });
    }
    const create = spawnServer(cli, [
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const finished = await Promise.race([
      create.exit.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000).unref()),
    ]);
    if (!finished || create.child.exitCode !== 0) {
      await killProcess(create);
      throw new Error(`redis-cli --cluster create failed:\n${create.output()}`);
    }
    await waitUntil(
      'redis cluster state ok',
      async () => {
        for (const node of nodes) {
          const info = await redisCommand(node.host, node.port, ['CLUSTER', 'INFO']);
          if (typeof info !== 'string') return false;
          if (field(info, 'cluster_state') !== 'ok') return false;
          if (field(info, 'cluster_known_nodes') !== String(masters)) return false;
          if (field(info, 'cluster_slots_ok') !== '16384') return false;
        }
        return true;
      },
      30_000,
    );
  } catch (error) {
    await stopAll();
    removeTempDir(dir);
    throw error;
  }
  let stopped = false;
  return {
    nodes,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      removeTempDir(dir);
    },
  };
}

/** Options of {@link startRedisSentinel}. */
export interface StartRedisSentinelOptions {
  /** Number of sentinel processes (1–3). @default 1 */
  sentinels?: number;
  /** The monitored master's name. @default 'synced-cache-master' */
  masterName?: string;
}

/** A running master + replica watched by sentinels. */
export interface RedisSentinelSetup {
  readonly masterName: string;
  readonly master: RedisNodeAddress;
  readonly replica: RedisNodeAddress;
  readonly sentinels: RedisNodeAddress[];
  /** Stops every process and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a master, a replica (`--replicaof`) and 1–3 `redis-server --sentinel` processes on free
 * loopback ports; waits until the replica is in sync and every sentinel knows the master.
 *
 * @throws Error when a binary is missing or the setup is not ready within 30 s.
 */
export async function startRedisSentinel(
  options: StartRedisSentinelOptions = {},
): Promise<RedisSentinelSetup> {
  const count = options.sentinels ?? 1;
  if (count < 1 || count > 3) throw new Error('sentinels must be 1, 2 or 3');
  const masterName = options.masterName ?? 'synced-cache-master';
  const binary = findBinary('redis-server');
  const dir = makeTempDir('redis-sentinel');
  const processes: ServerProcess[] = [];
  const stopAll = async () => {
    await Promise.all(processes.map((server) => stopProcess(server)));
  };
  try {
    const master = await launchOnFreePort(binary, dir, (port) => baseArgs(port, dir));
    processes.push(master.server);
    const masterPort = master.port;
    const replica = await launchOnFreePort(binary, dir, (port) => [
      ...baseArgs(port, dir),
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]);
    processes.push(replica.server);
    const replicaPort = replica.port;
    await waitUntil(
      'replica in sync',
      async () => {
        const info = await redisCommand('127.0.0.1', replicaPort, ['INFO', 'replication']);
        return typeof info === 'string' && field(info, 'master_link_status') === 'up';
      },
      30_000,
    );
    const sentinels: RedisNodeAddress[] = [];
    for (let index = 0; index < count; index++) {
      const { server, port } = await launchOnFreePort(binary, dir, (port) => {
        const configPath = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          configPath,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${Math.floor(count / 2) + 1}`,
            `sentinel down-after-milliseconds ${masterName} 2000`,
            `sentinel failover-timeout ${masterName} 10000`,
            `sentinel parallel-syncs ${masterName} 1`,
            '',
          ].join('\n'),
        );
        return [configPath, '--sentinel'];
      });
      processes.push(server);
      sentinels.push({ host: '127.0.0.1', port });
    }
    await waitUntil(
      'sentinels know the master and its replica',
      async () => {
        for (const sentinel of sentinels) {
          const address = await redisCommand(sentinel.host, sentinel.port, [
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            masterName,
          ]);
          if (!Array.isArray(address) || address[1] !== String(masterPort)) return false;
          const replicas = await redisCommand(sentinel.host, sentinel.port, [
            'SENTINEL',
            'REPLICAS',
            masterName,
          ]);
          if (replicas instanceof RespError || !Array.isArray(replicas) || replicas.length === 0)
            return false;
        }
        return true;
      },
      30_000,
    );
    let stopped = false;
    return {
      masterName,
      master: { host: '127.0.0.1', port: masterPort },
      replica: { host: '127.0.0.1', port: replicaPort },
      sentinels,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        removeTempDir(dir);
      },
    };
  } catch (error) {
    await stopAll();
    removeTempDir(dir);
    throw error;
  }
}
