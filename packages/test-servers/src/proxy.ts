import { connect, createServer, type Server, type Socket } from 'node:net';

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where connections are forwarded. */
  target: { host: string; port: number };
}

/** A TCP proxy on a free loopback port that can inject faults between a client and a server. */
export interface FaultProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` — handy for Redis clients. */
  readonly url: string;
  /** Live proxied connections. */
  readonly connections: number;
  /** Connections accepted so far (refused ones included): tells a new connection from an old one. */
  readonly accepted: number;
  /** Destroys every live connection (both sides see a reset); new connections are still accepted. */
  cut(): void;
  /**
   * A partition: connections are accepted but nothing is forwarded in either direction. Bytes are
   * held (not dropped, as TCP would retransmit them) and flow again after `heal()`.
   */
  blackhole(): void;
  /** Delays every chunk by `ms` in both directions (order is kept). */
  delay(ms: number): void;
  /**
   * Server unreachable: every live connection is reset and new ones are reset at once, so clients
   * stay disconnected (reconnecting) until `heal()`.
   */
  refuse(): void;
  /**
   * The connections open now go silent for good, as when their server vanished without a reset:
   * their bytes are held until `heal()`; new connections are forwarded as usual (a reconnect
   * reaches the server).
   */
  freeze(): void;
  /** Ends blackhole, delay, refuse and freeze. */
  heal(): void;
  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  upstream: Socket | undefined;
  /** Chunks waiting for their due time or for a heal, per direction. */
  toUpstream: Array<{ chunk: Buffer; due: number }>;
  toClient: Array<{ chunk: Buffer; due: number }>;
  timer: NodeJS.Timeout | undefined;
  /** Held by `freeze()`. */
  frozen: boolean;
}

/**
 * Starts a fault-injection TCP proxy to `target` on a free loopback port.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target } = options;
  const pipes = new Set<Pipe>();
  let blackholed = false;
  let refusing = false;
  let delayMs = 0;
  let accepted = 0;

  const flush = (pipe: Pipe) => {
    if (pipe.timer !== undefined) {
      clearTimeout(pipe.timer);
      pipe.timer = undefined;
    }
    if (blackholed || pipe.frozen) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [queue, destination] of [
      [pipe.toUpstream, pipe.upstream],
      [pipe.toClient, pipe.client],
    ] as const) {
      if (destination === undefined) {
        if (queue.length > 0) next = Math.min(next, queue[0]!.due);
        continue;
      }
      while (queue.length > 0 && queue[0]!.due <= now) {
        const item = queue.shift()!;
        if (!destination.destroyed) destination.write(item.chunk);
      }
      if (queue.length > 0) next = Math.min(next, queue[0]!.due);
    }
    if (next !== Number.POSITIVE_INFINITY) {
      pipe.timer = setTimeout(() => flush(pipe), Math.max(0, next - now));
    }
  };

  const destroyPipe = (pipe: Pipe) => {
    if (pipe.timer !== undefined) clearTimeout(pipe.timer);
    pipe.client.destroy();
    pipe.upstream?.destroy();
    pipes.delete(pipe);
  };

  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const pipe: Pipe = {
      client,
      upstream: undefined,
      toUpstream: [],
      toClient: [],
      timer: undefined,
      frozen: false,
    };
    pipes.add(pipe);
    client.setNoDelay(true);
    const upstream = connect({ host: target.host, port: target.port });
    upstream.setNoDelay(true);
    upstream.on('connect', () => {
      pipe.upstream = upstream;
      flush(pipe);
    });
    client.on('data', (chunk) => {
      pipe.toUpstream.push({ chunk, due: Date.now() + delayMs });
      flush(pipe);
    });
    upstream.on('data', (chunk) => {
      pipe.toClient.push({ chunk, due: Date.now() + delayMs });
      flush(pipe);
    });
    client.on('error', () => destroyPipe(pipe));
    upstream.on('error', () => destroyPipe(pipe));
    client.on('close', () => destroyPipe(pipe));
    upstream.on('close', () => destroyPipe(pipe));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no port');
  const { port } = address;
  let closed = false;
  const cut = () => {
    for (const pipe of [...pipes]) {
      pipe.client.resetAndDestroy();
      pipe.upstream?.resetAndDestroy();
      destroyPipe(pipe);
    }
  };

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return pipes.size;
    },
    get accepted() {
      return accepted;
    },
    cut,
    refuse() {
      refusing = true;
      cut();
    },
    freeze() {
      for (const pipe of pipes) {
        pipe.frozen = true;
        if (pipe.timer !== undefined) {
          clearTimeout(pipe.timer);
          pipe.timer = undefined;
        }
      }
    },
    blackhole() {
      blackholed = true;
      for (const pipe of pipes) {
        if (pipe.timer !== undefined) {
          clearTimeout(pipe.timer);
          pipe.timer = undefined;
        }
      }
    },
    delay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    heal() {
      blackholed = false;
      refusing = false;
      delayMs = 0;
      for (const pipe of pipes) {
        pipe.frozen = false;
        for (const item of pipe.toUpstream) item.due = 0;
        for (const item of pipe.toClient) item.due = 0;
        flush(pipe);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const pipe of [...pipes]) destroyPipe(pipe);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
