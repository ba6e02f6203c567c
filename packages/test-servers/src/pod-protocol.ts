/**
 * The RPC protocol between a test and a pod process (a cache in a child process), over Node's IPC
 * channel with `serialization: 'advanced'`. {@link startPodProcess} speaks the parent side,
 * {@link servePod} the child side. Absent values travel as `null`.
 */

/** What a pod can be asked to do. */
export type PodRequest =
  | { id: number; op: 'get' | 'peek' | 'delete'; key: string }
  | { id: number; op: 'set' | 'setWithInvalidate'; key: string; value: unknown }
  | { id: number; op: 'getAll' | 'peekAll'; keys: string[] }
  | { id: number; op: 'clear' | 'stats' | 'close' | 'ping' };

/** A {@link PodRequest} before the driver numbers it. */
export type PodCall = PodRequest extends infer Request
  ? Request extends PodRequest
    ? Omit<Request, 'id'>
    : never
  : never;

/** The operation names of {@link PodRequest}. */
export type PodOperation = PodRequest['op'];

/** A failed call, as the child saw it. */
export interface PodCallError {
  name: string;
  /** The `code` of a `SyncedCacheError` (`TIMEOUT`, `STORE`…), when there was one. */
  code?: string;
  message: string;
}

/** The answer to one {@link PodRequest}. */
export type PodReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: PodCallError };

/** Unsolicited messages from a pod. */
export type PodNotice =
  | { notice: 'ready'; pid: number }
  | { notice: 'status'; status: string }
  | { notice: 'resync'; reason: string };

/**
 * The result of `getAll`: the value per key (`null` when absent) and whether reading that key
 * failed (the `get` rejected, or the cache reported an error for the key while it ran; reads fail
 * open, so a failed read looks like a miss and must not be taken for the store's answer).
 */
export interface ReadAllResult {
  values: unknown[];
  failed: boolean[];
}

/** The result of `close`: how long `cache.close()` took inside the child, and what it left open. */
export interface ChildCloseResult {
  closeMs: number;
  /**
   * `process.getActiveResourcesInfo()` after `close()` resolved, without the IPC channel: what
   * could keep the process alive (sockets, timers).
   */
  activeResources: string[];
}

/** How a pod process learns its configuration (environment variables, set by the parent). */
export const POD_ENV = {
  /** The Redis URL the pod connects to. */
  url: 'SYNCED_CACHE_POD_URL',
  /** JSON of {@link PodSetup.options} without `onSetLocalCache`. */
  options: 'SYNCED_CACHE_POD_OPTIONS',
  /** `'store-reader'` for a pod that caches nothing locally (its `get` always reads the store). */
  role: 'SYNCED_CACHE_POD_ROLE',
} as const;

/** What a pod's cache is made of. */
export interface PodSetup {
  url: string;
  options: PodCacheOptions;
}

/** The cache options a pod passes to its adapter's factory (a subset of the core options). */
export interface PodCacheOptions {
  namespace: string;
  podId: string;
  timeoutMs?: number;
  heartbeatMs?: number;
  localTtlMs?: number;
  ttlMs?: number;
  /** Adapter options (plain data), passed as the factories' `redis` option. */
  redis?: Record<string, string | number | boolean>;
  /** Set for a store reader: nothing is kept in the local tier. */
  onSetLocalCache?: () => undefined;
}
