/**
 * A TCP relay between one demo pod and its NATS server, so the story can cut that pod's bus link
 * on any NATS server without admin rights: the pod connects to the relay, the relay to the server.
 * `cut()` drops every relayed connection and refuses new ones until `heal()` — to the pod it is a
 * network partition of its bus link (its store connection to Redis is untouched).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class LinkRelay {
  private readonly sockets = new Set<Socket>();
  private cutting = false;
  private drops = 0;
  /** Why the last connection to the server failed, if one did (the pod's client sees only a close). */
  upstreamError: Error | undefined;

  private constructor(
    private readonly server: Server,
    /** The loopback port the pod connects to. */
    readonly port: number,
  ) {}

  /** Listens on a free loopback port and relays every connection to `host:port`. */
  static async start(host: string, port: number): Promise<LinkRelay> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('relay: no TCP address');
    const relay = new LinkRelay(server, address.port);
    server.on('connection', (client) => relay.accept(client, host, port));
    return relay;
  }

  /** Drops every relayed connection and refuses new ones until {@link LinkRelay.heal}; returns how many it dropped. */
  cut(): number {
    this.cutting = true;
    const count = this.sockets.size / 2;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.drops += count;
    return count;
  }

  /** Lets connections through again. */
  heal(): void {
    this.cutting = false;
  }

  /** Connections dropped so far (including reconnect attempts refused while cut). */
  get dropped(): number {
    return this.drops;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.cutting) {
      this.drops++;
      client.destroy();
      return;
    }
    const upstream = createConnection({ host, port });
    upstream.once('error', (error) => {
      this.upstreamError = error;
    });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.pipe(other);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        other.destroy();
      });
    }
  }
}
