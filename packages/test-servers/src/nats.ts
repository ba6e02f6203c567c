import { connect } from 'node:net';
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
    ...(options.args ?? []),
  ];
  const launch = async (): Promise<ServerProcess> => {
    const server = spawnServer(binary, args, dir);
    try {
      await waitUntil(`nats-server on port ${port}`, () => greets(port), 10_000, server);
    } catch (error) {
      await killProcess(server);
      throw error;
    }
    return server;
  };
  let current: ServerProcess;
  try {
    current = await launch();
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  return withLifecycle(
    { host: '127.0.0.1' as const, port, url: `nats://127.0.0.1:${port}` },
    'nats-server',
    current,
    dir,
    launch,
  );
}
