/** Batch operations: setMany, deleteMany, getOrSetMany. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BatchError,
  decodeEvent,
  InvalidConfigError,
  isBatchFrame,
  LimitExceededError,
  MemoryStore,
  MemorySynchronizer,
  SerializationError,
  StoreError,
  splitBatch,
  TimeoutError,
} from '../src/index.js';
import { createPods, latch, type Pods, storeOver, until } from './helpers.js';

let cluster: Pods<unknown> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('setMany', () => {
  it('writes every entry to the store, the local tier and every other pod; a repeated key keeps its last value', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.setMany(
      [
        ['x', 1],
        ['y', 2],
        ['x', 3],
      ],
      { ttlMs: 60_000 },
    );
    expect(a!.peek('x')).toBe(3);
    expect(a!.peek('y')).toBe(2);
    expect((await cluster.store.get('default:y'))?.ttlMs).toBeGreaterThan(59_000);
    await until(() => b!.peek('x') === 3 && b!.peek('y') === 2, 'the other pod has both');
  });

  it('checks and encodes every entry first: one it cannot write means none is written', async () => {
    cluster = await createPods(1, { maxKeyBytes: 8 });
    const [a] = cluster.pods;
    await expect(
      a!.setMany([
        ['ok', 1],
        ['bad', { when: new Date() }],
      ]),
    ).rejects.toSatisfy(SerializationError.isInstance);
    await expect(
      a!.setMany([
        ['ok', 1],
        ['much-too-long', 2],
      ]),
    ).rejects.toSatisfy(LimitExceededError.isInstance);
    expect(await cluster.store.size('default:')).toBe(0);
    expect(a!.peek('ok')).toBeUndefined();
  });

  it('a failed entry is named in a BatchError; the others are written and announced', async () => {
    const inner = new MemoryStore();
    const store = storeOver(inner, {
      set: (key, payload, options) =>
        key.endsWith(':broken')
          ? Promise.reject(new Error('OOM command not allowed'))
          : inner.set(key, payload, options),
      currentVersion: () => inner.currentVersion(),
    });
    cluster = await createPods(2, { store });
    const [a, b] = cluster.pods;
    const failure = await a!
      .setMany([
        ['fine', 1],
        ['broken', 2],
      ])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(BatchError.isInstance(failure)).toBe(true);
    const batch = failure as BatchError;
    expect([...batch.failures.keys()]).toEqual(['broken']);
    expect(batch.total).toBe(2);
    expect(StoreError.isInstance(batch.failures.get('broken'))).toBe(true);
    await until(() => b!.peek('fine') === 1, 'the written entry reached the other pod');
    expect(a!.peek('broken')).toBeUndefined();
  });
});

describe('setMany and deleteMany with a store that writes batches', () => {
  /** A memory store with batch writes that fail keys ending in `:broken` and count their calls. */
  function batchingStore(delayMs = 0) {
    const inner = new MemoryStore();
    const calls = { setMany: 0, deleteMany: 0, set: 0, delete: 0 };
    const later = <T>(value: Promise<T>) =>
      delayMs === 0 ? value : new Promise<T>((resolve) => setTimeout(() => resolve(value), delayMs));
    const store = storeOver(inner, {
      set: (key, payload, options) => {
        calls.set++;
        return inner.set(key, payload, options);
      },
      delete: (key) => {
        calls.delete++;
        return inner.delete(key);
      },
      setMany: (writes) => {
        calls.setMany++;
        return later(
          Promise.all(
            writes.map(({ key, payload, options }) =>
              key.endsWith(':broken')
                ? { status: 'rejected' as const, reason: new Error('WRONGTYPE') }
                : inner.set(key, payload, options).then((value) => ({ status: 'fulfilled' as const, value })),
            ),
          ),
        );
      },
      deleteMany: (keys) => {
        calls.deleteMany++;
        return later(
          Promise.all(
            keys.map((key) =>
              key.endsWith(':broken')
                ? { status: 'rejected' as const, reason: new Error('WRONGTYPE') }
                : inner.delete(key).then((value) => ({ status: 'fulfilled' as const, value })),
            ),
          ),
        );
      },
      currentVersion: () => inner.currentVersion(),
    });
    return { store, calls };
  }

  it('one store call per batch; a key the store reports failed is named in a BatchError, the others are written and announced', async () => {
    const { store, calls } = batchingStore();
    cluster = await createPods(2, { store });
    const [a, b] = cluster.pods;
    const failure = await a!
      .setMany([
        ['fine', 1],
        ['broken', 2],
        ['also', 3],
      ])
      .catch((error: unknown) => error);
    expect(calls).toMatchObject({ setMany: 1, set: 0 });
    expect(BatchError.isInstance(failure)).toBe(true);
    expect([...(failure as BatchError).failures.keys()]).toEqual(['broken']);
    expect(StoreError.isInstance((failure as BatchError).failures.get('broken'))).toBe(true);
    expect(a!.peek('fine')).toBe(1);
    await until(
      () => b!.peek('fine') === 1 && b!.peek('also') === 3,
      'the written entries reached the other pod',
    );
    expect(a!.peek('broken')).toBeUndefined();

    const deleted = await a!.deleteMany(['fine', 'broken', 'also']).catch((error: unknown) => error);
    expect(calls).toMatchObject({ deleteMany: 1, delete: 0 });
    expect([...(deleted as BatchError).failures.keys()]).toEqual(['broken']);
    await until(
      () => b!.peek('fine') === undefined && b!.peek('also') === undefined,
      'deleted on the other pod',
    );
    expect(await store.get('default:fine')).toBeUndefined();
  });

  /** Two pods over a batching store, and every message on their channel as it went over the bus. */
  async function podsWithListener(options: { secret?: string } = {}) {
    const { store } = batchingStore();
    cluster = await createPods(2, { store, ...options });
    const [a, b] = cluster.pods;
    const captured: Uint8Array[] = [];
    await new MemorySynchronizer({ bus: cluster.bus }).subscribe(
      'cache:invalidate:default',
      (message) => captured.push(message),
      () => {},
    );
    return { a, b, captured };
  }

  it("a batch's events leave as one bus message (a batch frame); signed events leave one by one", async () => {
    for (const secret of [undefined, 'k3y']) {
      const { a, b, captured } = await podsWithListener(secret === undefined ? {} : { secret });
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      await a!.setMany(keys.map((key) => [key, `v ${key}`] as const));
      await until(() => keys.every((key) => b!.peek(key) === `v ${key}`), 'every key reaches b');
      if (secret === undefined) {
        expect(captured).toHaveLength(1);
        expect(isBatchFrame(captured[0]!)).toBe(true);
        expect(splitBatch(captured[0]!).map((envelope) => decodeEvent(envelope).key)).toEqual(keys);
      } else {
        expect(captured).toHaveLength(20);
        expect(captured.some((message) => isBatchFrame(message))).toBe(false);
      }
      captured.length = 0;
      await a!.deleteMany(keys);
      await until(() => keys.every((key) => b!.peek(key) === undefined), 'every key deleted on b');
      expect(captured).toHaveLength(secret === undefined ? 1 : 20);
      expect(b!.stats().eventsDropped).toBe(0);
      await cluster?.close();
      cluster = undefined;
    }
  });

  it('a frame stays within maxKeyBytes + maxEventValueBytes: a batch of large values leaves as several frames, every event in order', async () => {
    const { a, b, captured } = await podsWithListener();
    const keys = Array.from({ length: 30 }, (_, i) => `big${i}`);
    await a!.setMany(keys.map((key) => [key, key.padEnd(30_000, 'x')] as const));
    await until(() => keys.every((key) => b!.peek(key) === key.padEnd(30_000, 'x')), 'every key reaches b');
    // two ~30 KB events fit a frame, three do not
    expect(captured).toHaveLength(15);
    expect(captured.every((message) => isBatchFrame(message))).toBe(true);
    // 16,384 + 65,536 bytes of envelopes (the defaults) plus the frame's 4-byte header
    for (const message of captured) expect(message.length).toBeLessThanOrEqual(16_384 + 65_536 + 4);
    const events = captured.flatMap((message) => (isBatchFrame(message) ? splitBatch(message) : [message]));
    expect(events.map((envelope) => decodeEvent(envelope).key)).toEqual(keys);
  });

  it('a batch that times out fails every key with a TimeoutError, and what lands later reaches every pod', async () => {
    const { store, calls } = batchingStore(150);
    cluster = await createPods(2, { store, timeoutMs: 50 });
    const [a, b] = cluster.pods;
    await b!.set('x', 0);
    await until(() => a!.peek('x') === 0, 'the first value reached the writer');
    const failure = await a!
      .setMany([
        ['x', 1],
        ['y', 2],
      ])
      .catch((error: unknown) => error);
    expect(calls.setMany).toBe(1);
    const failures = (failure as BatchError).failures;
    expect([...failures.keys()]).toEqual(['x', 'y']);
    for (const error of failures.values()) expect(TimeoutError.isInstance(error)).toBe(true);
    expect(a!.peek('x'), 'a write that timed out drops the local copy').toBeUndefined();
    await until(
      () => b!.peek('x') === undefined,
      'the late write was announced: the other pod dropped its old copy',
    );
    expect(await b!.get('x')).toBe(1);
    expect(await b!.get('y')).toBe(2);
  });
});

