import { connect, createServer, type Server, type Socket } from 'node:net';

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where connections are forwarded. */
  target: { host: string; port: number };
}

/**
 * Which live connections a fault applies to: every one, only Redis subscriber connections (those
 * that sent `SUBSCRIBE`, `SSUBSCRIBE` or `PSUBSCRIBE`), or only the others.
 */
export type ConnectionSelector = 'all' | 'subscribers' | 'commands';

/** Options of {@link FaultProxy.delay}. */
export interface DelayOptions {
  /**
   * Up to this many ms are added to each chunk's delay at random; a chunk is never due before the
   * one ahead of it in the same direction, so delivery order is kept. @default 0
   */
  jitterMs?: number;
  /** The random source for the jitter (a seeded one makes a run reproducible). @default Math.random */
  random?: () => number;
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
  /**
   * Destroys the selected live connections (both sides see a reset); new connections are still
   * accepted. @param only which connections (default `'all'`)
   */
  cut(only?: ConnectionSelector): void;
  /**
   * A partition: connections are accepted but nothing is forwarded in either direction. Bytes are
   * held (not dropped, as TCP would retransmit them) and flow again after `heal()`.
   */
  blackhole(): void;
  /**
   * Delays every chunk by `ms` (plus up to `jitterMs` at random) in both directions; order is kept.
   */
  delay(ms: number, options?: DelayOptions): void;
  /**
   * Server unreachable: every live connection is reset and new ones are reset at once, so clients
   * stay disconnected (reconnecting) until `heal()`.
   */
  refuse(): void;
  /**
   * The selected connections open now go silent, as when their server stalled: their bytes are held
   * until `heal()`; new connections are forwarded as usual (a reconnect reaches the server).
   * @param only which connections (default `'all'`)
   */
  freeze(only?: ConnectionSelector): void;
  /**
   * The selected connections open now are abandoned for good, as when the peer vanished without a
   * reset (a host that died, a NAT entry that expired): the server side is closed, the client side
   * stays open and silent, whatever it sends is discarded, and `heal()` does not revive them. Only
   * a client that checks its connections (PING with a deadline) notices. New connections are
   * forwarded as usual.
   * @param only which connections (default `'all'`)
   */
  vanish(only?: ConnectionSelector): void;
  /**
   * The local ports of the proxy's live upstream connections (what the server lists as `addr` in
   * `CLIENT LIST`), so server-side connections can be attributed to this proxy's client.
   * @param only which connections (default `'all'`)
   */
  upstreamPorts(only?: ConnectionSelector): number[];
  /** Ends blackhole, delay, refuse and freeze (a vanished connection stays gone). */
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
  /** The due time of the last chunk queued per direction (a later chunk is never due earlier). */
  lastDueUpstream: number;
  lastDueClient: number;
  timer: NodeJS.Timeout | undefined;
  /** Held by `freeze()`. */
  frozen: boolean;
  /** Abandoned by `vanish()`: upstream closed, client kept open and silent. */
  vanished: boolean;
  /** The client sent a subscribe command on this connection. */
  subscriber: boolean;
  /** The end of the previous client chunk, so a command split across chunks is still seen. */
  tail: string;
}

/** A RESP bulk string naming a subscribe command: `$9\r\nSUBSCRIBE\r\n`, `$10\r\nSSUBSCRIBE\r\n`… */
const SUBSCRIBE_COMMAND = /\$(?:9\r\nSUBSCRIBE|10\r\n[SP]SUBSCRIBE)\r\n/i;

function selects(only: ConnectionSelector, pipe: Pipe): boolean {
  if (only === 'all') return true;
  return only === 'subscribers' ? pipe.subscriber : !pipe.subscriber;
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
  let jitterMs = 0;
  let random: () => number = Math.random;

  const dueTime = (pipe: Pipe, direction: 'upstream' | 'client'): number => {
    let due = Date.now() + delayMs;
    if (jitterMs > 0) due += Math.floor(random() * (jitterMs + 1));
    // Never due before the chunk ahead of it: the stream stays in order, as TCP's would.
    if (direction === 'upstream') {
      due = Math.max(due, pipe.lastDueUpstream);
      pipe.lastDueUpstream = due;
    } else {
      due = Math.max(due, pipe.lastDueClient);
      pipe.lastDueClient = due;
    }
    return due;
  };

  const flush = (pipe: Pipe) => {
    if (pipe.timer !== undefined) {
      clearTimeout(pipe.timer);
      pipe.timer = undefined;
    }
    if (blackholed || pipe.frozen || pipe.vanished) return;
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

  /** The upstream side closed: a vanished pipe keeps its client open (silent); others go away. */
  const upstreamGone = (pipe: Pipe) => {
    if (pipe.vanished) return;
    destroyPipe(pipe);
  };

  const stopTimer = (pipe: Pipe) => {
    if (pipe.timer !== undefined) {
      clearTimeout(pipe.timer);
      pipe.timer = undefined;
    }
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
      lastDueUpstream: 0,
      lastDueClient: 0,
      timer: undefined,
      frozen: false,
      vanished: false,
      subscriber: false,
      tail: '',
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
      if (pipe.vanished) return;
      if (!pipe.subscriber) {
        const text = pipe.tail + chunk.toString('latin1');
        if (SUBSCRIBE_COMMAND.test(text)) pipe.subscriber = true;
        pipe.tail = text.slice(-16);
      }
      pipe.toUpstream.push({ chunk, due: dueTime(pipe, 'upstream') });
      flush(pipe);
    });
    upstream.on('data', (chunk) => {
      if (pipe.vanished) return;
      pipe.toClient.push({ chunk, due: dueTime(pipe, 'client') });
      flush(pipe);
    });
    client.on('error', () => destroyPipe(pipe));
    upstream.on('error', () => upstreamGone(pipe));
    client.on('close', () => destroyPipe(pipe));
    upstream.on('close', () => upstreamGone(pipe));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no port');
  const { port } = address;
  let closed = false;
  const cut = (only: ConnectionSelector = 'all') => {
    for (const pipe of [...pipes]) {
      if (!selects(only, pipe)) continue;
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
    freeze(only: ConnectionSelector = 'all') {
      for (const pipe of pipes) {
        if (!selects(only, pipe)) continue;
        pipe.frozen = true;
        stopTimer(pipe);
      }
    },
    vanish(only: ConnectionSelector = 'all') {
      for (const pipe of pipes) {
        if (!selects(only, pipe) || pipe.vanished) continue;
        pipe.vanished = true;
        stopTimer(pipe);
        pipe.toUpstream.length = 0;
        pipe.toClient.length = 0;
        pipe.upstream?.destroy();
      }
    },
    upstreamPorts(only: ConnectionSelector = 'all') {
      const ports: number[] = [];
      for (const pipe of pipes) {
        const port = pipe.upstream?.localPort;
        if (!pipe.vanished && port !== undefined && selects(only, pipe)) ports.push(port);
      }
      return ports;
    },
    blackhole() {
      blackholed = true;
      for (const pipe of pipes) stopTimer(pipe);
    },
    delay(ms: number, options: DelayOptions = {}) {
      delayMs = Math.max(0, ms);
      jitterMs = Math.max(0, options.jitterMs ?? 0);
      random = options.random ?? Math.random;
    },
    heal() {
      blackholed = false;
      refusing = false;
      delayMs = 0;
      jitterMs = 0;
      for (const pipe of pipes) {
        if (pipe.vanished) continue;
        pipe.frozen = false;
        pipe.lastDueUpstream = 0;
        pipe.lastDueClient = 0;
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
