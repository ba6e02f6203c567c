import {
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type Store,
  type SyncedCache,
  type SyncedCacheOptions,
} from '../src/index.js';

/**
 * A store that reads and writes `inner` (get, getMany, set, delete, clear, size; close does
 * nothing), with `overrides` in their place: for tests that slow, count or script some calls.
 */
export function storeOver(inner: Store, overrides: Partial<Store> = {}): Store {
  return {
    get: (key) => inner.get(key),
    getMany: (keys) => inner.getMany(keys),
    set: (key, payload, options) => inner.set(key, payload, options),
    delete: (key) => inner.delete(key),
    clear: (prefix) => inner.clear(prefix),
    size: (prefix) => inner.size(prefix),
    close: async () => {},
    ...overrides,
  };
}

/** Polls `condition` until true; fails with `message` after `timeoutMs`. No fixed sleeps. */
export async function until(
  condition: () => boolean,
  message = 'condition',
  timeoutMs = 3000,
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets every queued bus delivery run (the memory bus delivers on setImmediate). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface Pods<V> {
  pods: SyncedCache<V>[];
  store: MemoryStore;
  bus: MemoryBus;
  synchronizers: MemorySynchronizer[];
  close(): Promise<void>;
}

/** `n` pods in one process sharing one store and one bus, like separate processes on one Redis. */
export async function createPods<V = unknown>(
  n: number,
  options: SyncedCacheOptions<V> = {},
): Promise<Pods<V>> {
  const store = new MemoryStore();
  const bus = new MemoryBus();
  const synchronizers: MemorySynchronizer[] = [];
  const pods: SyncedCache<V>[] = [];
  for (let i = 0; i < n; i++) {
    const synchronizer = new MemorySynchronizer({ bus });
    synchronizers.push(synchronizer);
    pods.push(await createCache<V>({ store, synchronizer, podId: `pod-${i}`, heartbeatMs: 0, ...options }));
  }
  return {
    pods,
    store,
    bus,
    synchronizers,
    close: async () => {
      await Promise.all(pods.map((pod) => pod.close()));
    },
  };
}