describe('deleteMany', () => {
  it('removes every key from the store and every pod', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.setMany([
      ['p', 1],
      ['q', 2],
      ['r', 3],
    ]);
    await until(() => b!.stats().localSize === 3, 'copies on b');
    await b!.deleteMany(['p', 'q', 'p']);
    expect(await cluster.store.get('default:p')).toBeUndefined();
    expect(await cluster.store.get('default:q')).toBeUndefined();
    await until(() => a!.peek('p') === undefined && a!.peek('q') === undefined, 'deleted on a');
    expect(a!.peek('r')).toBe(3);
  });

  it('checks every key before deleting any', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    await a!.set('keep', 1);
    await expect(a!.deleteMany(['keep', 7 as unknown as string])).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
    expect(await a!.get('keep')).toBe(1);
  });
});

describe('getOrSetMany', () => {
  it('local hits, one batched store read, one loader call for what the store lacks, written through', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await b!.set('stored', 's');
    await a!.set('local', 'l');
    const getMany = vi.spyOn(cluster.store, 'getMany');
    const loader = vi.fn(async (keys: string[]) => new Map(keys.map((key) => [key, `loaded:${key}`])));
    const values = await a!.getOrSetMany(['local', 'stored', 'cold1', 'cold2', 'cold1'], loader);
    expect(values).toEqual(['l', 's', 'loaded:cold1', 'loaded:cold2', 'loaded:cold1']);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(getMany.mock.calls[0]![0]).toEqual(['default:stored', 'default:cold1', 'default:cold2']);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(loader.mock.calls[0]![0]).toEqual(['cold1', 'cold2']);
    expect(a!.peek('cold2')).toBe('loaded:cold2');
    expect(await cluster.store.get('default:cold1')).toBeDefined();
    expect(await b!.get('cold2')).toBe('loaded:cold2');
  });

  it('takes an array in the order of the keys; a key without a value reads as undefined and is not cached', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const values = await a!.getOrSetMany(['a', 'b', 'c'], async (keys) =>
      keys.map((key) => (key === 'b' ? undefined : key)),
    );
    expect(values).toEqual(['a', undefined, 'c']);
    expect(a!.peek('b')).toBeUndefined();
    expect(await cluster.store.get('default:b')).toBeUndefined();
  });

  it('loads each key once across concurrent callers, getOrSet included', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const [gate, release] = latch();
    const loaded: string[] = [];
    const loader = async (keys: string[]) => {
      loaded.push(...keys);
      await gate;
      return new Map(keys.map((key) => [key, `v:${key}`]));
    };
    const single = vi.fn(async (key: string) => `single:${key}`);
    const first = a!.getOrSetMany(['k1', 'k2'], loader);
    await until(() => loaded.length === 2, 'the first loader started');
    const second = a!.getOrSetMany(['k2', 'k3'], loader);
    const joined = a!.getOrSet('k1', single);
    await until(() => loaded.length === 3, 'the second loader started');
    release();
    expect(await first).toEqual(['v:k1', 'v:k2']);
    expect(await second).toEqual(['v:k2', 'v:k3']);
    expect(await joined).toBe('v:k1');
    expect(loaded.sort()).toEqual(['k1', 'k2', 'k3']);
    expect(single).not.toHaveBeenCalled();
  });

  it('a getOrSetMany joins a getOrSet in flight; callers that joined a failed batch read undefined', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const [gate, release] = latch();
    const single = a!.getOrSet('s', async () => {
      await gate;
      return 'single';
    });
    const loader = vi.fn(async (_keys: string[]): Promise<string[]> => {
      await gate;
      throw new Error('db down');
    });
    const failing = a!.getOrSetMany(['s', 'f'], loader);
    await until(() => loader.mock.calls.length === 1, 'the loader started');
    expect(loader.mock.calls[0]![0]).toEqual(['f']);
    const joiner = a!.getOrSetMany(['f'], async () => ['never']);
    release();
    await expect(failing).rejects.toThrow('db down');
    expect(await single).toBe('single');
    expect(await joiner).toEqual([undefined]);
    expect(await a!.getOrSetMany(['f'], async () => ['again'])).toEqual(['again']);
  });

  it('a getOrSet that joined a batch without a value for its key runs its own loader', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const [gate, release] = latch();
    const batch = a!.getOrSetMany(['gone'], async () => {
      await gate;
      return new Map<string, unknown>();
    });
    await until(
      () => (a as unknown as { reader: { batchLoads: { size: number } } }).reader.batchLoads.size === 1,
      'loading',
    );
    const joined = a!.getOrSet('gone', async () => 'own');
    release();
    expect(await batch).toEqual([undefined]);
    expect(await joined).toBe('own');
  });

  it('a loader that throws caches nothing and lets the next call load again; a broken answer is an InvalidConfigError', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    await expect(
      a!.getOrSetMany(['k'], async () => {
        throw new Error('db down');
      }),
    ).rejects.toThrow('db down');
    expect(await a!.getOrSetMany(['k'], async () => ['v'])).toEqual(['v']);
    await expect(a!.getOrSetMany(['x', 'y'], async () => ['only one'])).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
    await expect(a!.getOrSetMany(['z'], 'nope' as never)).rejects.toSatisfy(InvalidConfigError.isInstance);
  });

  it('a store that fails the write still returns the loaded values (the failure is reported)', async () => {
    const inner = new MemoryStore();
    const onError = vi.fn();
    const store = storeOver(inner, { set: () => Promise.reject(new Error('READONLY')) });
    cluster = await createPods(1, { store, onError });
    const [a] = cluster.pods;
    expect(await a!.getOrSetMany(['k1', 'k2'], async (keys) => keys)).toEqual(['k1', 'k2']);
    expect(onError.mock.calls.filter(([, info]) => info.operation === 'getOrSetMany')).toHaveLength(2);
  });
});
