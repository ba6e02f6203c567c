import { InvalidConfigError } from '@synced-cache/core';

// Captured at load so waitForSync keeps working while a test has fake timers installed
// (vi.useFakeTimers replaces the globals; polling must still advance in real time).
const realSetTimeout = globalThis.setTimeout;
const realPerformance = globalThis.performance;
const realNow = (): number => realPerformance.now();

/** Options of {@link waitForSync}. */
export interface WaitForSyncOptions {
  /** Give up after this many milliseconds. @default 5000 */
  timeoutMs?: number;
  /** Pause between two checks, in milliseconds. @default 2 */
  intervalMs?: number;
  /** Describes what is awaited; included in the timeout error. @default 'condition' */
  message?: string;
}

/**
 * Polls `condition` until it returns (or resolves to) `true`. Use it instead of sleeping while
 * waiting for an event to propagate between pods: it returns as soon as the state is reached and
 * fails with a clear message when it never is.
 *
 * A condition that throws counts as "not yet"; the last error is attached as `cause` (and quoted in
 * the message) when the wait times out. Polling uses the real clock even while a test has fake
 * timers installed.
 *
 * @param condition - checked once immediately, then every `intervalMs`; never called concurrently
 * @throws Error when `timeoutMs` passes first; the message includes `message` and the elapsed time
 * @throws InvalidConfigError when `timeoutMs` or `intervalMs` is not a finite number ≥ 0
 * @example
 * ```ts
 * await pods[0].set('user:1', { name: 'Ada' });
 * await waitForSync(() => pods[1].peek('user:1') !== undefined, { message: 'user:1 reached pod 1' });
 * ```
 */
export async function waitForSync(
  condition: () => boolean | Promise<boolean>,
  options: WaitForSyncOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 2;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new InvalidConfigError('timeoutMs', options.timeoutMs, 'a finite number of milliseconds ≥ 0');
  }
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new InvalidConfigError('intervalMs', options.intervalMs, 'a finite number of milliseconds ≥ 0');
  }
  const message = options.message ?? 'condition';
  const start = realNow();
  let lastError: unknown;
  let hasError = false;
  for (;;) {
    try {
      if ((await condition()) === true) return;
      hasError = false;
    } catch (error) {
      lastError = error;
      hasError = true;
    }
    const elapsed = realNow() - start;
    if (elapsed >= timeoutMs) {
      const reason = hasError ? `; last error: ${errorText(lastError)}` : '';
      throw new Error(
        `waitForSync timed out after ${Math.round(elapsed)} ms (timeoutMs ${timeoutMs}): ${message}${reason}`,
        hasError ? { cause: lastError } : undefined,
      );
    }
    await new Promise<void>((resolve) => {
      realSetTimeout(resolve, Math.min(intervalMs, Math.max(0, timeoutMs - elapsed)));
    });
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
