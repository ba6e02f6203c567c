/**
 * What every lesson shares: where Redis is, and a bounded wait for something to propagate (a
 * lesson never sleeps for a fixed time and hopes).
 */

/** The Redis URL a lesson connects to: its first argument, else `REDIS_URL`, else the local default. */
export function redisUrl(): string {
  return process.argv[2] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * Resolves once `check()` returns true, polling every 2 ms.
 *
 * @throws Error naming `what` when it is still false after `timeoutMs`.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
