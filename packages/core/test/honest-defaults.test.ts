/**
 * Defaults that do not hide anything: the plain-JSON default refuses what it would change, the
 * writer holds what every other pod holds, failures are visible without configuration (and
 * rate-limited), and close() reports what failed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createCache,
  createConsoleLogger,
  InvalidConfigError,
  jsonMarshaller,
  type Logger,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  noopLogger,
  SerializationError,
  SieveCache,
  StoreError,
  SynchronizerError,
} from '../src/index.js';
import { createPods, latch, type Pods, storeOver, until } from './helpers.js';

let cluster: Pods<unknown> | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await cluster?.close();
  cluster = undefined;
});

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('the default plain-JSON marshaller refuses what JSON would change', () => {
  const refused: Array<[string, unknown, RegExp]> = [
    ['a Map', new Map([[1, 2]]), /a Map .*top level/],
    ['a Set', { tags: new Set(['a']) }, /a Set .*"tags"/],
    ['a Date', { at: new Date(0) }, /a Date .*"at"/],
    ['a class instance', [new Point(1, 2)], /a Point .*"0"/],
    ['a Buffer', { bytes: Buffer.from('hi') }, /Buffer/],
    ['a typed array', new Uint8Array(2), /Uint8Array/],
    ['NaN', { n: Number.NaN }, /NaN .*"n"/],
    ['Infinity', [1, Number.POSITIVE_INFINITY], /Infinity/],
    ['an undefined field', { a: undefined, b: 1 }, /undefined .*"a"/],
    ['an undefined array element', [1, undefined], /undefined .*"1"/],
    ['an array hole', Object.assign(new Array(3), { 0: 1, 2: 3 }), /undefined .*"1"/],
    ['a BigInt', { big: 1n }, /bigint .*"big"/],
    ['a function', { f: () => 1 }, /function .*"f"/],
    ['a custom toJSON', { v: { toJSON: () => 'x' } }, /toJSON/],
  ];
  it.each(refused)('refuses %s with a SerializationError naming where', (_name, value, message) => {
    expect(() => jsonMarshaller.encode(value)).toThrow(SerializationError);
    expect(() => jsonMarshaller.encode(value)).toThrow(message);
    expect(() => jsonMarshaller.encode(value)).toThrow(/createJsonMarshaller/);
  });

  it('round-trips plain data unchanged: objects, arrays, null-prototype objects, strings, numbers, booleans, null', () => {
    const plain = {
      s: 'é\u{1F600}\n',
      n: [0, 1.5, -3, Number.MAX_SAFE_INTEGER],
      b: [true, false],
      nothing: null,
      nested: { deep: [{ a: [] }] },
      bare: Object.assign(Object.create(null) as object, { k: 1 }),
    };
    expect(jsonMarshaller.decode(jsonMarshaller.encode(plain))).toEqual(JSON.parse(JSON.stringify(plain)));
    expect(jsonMarshaller.decode(jsonMarshaller.encode('top'))).toBe('top');
  });

  it('past the plain-data walk (deep nesting, cycles) it still encodes plain data and refuses the rest', () => {
    let deep: unknown = { leaf: [1, 'x'] };
    for (let level = 0; level < 100; level++) deep = level % 2 === 0 ? { level, child: deep } : [deep];
    expect(jsonMarshaller.decode(jsonMarshaller.encode(deep))).toEqual(deep);
    let deepDate: unknown = { at: new Date(0) };
    for (let level = 0; level < 100; level++) deepDate = { child: deepDate };
    expect(() => jsonMarshaller.encode(deepDate)).toThrow(/a Date .*"at"/);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = { back: cycle };
    expect(() => jsonMarshaller.encode(cycle)).toThrow(SerializationError);
    expect(() => jsonMarshaller.encode(cycle)).toThrow(/circular/);
  });

  it('encodes plain data exactly as JSON.stringify does (seeded random values)', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const make = (depth: number): unknown => {
      const pick = Math.floor(random() * (depth > 4 ? 5 : 7));
      if (pick === 0) return random() < 0.5;
      if (pick === 1) return Math.floor(random() * 2000) - 1000 + (random() < 0.3 ? 0.25 : 0);
      if (pick === 2) return `s${Math.floor(random() * 1e6)}é\u{1F600}"\\`;
      if (pick === 3) return null;
      if (pick === 4) return random() < 0.5 ? -0 : 0;
      if (pick === 5) return Array.from({ length: Math.floor(random() * 4) }, () => make(depth + 1));
      const object: Record<string, unknown> = random() < 0.2 ? Object.create(null) : {};
      for (let index = Math.floor(random() * 4); index > 0; index--) object[`k${index}`] = make(depth + 1);
      return object;
    };
    for (let trial = 0; trial < 500; trial++) {
      const value = make(0);
      expect(Buffer.from(jsonMarshaller.encode(value)).toString('utf8')).toBe(JSON.stringify(value));
    }
  });

  it('a refused set writes nothing anywhere', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await expect(a!.set('k', { when: new Date() })).rejects.toSatisfy(SerializationError.isInstance);
    expect(a!.peek('k')).toBeUndefined();
    expect(await cluster.store.get('default:k')).toBeUndefined();
    expect(await b!.get('k')).toBeUndefined();
  });
});

describe("the writer's local copy", () => {
  it("is decoded from the bytes it wrote: a mutation of the caller's object after set shows nowhere", async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    const order = { id: 1, items: ['x'] };
    await a!.set('order', order);
    order.items.push('mutated');
    expect(a!.peek('order')).toEqual({ id: 1, items: ['x'] });
    expect(a!.peek('order')).not.toBe(order);
    await until(() => b!.peek('order') !== undefined, 'b has the value');
    expect(b!.peek('order')).toEqual(a!.peek('order'));
  });

  it('holds the same types as every other pod with a type-changing marshaller', async () => {
    // A marshaller that (deliberately) changes what it encodes: numbers come back as strings.
    const stringly = {
      encode: (value: unknown) => Buffer.from(String(value)),
      decode: (bytes: Uint8Array) => Buffer.from(bytes).toString(),
    };
    cluster = await createPods(2, { marshaller: stringly });
    const [a, b] = cluster.pods;
    await a!.set('n', 42);
    await until(() => b!.peek('n') !== undefined, 'b has the value');
    expect(a!.peek('n')).toBe('42');
    expect(b!.peek('n')).toBe('42');
  });
});

describe('failures are visible by default', () => {
  it('the default logger writes errors to the console, at most once per operation and code every 10 s', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failing = storeOver(new MemoryStore(), { get: () => Promise.reject(new Error('ECONNRESET')) });
    const cache = await createCache({ store: failing, heartbeatMs: 0 });
    try {
      for (let i = 0; i < 5; i++) expect(await cache.get(`k${i}`)).toBeUndefined();
      const lines = error.mock.calls.filter(([line]) => String(line).includes('get failed'));
      expect(lines).toHaveLength(1);
      expect(String(lines[0]![0])).toMatch(/^\[synced-cache\] get failed: .*ECONNRESET/);
      expect(cache.stats().readErrors).toBe(5);
    } finally {
      await cache.close();
    }
  });

  it('the suppressed count is logged with the next line once the interval passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const logged: Array<Record<string, unknown> | undefined> = [];
      const logger: Logger = { ...noopLogger, error: (_message, fields) => logged.push(fields) };
      const failing = storeOver(new MemoryStore(), { get: () => Promise.reject(new Error('down')) });
      const cache = await createCache({ store: failing, heartbeatMs: 0, logger });
      for (let i = 0; i < 4; i++) await cache.get(`k${i}`);
      vi.setSystemTime(Date.now() + 10_001);
      await cache.get('later');
      expect(logged).toHaveLength(2);
      expect(logged[1]).toMatchObject({ suppressed: 3 });
      await cache.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('every failure still reaches onError and the error event, whatever the logger printed', async () => {
    const onError = vi.fn();
    const failing = storeOver(new MemoryStore(), { get: () => Promise.reject(new Error('down')) });
    const cache = await createCache({ store: failing, heartbeatMs: 0, logger: noopLogger, onError });
    for (let i = 0; i < 3; i++) await cache.get(`k${i}`);
    expect(onError).toHaveBeenCalledTimes(3);
    expect(onError.mock.calls[0]![0]).toSatisfy(StoreError.isInstance);
    await cache.close();
  });

  it('a dropped bus message reaches onError as a SynchronizerError, and is counted', async () => {
    const bus = new MemoryBus();
    const onError = vi.fn();
    const cache = await createCache({
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
      logger: noopLogger,
      onError,
    });
    bus.publish('cache:invalidate:default', Buffer.from('not an event'));
    await until(() => onError.mock.calls.length > 0, 'onError');
    expect(onError.mock.calls[0]![0]).toSatisfy(SynchronizerError.isInstance);
    expect(onError.mock.calls[0]![1]).toMatchObject({ operation: 'receive' });
    expect(cache.stats().eventsDropped).toBe(1);
    await cache.close();
  });

  it('createConsoleLogger(prefix) prefixes every line (the Go NewConsoleLogger)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    createConsoleLogger('[orders]').warn('hello', { a: 1 });
    createConsoleLogger('').warn('bare');
    expect(warn.mock.calls).toEqual([
      ['[orders] hello', { a: 1 }],
      ['bare', ''],
    ]);
  });
});

describe('close()', () => {
  it('rejects with the first failure after every step ran, and is idempotent', async () => {
    const storeClose = vi.fn(() => Promise.reject(new Error('socket already gone')));
    const synchronizer = new MemorySynchronizer();
    const syncClose = vi.spyOn(synchronizer, 'close');
    const cache = await createCache({
      store: storeOver(new MemoryStore(), { close: storeClose }),
      synchronizer,
      heartbeatMs: 0,
      logger: noopLogger,
    });
    const closing = cache.close();
    await expect(closing).rejects.toSatisfy(StoreError.isInstance);
    await expect(closing).rejects.toThrow(/socket already gone/);
    expect(syncClose).toHaveBeenCalledTimes(1);
    expect(storeClose).toHaveBeenCalledTimes(1);
    expect(cache.close()).toBe(closing);
    await expect(cache.close()).rejects.toThrow(/socket already gone/);
  });
});

describe('localCacheConfig', () => {
  it('sizes the default tier (maxSize, maxCost) and rejects what the default tier would ignore', async () => {
    const sized = await createCache({ localCacheConfig: { maxSize: 2 } });
    for (const key of ['a', 'b', 'c']) await sized.set(key, key);
    expect(sized.stats().localSize).toBe(2);
    await sized.close();
    for (const field of ['numCounters', 'bufferItems', 'ignoreInternalCost'] as const) {
      const value = field === 'ignoreInternalCost' ? true : 100;
      await expect(createCache({ localCacheConfig: { [field]: value } })).rejects.toMatchObject({
        option: `localCacheConfig.${field}`,
        message: expect.stringMatching(/lfuCacheFactory/),
      });
    }
    await expect(createCache({ localCacheConfig: { numCounters: -1 } })).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
    await expect(createCache({ localCacheConfig: { maxItems: 5 } as never })).rejects.toMatchObject({
      option: 'localCacheConfig.maxItems',
    });
  });

  it('is rejected next to localCache, whose own factory takes the settings', async () => {
    await expect(
      createCache({
        localCache: new SieveCache<unknown>({ maxSize: 5 }),
        localCacheConfig: { maxSize: 10 },
      }),
    ).rejects.toMatchObject({ option: 'localCacheConfig' });
  });
});

describe('an AbortSignal per call (the Go per-call ctx)', () => {
  it('an already aborted signal starts nothing and rejects with its reason', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const signal = AbortSignal.abort(new Error('request gone'));
    const loader = vi.fn(async () => 1);
    await expect(a!.set('k', 1, { signal })).rejects.toThrow('request gone');
    await expect(a!.get('k', { signal })).rejects.toThrow('request gone');
    await expect(a!.getOrSet('k', loader, { signal })).rejects.toThrow('request gone');
    await expect(a!.delete('k', { signal })).rejects.toThrow('request gone');
    await expect(a!.clear({ signal })).rejects.toThrow('request gone');
    await expect(a!.getMany(['k'], { signal })).rejects.toThrow('request gone');
    expect(loader).not.toHaveBeenCalled();
    expect(await cluster.store.get('default:k')).toBeUndefined();
  });

  it('aborting stops the wait; a write already sent still completes and reaches every pod', async () => {
    const inner = new MemoryStore();
    const [gate, release] = latch();
    const slow = storeOver(inner, {
      set: async (key, payload, options) => {
        await gate;
        return inner.set(key, payload, options);
      },
      currentVersion: () => inner.currentVersion(),
    });
    cluster = await createPods(2, { store: slow, timeoutMs: 5000 });
    const [a, b] = cluster.pods;
    const controller = new AbortController();
    const writing = a!.set('k', 'v', { signal: controller.signal });
    controller.abort();
    await expect(writing).rejects.toMatchObject({ name: 'AbortError' });
    release();
    await until(() => b!.peek('k') === 'v', 'the write reached the other pod');
    expect(await a!.get('k')).toBe('v');
  });

  it('an abort during a shared read rejects only the aborted caller', async () => {
    const inner = new MemoryStore();
    await inner.set('default:k', Buffer.from('"stored"'));
    const [gate, release] = latch();
    const slow = storeOver(inner, {
      get: async (key) => {
        await gate;
        return inner.get(key);
      },
    });
    cluster = await createPods(1, { store: slow, timeoutMs: 5000 });
    const [a] = cluster.pods;
    const controller = new AbortController();
    const aborted = a!.get('k', { signal: controller.signal });
    const patient = a!.get('k');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    release();
    expect(await patient).toBe('stored');
  });

  it('a signal that is not an AbortSignal is an InvalidConfigError', async () => {
    cluster = await createPods(1);
    await expect(cluster.pods[0]!.get('k', { signal: {} as AbortSignal })).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
  });
});
