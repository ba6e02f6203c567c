import {
  completePublication,
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  noopLogger,
  type Store,
  type StorePublication,
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

/** A memory store that publishes each write's event on `bus` in the same step (like the Redis scripts). */
export function publishingStore(bus: MemoryBus, publishes = true) {
  const inner = new MemoryStore();
  const published: Array<{ channel: string; message: Uint8Array; version: number }> = [];
  const plainWrites = { set: 0, delete: 0 };
  const store = storeOver(inner, {
    set: (key, payload, options) => {
      plainWrites.set++;
      return inner.set(key, payload, options);
    },
    delete: (key) => {
      plainWrites.delete++;
      return inner.delete(key);
    },
    currentVersion: () => inner.currentVersion(),
    async setAndPublish(key, payload, options, publication: StorePublication) {
      const version = await inner.set(key, payload, options);
      const message = completePublication(publication, version, payload);
      published.push({ channel: publication.channel, message, version });
      bus.publish(publication.channel, message);
      return version;
    },
    async deleteAndPublish(key, publication) {
      const version = await inner.delete(key);
      const message = completePublication(publication, version);
      published.push({ channel: publication.channel, message, version });
      bus.publish(publication.channel, message);
      return version;
    },
    publishesTo: () => publishes,
  });
  return { store, published, plainWrites };
}

/**
 * A store in front of `inner` that can stall like a frozen server: while stalled, every call waits
 * and runs (in call order) once `wake()` is called, so a call can time out at the cache and still
 * happen afterwards.
 */
export function stallingStore(inner: Store): { store: Store; stall(): void; wake(): Promise<void> } {
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  let queue: Promise<unknown> = Promise.resolve();
  const held = <T>(call: () => Promise<T>): Promise<T> => {
    if (gate === undefined) return call();
    const waiting = gate;
    const result = queue.then(() => waiting).then(call);
    queue = result.catch(() => undefined);
    return result;
  };
  const store: Store = {} as Store;
  for (const name of [
    'get',
    'getMany',
    'set',
    'delete',
    'clear',
    'size',
    'currentVersion',
    'setAndPublish',
    'deleteAndPublish',
  ] as const) {
    const method = inner[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof method === 'function') {
      (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
        held(() => method.apply(inner, args));
    }
  }
  if (typeof inner.publishesTo === 'function') store.publishesTo = inner.publishesTo.bind(inner);
  store.close = async () => {};
  return {
    store,
    stall() {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    async wake() {
      gate = undefined;
      open();
      await queue;
    },
  };
}

/** A promise that stays pending until the returned function is called: holds a fake call open. */
export function latch(): [Promise<void>, () => void] {
  let open: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return [closed, open];
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
    // Tests provoke failures on purpose: keep their output readable (tests of logging pass a logger).
    pods.push(
      await createCache<V>({
        store,
        synchronizer,
        podId: `pod-${i}`,
        heartbeatMs: 0,
        logger: noopLogger,
        ...options,
      }),
    );
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
