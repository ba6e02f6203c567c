/**
 * Coalesces the socket writes of the commands one tick sends into one write.
 *
 * ioredis writes each command to its socket as it is called, so 64 concurrent gets cost 64 write
 * system calls where node-redis makes one; that made 64 remote gets in flight cost 1.4x the raw
 * client's time per get in the adapter. ioredis's `enableAutoPipelining` batches them too, but
 * builds a pipeline object per tick and waits for `setImmediate`, which added about 20 µs to
 * every one-at-a-time call on a loaded machine. Corking the socket until `process.nextTick`
 * (Node's own idiom for this) keeps the order of every command on the connection, adds no
 * macrotask hop, and costs one cork/uncork pair per tick.
 *
 * @internal
 */
export class WriteCoalescer {
  private corked: Corkable | undefined = undefined;
  private readonly uncork = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  /**
   * Holds the writes to `socket` (a client's current `stream`; nothing on a Cluster, which has
   * none) until the end of this tick.
   */
  hold(socket: unknown): void {
    if (this.corked !== undefined) return;
    const stream = socket as Corkable | undefined;
    if (stream === undefined || stream === null || typeof stream.cork !== 'function') return;
    stream.cork();
    // The stream is captured: after a reconnect the client has another one, and the old one is
    // still uncorked exactly once.
    this.corked = stream;
    process.nextTick(this.uncork);
  }
}

/** The part of a Node.js writable stream {@link WriteCoalescer} uses. */
interface Corkable {
  cork(): void;
  uncork(): void;
}
