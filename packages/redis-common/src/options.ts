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
/**
 * Keys per batch write script call (`setMany` / `deleteMany`; larger batches are split into calls
 * sent together), so one call never holds the server for long.
 */
export const WRITE_BATCH_SIZE = 128;
/** Keys per read-script call in `getMany`. */
export const READ_BATCH_SIZE = 512;
/** Client-side bound on every command, in ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** Base channel name (the Go library's `InvalidationChannel`). Core appends `:<namespace>`. */
export const DEFAULT_CHANNEL = 'cache:invalidate';
/**
 * The clock key of standalone and Sentinel stores: every write script advances it to the version
 * it assigns, so `GET` of it is the highest version assigned so far. It contains no `:`, so it
 * never starts with a namespace prefix (`<escaped-namespace>:`) and no `clear` touches it.
 */
export const DEFAULT_CLOCK_KEY = 'synced-cache.clock';

/**
 * Validates a clock key option: a non-empty string without `:` (so no namespace prefix can cover
 * it), or `false` for none.
 *
 * @throws InvalidConfigError naming the option and the value.
 */
export function clockKeyOption(value: unknown): string | undefined {
  if (value === undefined) return DEFAULT_CLOCK_KEY;
  if (value === false) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.includes(':')) {
    throw new InvalidConfigError('clockKey', value, "a non-empty string without ':' (or false)");
  }
  return value;
}

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

/** Default of the adapters' `healthCheckIntervalMs`. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 1000;

/**
 * Validates `healthCheckIntervalMs` (store and synchronizer): a positive integer number of
 * milliseconds, `0` for no check, {@link DEFAULT_HEALTH_CHECK_INTERVAL_MS} when not given.
 *
 * @throws InvalidConfigError naming the option and the value.
 */
export function healthCheckInterval(value: unknown): number {
  return value === 0 ? 0 : positiveInteger('healthCheckIntervalMs', value, DEFAULT_HEALTH_CHECK_INTERVAL_MS);
}
