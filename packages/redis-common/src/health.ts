/**
 * The connection health check both adapters run on connections they own.
 *
 * @packageDocumentation
 */

/**
 * PINGs the connection `current()` returns every `intervalMs` (skipped while it returns
 * `undefined`, e.g. while the connection is not ready); when an answer takes longer than
 * `timeoutMs`, calls `onDead` with that connection (once per failed check). A connection whose
 * peer vanished without a TCP reset (a crashed or frozen host, a partition) otherwise looks alive
 * until the kernel gives up on it, which takes many minutes. Client-agnostic: `ping` sends the
 * PING with whatever client the connection is. Returns the function that stops the checks.
 *
 * @example
 * ```ts
 * const stop = watchConnection(
 *   () => (client.isReady ? client : undefined),
 *   (connection) => connection.ping(),
 *   5000,
 *   1000,
 *   (connection) => replace(connection),
 * );
 * ```
 */
export function watchConnection<C>(
  current: () => C | undefined,
  ping: (connection: C) => Promise<unknown>,
  intervalMs: number,
  timeoutMs: number,
  onDead: (connection: C, error: Error) => void,
): () => void {
  let checking = false;
  const interval = setInterval(() => {
    const connection = current();
    if (checking || connection === undefined) return;
    checking = true;
    let timer: NodeJS.Timeout | undefined;
    Promise.race([
      ping(connection),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          // After a stalled event loop (a long GC pause) the answer may already wait in the
          // socket, and timers run before I/O: let I/O run first, so a stall is not a dead peer.
          setImmediate(() => reject(new Error(`no PING answer within ${timeoutMs} ms`)));
        }, timeoutMs);
      }),
    ])
      .catch((error: unknown) => {
        onDead(connection, error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        clearTimeout(timer);
        checking = false;
      });
  }, intervalMs);
  interval.unref();
  return () => clearInterval(interval);
}
