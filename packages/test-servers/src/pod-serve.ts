import {
  type ChildCloseResult,
  POD_ENV,
  type PodCacheOptions,
  type PodCallError,
  type PodNotice,
  type PodReply,
  type PodRequest,
  type PodSetup,
  type ReadAllResult,
} from './pod-protocol.js';

/**
 * The cache surface a pod serves, typed structurally so this package needs no dependency on core
 * or an adapter (they dev-depend on it). A `SyncedCache` fits.
 */
export interface ServableCache {
  get(key: string): Promise<unknown>;
  peek(key: string): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: the cache's value type is the pod's business
  set(key: string, value: any): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  setWithInvalidate(key: string, value: any): Promise<void>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
  stats(): object;
  close(): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: listeners of the cache's typed events
  on(name: 'status' | 'resync' | 'error', listener: (...args: any[]) => void): () => void;
}

/**
 * Reads a pod's configuration from the environment {@link startPodProcess} set: the URL and the
 * cache options to pass to the adapter's factory. A store reader gets an `onSetLocalCache` that
 * keeps nothing locally, so each `get` reads the store through the library's own read path.
 *
 * @throws Error when the pod was not started by {@link startPodProcess}.
 */
export function podSetup(env: NodeJS.ProcessEnv = process.env): PodSetup {
  const url = env[POD_ENV.url];
  const json = env[POD_ENV.options];
  if (url === undefined || json === undefined) {
    throw new Error(
      `${POD_ENV.url} / ${POD_ENV.options} are not set: start this script with startPodProcess()`,
    );
  }
  const options = JSON.parse(json) as PodCacheOptions;
  if (env[POD_ENV.role] === 'store-reader') options.onSetLocalCache = () => undefined;
  return { url, options };
}

function describeError(error: unknown): PodCallError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? { name: error.name, code, message: error.message }
      : { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

function send(message: PodReply | PodNotice, then?: () => void): void {
  if (process.send === undefined || !process.connected) return;
  process.send(message, undefined, {}, () => then?.());
}

/**
 * Serves `cache` to the parent over IPC (the child side of {@link startPodProcess}): answers the
 * {@link PodRequest}s, forwards `status` and `resync` events, and on `close` closes the cache,
 * replies with how long that took and what it left open, and disconnects, without calling
 * `process.exit`: the process ends only if the cache released everything it held, which is what
 * the parent measures.
 *
 * @example
 * ```ts
 * const { url, options } = podSetup();
 * servePod(await createIoredisCache<string>(url, options));
 * ```
 * @throws Error when the process has no IPC channel.
 */
export function servePod(cache: ServableCache): void {
  if (process.send === undefined) throw new Error('servePod() needs an IPC channel (fork the pod)');
  /** Reads in progress, so an error the cache reports for a key marks that key as failed. */
  const reads = new Set<{ keys: Map<string, number>; failed: boolean[] }>();
  const unsubscribe = [
    cache.on('status', (status: string) => send({ notice: 'status', status })),
    cache.on('resync', (reason: string) => send({ notice: 'resync', reason })),
    cache.on('error', (_error: unknown, info?: { key?: string }) => {
      const key = info?.key;
      if (key === undefined) return;
      for (const read of reads) {
        const index = read.keys.get(key);
        if (index !== undefined) read.failed[index] = true;
      }
    }),
  ];

  const getAll = async (keys: string[]): Promise<ReadAllResult> => {
    const read = { keys: new Map(keys.map((key, index) => [key, index])), failed: keys.map(() => false) };
    reads.add(read);
    try {
      const values = await Promise.all(
        keys.map((key, index) =>
          cache.get(key).then(
            (value) => value ?? null,
            () => {
              read.failed[index] = true;
              return null;
            },
          ),
        ),
      );
      return { values, failed: read.failed };
    } finally {
      reads.delete(read);
    }
  };

  const close = async (): Promise<ChildCloseResult> => {
    const started = performance.now();
    for (const stop of unsubscribe) stop();
    await cache.close();
    const closeMs = performance.now() - started;
    // Let close's own callbacks (socket 'close' events) run before looking at what is left.
    await new Promise((resolve) => setImmediate(resolve));
    const activeResources = process
      .getActiveResourcesInfo()
      .filter((name) => name !== 'PipeWrap' && name !== 'Immediate');
    return { closeMs, activeResources };
  };

  const handle = async (request: PodRequest): Promise<unknown> => {
    switch (request.op) {
      case 'get':
        return (await cache.get(request.key)) ?? null;
      case 'peek':
        return cache.peek(request.key) ?? null;
      case 'getAll':
        return getAll(request.keys);
      case 'peekAll':
        return request.keys.map((key) => cache.peek(key) ?? null);
      case 'set':
        return cache.set(request.key, request.value);
      case 'setWithInvalidate':
        return cache.setWithInvalidate(request.key, request.value);
      case 'delete':
        return cache.delete(request.key);
      case 'clear':
        return cache.clear();
      case 'stats':
        return cache.stats();
      case 'ping':
        return process.pid;
      case 'close':
        return close();
    }
  };

  process.on('message', (request: PodRequest) => {
    handle(request).then(
      (result) => {
        if (request.op === 'close') {
          send({ id: request.id, ok: true, result }, () => process.disconnect());
        } else {
          send({ id: request.id, ok: true, result: result ?? null });
        }
      },
      (error: unknown) => {
        send({ id: request.id, ok: false, error: describeError(error) }, () => {
          if (request.op === 'close') process.disconnect();
        });
      },
    );
  });
  send({ notice: 'ready', pid: process.pid });
}
