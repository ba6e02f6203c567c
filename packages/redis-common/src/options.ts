import { InvalidConfigError } from '@synced-cache/core';

/**
 * Defaults and validation shared by both adapters.
 *
 * @packageDocumentation
 */

/** How long a tombstone (deleted or cleared key) keeps its version. */
export const DEFAULT_TOMBSTONE_TTL_MS = 60_000;
/** SCAN COUNT per `clear` / `size` step. */
export const DEFAULT_SCAN_COUNT = 1000;
/** Keys per read-script call in `getMany`. */
export const READ_BATCH_SIZE = 512;
/** Client-side bound on every command, in ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** Base channel name (the seed's `InvalidationChannel`). Core appends `:<namespace>`. */
export const DEFAULT_CHANNEL = 'cache:invalidate';
/**
 * Margin (µs) added to the server clock by `currentVersion()`: versions run ahead of the clock
 * only when a key is written twice within one microsecond or the server clock steps back, so one
 * second covers every realistic case.
 */
export const CURRENT_VERSION_MARGIN_US = 1_000_000;

/**
 * Validates a positive integer option (milliseconds or counts).
 *
 * @throws InvalidConfigError naming the option and the value.
 */
export function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidConfigError(option, value, 'a positive integer');
  }
  return value;
}

/**
 * The TTL argument the scripts take: a decimal string of whole milliseconds, `'0'` for none.
 * Fractions round up so a tiny TTL never means "no TTL".
 *
 * @throws InvalidConfigError when `ttlMs` is negative, not finite or not a number.
 */
export function ttlArgument(ttlMs: number | undefined): string {
  if (ttlMs === undefined || ttlMs === 0) return '0';
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidConfigError('ttlMs', ttlMs, 'a non-negative finite number of milliseconds');
  }
  return String(Math.ceil(ttlMs));
}
