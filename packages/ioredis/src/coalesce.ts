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
 * The tick's first command is written at once, uncorked: a lone call (one get at a time) pays no
 * cork, no buffered write and no uncork, which cost it 3–5 % of a remote get's time against raw
 * `GET` (interleaved, quiet machine); a burst costs two writes per tick instead of one.
 *
 * @internal
 */
export class WriteCoalescer {
  /** A command was sent in this tick: the next one corks. */
  private sentThisTick = false;
  private corked: Corkable | undefined = undefined;
  private readonly endOfTick = (): void => {
    this.sentThisTick = false;
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  /**
   * Called before a command is sent on `socket` (a client's current `stream`; nothing on a
   * Cluster, which has none): holds the writes to it until the end of this tick, unless this is
   * the tick's first command.
   */
  hold(socket: unknown): void {
    if (this.corked !== undefined) return;
    if (!this.sentThisTick) {
      this.sentThisTick = true;
      process.nextTick(this.endOfTick);
      return;
    }
    const stream = socket as Corkable | undefined;
    if (stream === undefined || stream === null || typeof stream.cork !== 'function') return;
    stream.cork();
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
