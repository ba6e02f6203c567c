import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  findBinary,
  freePort,
  killProcess,
  makeTempDir,
  removeTempDir,
  type ServerProcess,
  spawnServer,
  waitUntil,
  withLifecycle,
} from './process.js';

/** Options of {@link startNats}. */
export interface StartNatsOptions {
  /** Enable JetStream with a temp storage dir (`-js -sd <dir>`). @default false */
  jetstream?: boolean;
  /** Extra `nats-server` arguments. */
  args?: string[];
  /**
   * Extra configuration file text (`-c`), for settings without a flag, e.g.
   * `'max_pending: 65536\nwrite_deadline: "500ms"'`. Flags still set address and port.
   */
  config?: string;
}

/** A running private `nats-server`. */
export interface NatsServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL now. */
  kill(): Promise<void>;
  /** Stops the server when it runs and starts it again on the same port (JetStream data kept). */
  restart(): Promise<void>;
  /** SIGSTOP: the server freezes as a hung host does (connections stay open, nothing is answered). */
  pause(): void;
  /** SIGCONT after {@link NatsServer.pause}. */
  resume(): void;
}

/** True once the server greets a TCP client with its `INFO` line. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 1000);
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk.toString('utf8').startsWith('INFO'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * Starts a private `nats-server -a 127.0.0.1 -p <free port>` (with JetStream when asked) and waits
 * until it greets clients.
 *
 * @throws Error `"nats-server not found: apt-get install redis-server nats-server"` when the
 *   binary is missing, or when the server is not ready within 10 s.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const binary = findBinary('nats-server');
  const dir = makeTempDir('nats');
  const port = await freePort();
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    ...(options.jetstream ? ['-js', '-sd', dir] : []),
    ...configArgs(dir, 'nats.conf', options.config),
    ...(options.args ?? []),
  ];
  const launch = launcher(binary, args, dir, port, `nats-server on port ${port}`);
  const current = await firstLaunch(launch, dir);
  return withLifecycle(
    { host: '127.0.0.1' as const, port, url: `nats://127.0.0.1:${port}` },
    'nats-server',
    current,
    dir,
    launch,
  );
}

/** A function that starts `binary` and resolves once it greets clients on `port` (killed if it does not). */
function launcher(
  binary: string,
  args: string[],
  dir: string,
  port: number,
  what: string,
): () => Promise<ServerProcess> {
  return async () => {
    const server = spawnServer(binary, args, dir);
    try {
      await waitUntil(what, () => greets(port), 10_000, server);
    } catch (error) {
      await killProcess(server);
      throw error;
    }
    return server;
  };
}

/** The first `launch`; its temp dir is removed when it fails. */
async function firstLaunch(launch: () => Promise<ServerProcess>, dir: string): Promise<ServerProcess> {
  try {
    return await launch();
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}

/** `-c <file>` for extra configuration text written into `dir`, or nothing. */
function configArgs(dir: string, name: string, config: string | undefined): string[] {
  if (config === undefined) return [];
  const path = join(dir, name);
  writeFileSync(path, `${config}\n`);
  return ['-c', path];
}

/** Options of {@link startNatsCluster}. */
export interface StartNatsClusterOptions {
  /** Number of nodes, each routed to every other. @default 3 */
  nodes?: number;
  /** Extra configuration file text for every node (see {@link StartNatsOptions.config}). */
  config?: string;
  /** Enable clustered JetStream, each node with its own temp storage dir. @default false */
  jetstream?: boolean;
}

/** A node of a {@link NatsCluster}: its own lifecycle, so a test can kill, freeze or restart one. */
export type NatsClusterNode = NatsServer;

/** A running private NATS cluster (full mesh of routes on loopback). */
export interface NatsCluster {
  readonly nodes: NatsClusterNode[];
  /** Every node's client URL, for a client's `servers` list. */
  readonly urls: string[];
  /** Stops every node and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** The number of routes a node reports on its monitoring port (`/routez`). */
function routeCount(monitorPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(
      { host: '127.0.0.1', port: monitorPort, path: '/routez', timeout: 1000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          try {
            resolve(Number((JSON.parse(body) as { num_routes?: number }).num_routes ?? 0));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('routez timed out')));
    request.on('error', reject);
  });
}

/**
 * Starts a NATS cluster of `nodes` servers on free loopback ports, every node routed to every
 * other (`--routes` listing all cluster ports), and waits until each node greets clients and
 * reports a route to every other node. A node that is `restart`ed (after `kill`) rejoins on its
 * ports.
 *
 * @throws Error when the binary is missing or the cluster does not form within 15 s.
 */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  if (count < 2) throw new Error('a NATS cluster needs at least 2 nodes');
  const binary = findBinary('nats-server');
  const ports = await Promise.all(
    Array.from({ length: count }, async () => ({
      client: await freePort(),
      cluster: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map((port) => `nats://127.0.0.1:${port.cluster}`).join(',');
  const nodes: NatsClusterNode[] = [];
  try {
    for (const [index, port] of ports.entries()) {
      const dir = makeTempDir(`nats-node${index}`);
      const args = [
        '-a',
        '127.0.0.1',
        '-p',
        String(port.client),
        '-m',
        String(port.monitor),
        '-n',
        `node${index}`,
        '--cluster_name',
        'synced-cache-test',
        '--cluster',
        `nats://127.0.0.1:${port.cluster}`,
        '--routes',
        routes,
        ...(options.jetstream ? ['-js', '-sd', dir] : []),
        ...configArgs(dir, 'nats.conf', options.config),
      ];
      const launch = launcher(
        binary,
        args,
        dir,
        port.client,
        `nats-server node${index} on port ${port.client}`,
      );
      const first = await firstLaunch(launch, dir);
      nodes.push(
        withLifecycle(
          { host: '127.0.0.1' as const, port: port.client, url: `nats://127.0.0.1:${port.client}` },
          'nats-server',
          first,
          dir,
          launch,
        ),
      );
    }
    await Promise.all(
      ports.map((port, index) =>
        waitUntil(
          `node${index} routed to ${count - 1} nodes`,
          async () => (await routeCount(port.monitor)) >= count - 1,
          15_000,
        ),
      ),
    );
  } catch (error) {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes,
    urls: nodes.map((node) => node.url),
    stop: async () => {
      await Promise.allSettled(nodes.map((node) => node.stop()));
    },
  };
}
