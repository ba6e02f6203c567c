import type { StoreBatchResult } from '@synced-cache/core';
import { toStoreError } from './errors.js';
import { parseVersion } from './replies.js';

/**
 * One write of a batch as a `StoreBatchResult`: the version in `reply` (a write script's integer
 * reply), or the typed error of `error` (that write's own failure, or its whole pipeline's).
 */
export function batchResult(
  error: unknown,
  reply: unknown,
  action: 'set' | 'delete',
  key: string,
  timeoutMs: number | undefined,
): StoreBatchResult {
  if (error !== null && error !== undefined) {
    return { status: 'rejected', reason: toStoreError(error, { action, key, timeoutMs }) };
  }
  try {
    return { status: 'fulfilled', value: parseVersion(reply, action, key) };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/**
 * The outcomes of one batch write script call (`SET_MANY_SCRIPT` and its twins) for `keys`, in
 * order: a version per written key, the key's own error for a key the script skipped, and for
 * every key the error of a call that failed as a whole (`error`) or answered something else.
 */
export function batchScriptResults(
  error: unknown,
  reply: unknown,
  action: 'set' | 'delete',
  keys: readonly string[],
  timeoutMs: number | undefined,
): StoreBatchResult[] {
  const results = new Array<StoreBatchResult>(keys.length);
  const slots = error === null || error === undefined ? reply : undefined;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (!Array.isArray(slots) || slots.length !== keys.length) {
      const failure = error ?? new Error(`unexpected batch reply ${typeof reply}`);
      results[index] = batchResult(failure, undefined, action, key, timeoutMs);
      continue;
    }
    const slot: unknown = slots[index];
    results[index] =
      typeof slot === 'string' || Buffer.isBuffer(slot)
        ? batchResult(new Error(String(slot)), undefined, action, key, timeoutMs)
        : batchResult(undefined, slot, action, key, timeoutMs);
  }
  return results;
}
