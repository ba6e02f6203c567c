/**
 * One test per behaviour of the Go package's documentation (../shared/seed), on the embedded
 * store and synchronizer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Actions,
  CacheClosedError,
  consoleLogger,
  createCache,
  InvalidConfigError,
  jsonMarshaller,
  type LocalCache,
  type Logger,
  MemoryStore,
  MemorySynchronizer,
  noopLogger,
  SieveCache,
  type Store,
  TimeoutError,
} from '../src/index.js';
import { createPods, type Pods, settle, until } from './helpers.js';

let cluster: Pods<unknown> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  vi.restoreAllMocks();
});

describe('Cache (seed interface)', () => {
  it('Get returns the value and undefined when absent', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    expect(await a!.get('missing')).toBeUndefined();
    await a!.set('k', { n: 1 });
    expect(await a!.get('k')).toEqual({ n: 1 });
  });

  it('Set stores locally and remotely, and other pods receive the value directly', async () => {
    cluster = await createPods(3);
    const [a, b, c] = cluster.pods;
    await b!.get('k');
    await a!.set('k', 'v1');
    expect(a!.peek('k')).toBe('v1');
    expect((await cluster.store.get('default:k'))?.payload).toEqual(jsonMarshaller.encode('v1'));
    await until(() => b!.peek('k') === 'v1' && c!.peek('k') === 'v1', 'propagation');
    expect(b!.stats().remoteHits).toBe(0);
  });

  it('SetWithInvalidate stores locally and remotely; other pods drop their copy and refetch', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.set('k', 'old');
    await until(() => b!.peek('k') === 'old', 'old value');
    await a!.setWithInvalidate('k', 'new');
    expect(a!.peek('k')).toBe('new');
    await until(() => b!.peek('k') === undefined, 'invalidation');
    expect(await b!.get('k')).toBe('new');
    expect(b!.stats().remoteHits).toBe(1);
  });

  it('Delete removes the value from local and remote storage on every pod', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.set('k', 1);
    await until(() => b!.peek('k') === 1, 'value');
    await b!.delete('k');
    expect(b!.peek('k')).toBeUndefined();
    await until(() => a!.peek('k') === undefined, 'delete propagation');
    expect(await cluster.store.get('default:k')).toBeUndefined();
    expect(await a!.get('k')).toBeUndefined();
  });

  it('Clear removes all values of the namespace everywhere, and only that namespace', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    const other = await createCache({ store: cluster.store, namespace: 'other', heartbeatMs: 0 });
    await other.set('k', 'kept');
    await a!.set('x', 1);
    await a!.set('y', 2);
    await until(() => b!.peek('y') === 2, 'values');
    await a!.clear();
    expect(a!.peek('x')).toBeUndefined();
    await until(() => b!.peek('x') === undefined && b!.peek('y') === undefined, 'clear propagation');
    expect(await cluster.store.size('default:')).toBe(0);
    expect(await other.get('k')).toBe('kept');
    await other.close();
  });

  it('Close releases resources; afterwards every method fails with CacheClosedError', async () => {
    const cache = await createCache();
    await cache.close();
    await cache.close();
    for (const call of [
      () => cache.get('k'),
      () => cache.getMany(['k']),
      () => cache.set('k', 1),
      () => cache.setWithInvalidate('k', 1),
      () => cache.delete('k'),
      () => cache.clear(),
      () => cache.getOrSet('k', () => 1),
      () => cache.fetchStats(),
    ]) {
      await expect(call()).rejects.toSatisfy(CacheClosedError.isInstance);
    }
    expect(() => cache.peek('k')).toThrow(CacheClosedError);
    expect(() => cache.stats()).toThrow(CacheClosedError);
  });

  it('Stats counts local/remote hits and misses, sizes and invalidations', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.set('k', 1);
    await a!.get('k');
    await a!.get('nope');
    expect(a!.stats()).toMatchObject({
      localHits: 1,
      localMisses: 1,
      remoteMisses: 1,
      remoteHits: 0,
      localSize: 1,
    });
    await until(() => b!.peek('k') === 1, 'value');
    await a!.delete('k');
    await until(() => b!.peek('k') === undefined, 'delete');
    expect(b!.stats().invalidations).toBe(1);
    await a!.set('r1', 1);
    await a!.set('r2', 2);
    expect((await a!.fetchStats()).remoteSize).toBe(2);
  });

  it('Invalidations: a received clear counts every local copy it removes', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    for (const key of ['x', 'y', 'z']) await a!.set(key, key);
    await until(() => b!.stats().localSize === 3, 'copies on b');
    const before = b!.stats().invalidations;
    await a!.clear();
    await until(() => b!.stats().localSize === 0, 'clear on b');
    expect(b!.stats().invalidations - before).toBe(3);
  });
});

describe('Options (seed Options)', () => {
  it('PodID: a pod ignores its own events, and default pod ids are unique', async () => {
    const x = await createCache();
    const y = await createCache();
    expect(x.podId).not.toBe(y.podId);
    await Promise.all([x.close(), y.close()]);
    cluster = await createPods(1);
    const [a] = cluster.pods;
    await a!.set('k', 1);
    await settle();
    expect(a!.stats().eventsApplied).toBe(0);
    expect(a!.stats().eventsStale).toBe(0);
  });

  it('PodID: a second pod publishing with the same podId is reported, not silently ignored', async () => {
    const store = new MemoryStore();
    const bus = new MemorySynchronizer().bus;
    const onError = vi.fn();
    const a = await createCache({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      podId: 'same',
      onError,
    });
    const b = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), podId: 'same' });
    await b.set('k', 1);
    await until(() => onError.mock.calls.length > 0, 'duplicate podId report');
    expect(String(onError.mock.calls[0]![0].message)).toMatch(/podId/);
    await Promise.all([a.close(), b.close()]);
  });

  it('LocalCacheConfig: maxSize bounds the default local cache', async () => {
    cluster = await createPods(1, { localCacheConfig: { maxSize: 10 } });
    const [a] = cluster.pods;
    for (let i = 0; i < 50; i++) await a!.set(`k${i}`, i);
    expect(a!.stats().localSize).toBeLessThanOrEqual(10);
    expect(await a!.get('k0')).toBe(0);
  });

  it('LocalCacheFactory: a factory (function or { create }) supplies the local cache', async () => {
    const created: LocalCache<unknown>[] = [];
    const factory = {
      create: () => {
        const local = new SieveCache<unknown>({ maxSize: 5 });
        created.push(local);
        return local;
      },
    };
    const a = await createCache({ localCache: factory });
    const b = await createCache({ localCache: () => factory.create() });
    await a.set('k', 1);
    expect(created).toHaveLength(2);
    expect(created[0]!.size).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('InvalidationChannel: pods on different channels do not see each other', async () => {
    const store = new MemoryStore();
    const bus = new MemorySynchronizer().bus;
    const a = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), channel: 'one' });
    const b = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), channel: 'two' });
    const c = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), channel: 'one' });
    await b.get('k');
    await c.get('k');
    await a.set('k', 1);
    await until(() => c.peek('k') === 1, 'same channel');
    expect(b.peek('k')).toBeUndefined();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('SerializationFormat: an unknown format is an InvalidConfigError naming the option', async () => {
    await expect(createCache({ serializationFormat: 'xml' as 'json' })).rejects.toMatchObject({
      option: 'serializationFormat',
      value: 'xml',
    });
  });

  it('Marshaller: a custom marshaller encodes what the store holds', async () => {
    const marshaller = {
      encode: (v: unknown) => Buffer.from(`X${String(v)}`),
      decode: (b: Uint8Array) => Buffer.from(b).toString().slice(1),
    };
    cluster = await createPods(2, { marshaller });
    const [a, b] = cluster.pods;
    await a!.set('k', 'abc');
    expect(Buffer.from((await cluster.store.get('default:k'))!.payload).toString()).toBe('Xabc');
    expect(await b!.get('k')).toBe('abc');
  });

  it('Logger and DebugMode: debug lines only when debug is on; errors always', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m) => lines.push(`debug ${m}`),
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    };
    cluster = await createPods(2, { logger });
    await cluster.pods[0]!.set('k', 1);
    await until(() => cluster!.pods[1]!.stats().eventsApplied === 1, 'event');
    expect(lines.filter((l) => l.startsWith('debug'))).toEqual([]);
    await cluster.close();
    cluster = await createPods(2, { logger, debug: true });
    await cluster.pods[0]!.set('k', 1);
    await until(() => lines.some((l) => l.startsWith('debug event')), 'debug line');
    expect(consoleLogger.debug).toBeTypeOf('function');
    expect(() => noopLogger.error('nothing')).not.toThrow();
  });

  it('ContextTimeout: a store call that hangs fails with TimeoutError within timeoutMs', async () => {
    const hanging: Store = {
      ...new MemoryStore(),
      get: () => new Promise(() => {}),
      getMany: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
      clear: () => new Promise(() => {}),
      size: () => new Promise(() => {}),
      close: async () => {},
    };
    const onError = vi.fn();
    const cache = await createCache({ store: hanging, timeoutMs: 30, onError });
    await expect(cache.set('k', 1)).rejects.toSatisfy(TimeoutError.isInstance);
    await expect(cache.delete('k')).rejects.toSatisfy(TimeoutError.isInstance);
    expect(await cache.get('k')).toBeUndefined();
    expect(onError.mock.calls.some(([error]) => TimeoutError.isInstance(error))).toBe(true);
    await cache.close();
  });

  it('EnableMetrics: when false the counters stay at zero', async () => {
    const cache = await createCache({ enableMetrics: false });
    await cache.set('k', 1);
    await cache.get('k');
    await cache.get('x');
    expect(cache.stats()).toMatchObject({ localHits: 0, localMisses: 0, remoteMisses: 0, localSize: 1 });
    await cache.close();
  });

  it('OnError: background errors (a failing publish) reach onError with context', async () => {
    const synchronizer = new MemorySynchronizer();
    const onError = vi.fn();
    const cache = await createCache({ synchronizer, onError });
    synchronizer.disconnect();
    await cache.set('k', 1);
    await until(() => onError.mock.calls.length > 0, 'onError');
    expect(onError.mock.calls[0]![1]).toMatchObject({ operation: 'publish', key: 'k' });
    await cache.close();
  });

  it('ReaderCanSetToRedis: a reader pod only sets its local tier unless allowed', async () => {
    const store = new MemoryStore();
    const reader = await createCache({ store, role: 'reader' });
    await reader.set('k', 1);
    await reader.setWithInvalidate('k2', 1);
    expect(reader.peek('k')).toBe(1);
    expect(await store.get('default:k')).toBeUndefined();
    expect(await store.get('default:k2')).toBeUndefined();
    const allowed = await createCache({ store, role: 'reader', readerCanSetToStore: true });
    await allowed.set('k', 2);
    expect(await store.get('default:k')).toBeDefined();
    // The Go name is accepted too.
    const goName = await createCache({ store, role: 'reader', readerCanSetToRedis: true });
    await goName.set('k3', 3);
    expect(await store.get('default:k3')).toBeDefined();
    await Promise.all([reader.close(), allowed.close(), goName.close()]);
  });

  it('ReaderCanSetToRedis and readerCanSetToStore must agree when both are given', async () => {
    await expect(createCache({ readerCanSetToStore: true, readerCanSetToRedis: false })).rejects.toThrow(
      InvalidConfigError,
    );
    await expect(createCache({ readerCanSetToRedis: 'yes' as never })).rejects.toThrow(/readerCanSetToRedis/);
    const both = await createCache({ readerCanSetToStore: true, readerCanSetToRedis: true });
    await both.close();
  });

  it("a reader pod's delete and clear reach the store and every pod, as in the Go library", async () => {
    cluster = await createPods(2);
    const [writer, other] = cluster.pods;
    const reader = await createCache({
      store: cluster.store,
      synchronizer: new MemorySynchronizer({ bus: cluster.bus }),
      podId: 'reader',
      heartbeatMs: 0,
      role: 'reader',
    });
    try {
      for (const key of ['a', 'b', 'c']) await writer!.set(key, key);
      for (const key of ['a', 'b', 'c']) expect(await other!.get(key)).toBe(key);
      await reader.delete('a');
      expect(await cluster.store.get('default:a')).toBeUndefined();
      await until(
        () => writer!.peek('a') === undefined && other!.peek('a') === undefined,
        'delete everywhere',
      );
      await reader.clear();
      expect(await cluster.store.size('default:')).toBe(0);
      await until(
        () => writer!.stats().localSize === 0 && other!.stats().localSize === 0,
        'clear everywhere',
      );
    } finally {
      await reader.close();
    }
  });

  it('OnSetLocalCache: shapes received set events, fills and own sets alike; undefined skips', async () => {
    const seen: string[] = [];
    cluster = await createPods<unknown>(2, {
      onSetLocalCache: (event, decode) => {
        seen.push(event.action);
        if (event.key === 'skip') return undefined;
        return { wrapped: decode(event.value!), bytes: event.value!.length };
      },
    });
    const [a, b] = cluster.pods;
    await b!.get('k');
    await a!.set('k', 'v');
    expect(a!.peek('k')).toEqual({ wrapped: 'v', bytes: 3 });
    await until(() => b!.peek('k') !== undefined, 'event');
    expect(b!.peek('k')).toEqual({ wrapped: 'v', bytes: 3 });
    await a!.set('other', 'w');
    const fresh = await createCache({ store: cluster.store, onSetLocalCache: (e) => `shaped:${e.key}` });
    expect(await fresh.get('other')).toBe('shaped:other');
    expect(fresh.peek('other')).toBe('shaped:other');
    await a!.set('skip', 1);
    expect(a!.peek('skip')).toBeUndefined();
    expect(await a!.get('skip')).toBe(1);
    expect(seen).toContain('set');
    await fresh.close();
  });

  it('Actions: the seed action constants', () => {
    expect(Actions).toEqual({ Set: 'set', Invalidate: 'invalidate', Delete: 'delete', Clear: 'clear' });
  });

  it('ErrInvalidConfig: invalid options name the option and the value', () => {
    expect(() => createCacheSync({ timeoutMs: -1 })).toThrow(/timeoutMs: -1/);
    for (const [options, option] of [
      [{ timeoutMs: 'x' }, 'timeoutMs'],
      [{ podId: '' }, 'podId'],
      [{ namespace: 3 }, 'namespace'],
      [{ role: 'boss' }, 'role'],
      [{ store: {} }, 'store'],
      [{ synchronizer: { publish() {} } }, 'synchronizer'],
      [{ marshaller: 1 }, 'marshaller'],
      [{ ttlMs: 1.5 }, 'ttlMs'],
      [{ debug: 'yes' }, 'debug'],
      [{ onError: 'x' }, 'onError'],
      [{ localCacheConfig: { maxSize: 0 } }, 'localCacheConfig.maxSize'],
      [{ secret: '' }, 'secret'],
      [{ unknownThing: 1 }, 'unknownThing'],
      [
        {
          store: {
            ...new MemoryStore(),
            contractVersion: 99,
            get() {},
            getMany() {},
            set() {},
            delete() {},
            clear() {},
            size() {},
            close() {},
          },
        },
        'store.contractVersion',
      ],
    ] as const) {
      let error: unknown;
      try {
        createCacheSync(options as never);
      } catch (e) {
        error = e;
      }
      expect(InvalidConfigError.isInstance(error), option).toBe(true);
      expect((error as InvalidConfigError).option).toBe(option);
    }
  });
});

import { SyncedCache } from '../src/index.js';

function createCacheSync(options: ConstructorParameters<typeof SyncedCache>[0]): SyncedCache {
  const cache = new SyncedCache(options);
  void cache.close();
  return cache;
}
