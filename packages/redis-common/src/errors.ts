import { StoreError, SyncedCacheError, SynchronizerError, TimeoutError } from '@synced-cache/core';

/**
 * Mapping of client errors to core's error family.
 *
 * @packageDocumentation
 */

/** Context of a failed call. */
export interface FailureContext {
  /** The operation: `'get'`, `'set'`, `'publish'`, … */
  action: string;
  /** The key, when there was one. */
  key?: string | undefined;
  /** The client's command timeout, reported in `TimeoutError.timeoutMs`. */
  timeoutMs?: number | undefined;
}

/** True when `error` is a client-side command timeout (ioredis `commandTimeout`, node-redis `TimeoutError`). */
export function isClientTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // node-redis' TimeoutError keeps Error's `name` and has no message: its class tells.
  return (
    error.name === 'TimeoutError' ||
    error.constructor?.name === 'TimeoutError' ||
    /command timed out|timeout/i.test(error.message)
  );
}

function message(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message === '' ? (error.constructor?.name ?? error.name) : error.message;
}

/**
 * Wraps a client error as `TimeoutError` (client-side command timeout) or `StoreError`; errors
 * that already belong to the family pass through unchanged.
 */
export function toStoreError(error: unknown, context: FailureContext): SyncedCacheError {
  if (SyncedCacheError.isInstance(error)) return error;
  if (context.timeoutMs !== undefined && isClientTimeout(error)) {
    return new TimeoutError(context.timeoutMs, { action: context.action, key: context.key, cause: error });
  }
  return new StoreError(`redis ${context.action} failed: ${message(error)}`, {
    action: context.action,
    key: context.key,
    cause: error,
  });
}

/**
 * Wraps a client error as `TimeoutError` (client-side command timeout) or `SynchronizerError`;
 * errors that already belong to the family pass through unchanged.
 */
export function toSynchronizerError(error: unknown, context: FailureContext): SyncedCacheError {
  if (SyncedCacheError.isInstance(error)) return error;
  if (context.timeoutMs !== undefined && isClientTimeout(error)) {
    return new TimeoutError(context.timeoutMs, { action: context.action, cause: error });
  }
  return new SynchronizerError(`redis ${context.action} failed: ${message(error)}`, {
    action: context.action,
    cause: error,
  });
}
