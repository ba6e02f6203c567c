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
