import { Burst } from '@synced-cache/redis-common';

/**
 * Coalesces the socket writes of the commands one tick sends into one write, from the tick's
 * second command on.
 *
 * ioredis writes each command to its socket as it is called, so 64 concurrent gets cost 64 write
 * system calls where node-redis makes one; that made 64 remote gets in flight cost 1.4x the raw
 * client's time per get in the adapter. ioredis's `enableAutoPipelining` batches them too, but
 * builds a pipeline object per tick and waits for `setImmediate`, which added about 20 µs to
 * every one-at-a-time call on a loaded machine. Corking the socket until `process.nextTick`
 * (Node's own idiom for this) keeps the order of every command on the connection and adds no
 * macrotask hop.
 *
 * The first command of a burst ({@link Burst}) is written at once, uncorked: a lone call (one get
 * at a time) pays no cork, no buffered write and no uncork, which cost it 3–5 % of a remote get's
 * time against raw `GET` (interleaved, quiet machine); a burst costs two writes per tick instead
 * of one. Once the socket is corked, every command until the end of the tick joins the cork.
 *
 * @internal
 */
export class WriteCoalescer {
  /** Tells a burst's first command (written at once) from the later ones (they cork). */
  private readonly burst = new Burst();
  private corked: Corkable | undefined = undefined;
  private readonly endOfTick = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  /**
   * Called before a command is sent on `socket` (a client's current `stream`; nothing on a
   * Cluster, which has none): holds the writes to it until the end of this tick, unless this is
   * the first command of a burst.
   */
  hold(socket: unknown): void {
    if (this.corked !== undefined) return;
    if (this.burst.first()) return;
    const stream = socket as Corkable | undefined;
    if (stream === undefined || stream === null || typeof stream.cork !== 'function') return;
    stream.cork();
    process.nextTick(this.endOfTick);
    // The stream is captured: after a reconnect the client has another one, and the old one is
    // still uncorked exactly once.
    this.corked = stream;
  }
}

/** The part of a Node.js writable stream {@link WriteCoalescer} uses. */
interface Corkable {
  cork(): void;
  uncork(): void;
}
