import { InvalidConfigError } from '@synced-cache/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLruCache, DEFAULT_MAX_ENTRIES, lruCacheFactory, VERSION } from '../src/index.js';

const FAKE_TIMERS: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout'],
  now: 1_700_000_000_000,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('createLruCache options', () => {
  it('defaults to 10 000 entries and accepts the seed maxSize (also as a bare number)', () => {
    expect(createLruCache().maxEntries).toBe(DEFAULT_MAX_ENTRIES);
    expect(createLruCache({ maxSize: 7 }).maxEntries).toBe(7);
    expect(createLruCache(5).maxEntries).toBe(5);
    expect(createLruCache({ maxEntries: 9, maxSize: 9 }).maxEntries).toBe(9);
  });

  it.each([
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxEntries: 1.5 }, 'maxEntries'],
    [{ maxSize: -1 }, 'maxSize'],
    [{ maxEntries: 3, maxSize: 4 }, 'maxSize'],
    [{ maxCost: 0 }, 'maxCost'],
    [{ maxCost: Number.POSITIVE_INFINITY }, 'maxCost'],
    [{ defaultTtlMs: -1 }, 'defaultTtlMs'],
    [{ defaultTtlMs: Number.NaN }, 'defaultTtlMs'],
    [{ numCounters: 0 }, 'numCounters'],
    [{ bufferItems: 2.5 }, 'bufferItems'],
  ])('rejects %o naming the option %s', (options, option) => {
    let thrown: unknown;
    try {
      createLruCache(options);
    } catch (error) {
      thrown = error;
    }
    expect(InvalidConfigError.isInstance(thrown)).toBe(true);
    expect((thrown as InvalidConfigError).option).toBe(option);
    expect(() => lruCacheFactory(options)).toThrow(InvalidConfigError);
  });

  it('the factory builds independent caches', () => {
    const factory = lruCacheFactory({ maxEntries: 2 });
    const first = factory<{ id: number }>();
    const second = factory();
    first.set('a', { id: 1 });
    expect(second.get('a')).toBeUndefined();
    expect(first.maxEntries).toBe(2);
  });

  it('exports its version', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('LruLocalCache behaviour', () => {
  it('counts only capacity removals as evictions (not deletes, overwrites or expiries)', () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const cache = createLruCache({ maxEntries: 2 });
    cache.set('a', 1, { ttlMs: 10 });
    cache.set('a', 2, { ttlMs: 10 });
    cache.set('b', 3);
    cache.delete('b');
    vi.advanceTimersByTime(11);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.metrics().evictions).toBe(0);
    cache.set('x', 1);
    cache.set('y', 1);
    cache.set('z', 1);
    expect(cache.metrics().evictions).toBe(1);
  });

  it('applies defaultTtlMs when set() has no ttlMs, and ttlMs 0 opts out', () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const cache = createLruCache({ maxEntries: 10, defaultTtlMs: 100 });
    cache.set('default', 'd');
    cache.set('never', 'n', { ttlMs: 0 });
    cache.set('longer', 'l', { ttlMs: 1000 });
    vi.advanceTimersByTime(101);
    expect(cache.get('default')).toBeUndefined();
    expect(cache.get('never')).toBe('n');
    expect(cache.get('longer')).toBe('l');
    expect(cache.has('longer')).toBe(true);
  });

  it('evicts least recently used entries until the total cost fits, rounding costs up', () => {
    const cache = createLruCache({ maxEntries: 100, maxCost: 10 });
    cache.set('a', 'a', { cost: 4 });
    cache.set('b', 'b', { cost: 4 });
    cache.get('a');
    cache.set('c', 'c', { cost: 2.5 });
    expect(cache.metrics().cost).toBe(7);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe('a');
    expect(cache.get('c')).toBe('c');
  });

  it('rejects an entry costlier than maxCost and drops the key previous entry', () => {
    const cache = createLruCache({ maxEntries: 100, maxCost: 10 });
    cache.set('k', 'old');
    expect(cache.set('k', 'new', { cost: 11 })).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.metrics()).toMatchObject({ rejections: 1, cost: 0, size: 0 });
  });

  it('throws InvalidConfigError for a negative or non-finite cost or ttl, and for undefined entries', () => {
    const cache = createLruCache();
    expect(() => cache.set('k', 1, { cost: -1 })).toThrow(InvalidConfigError);
    expect(() => cache.set('k', 1, { cost: Number.NaN })).toThrow(InvalidConfigError);
    expect(() => cache.set('k', 1, { ttlMs: Number.POSITIVE_INFINITY })).toThrow(InvalidConfigError);
    expect(() => cache.set('k', undefined)).toThrow(InvalidConfigError);
    expect(cache.size).toBe(0);
  });

  it('after close, set returns false and the cache is empty', () => {
    const cache = createLruCache();
    cache.set('k', 1);
    cache.close();
    expect(cache.size).toBe(0);
    expect(cache.set('k', 1)).toBe(false);
    expect(cache.get('k')).toBeUndefined();
  });
});

type Operation =
  | { kind: 'set'; key: string; cost: number; ttlMs: number }
  | { kind: 'get'; key: string }
  | { kind: 'delete'; key: string }
  | { kind: 'clear' }
  | { kind: 'advance'; ms: number };

interface ModelEntry {
  value: number;
  cost: number;
  expiresAt: number;
}

describe('LruLocalCache against a reference model (fast-check)', () => {
  it('matches an exact LRU with entry and cost bounds and TTL on a fake clock', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('set' as const),
          key,
          cost: fc.integer({ min: 1, max: 6 }),
          ttlMs: fc.constantFrom(0, 0, 5, 20),
        }),
      },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 15 }) }),
      },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 6, max: 12 }),
        fc.array(operation, { maxLength: 80, size: 'max' }),
        (maxEntries, maxCost, operations) => {
          vi.useFakeTimers(FAKE_TIMERS);
          try {
            const cache = createLruCache<number>({ maxEntries, maxCost });
            // Insertion order of the Map is recency order: first = least recently used.
            const model = new Map<string, ModelEntry>();
            let serial = 0;
            let evictions = 0;
            const expired = (entry: ModelEntry) => entry.expiresAt !== 0 && Date.now() > entry.expiresAt;
            for (const op of operations) {
              if (op.kind === 'set') {
                const value = serial++;
                model.delete(op.key);
                expect(cache.set(op.key, value, { cost: op.cost, ttlMs: op.ttlMs })).toBe(true);
                model.set(op.key, {
                  value,
                  cost: op.cost,
                  expiresAt: op.ttlMs === 0 ? 0 : Date.now() + op.ttlMs,
                });
                let total = 0;
                for (const entry of model.values()) total += entry.cost;
                while (model.size > maxEntries || total > maxCost) {
                  const [oldest, entry] = model.entries().next().value!;
                  model.delete(oldest);
                  total -= entry.cost;
                  evictions++;
                }
              } else if (op.kind === 'get') {
                const entry = model.get(op.key);
                if (entry === undefined || expired(entry)) {
                  model.delete(op.key);
                  expect(cache.get(op.key)).toBeUndefined();
                } else {
                  expect(cache.get(op.key)).toBe(entry.value);
                  model.delete(op.key);
                  model.set(op.key, entry);
                }
              } else if (op.kind === 'delete') {
                const entry = model.get(op.key);
                expect(cache.delete(op.key)).toBe(entry !== undefined && !expired(entry));
                model.delete(op.key);
              } else if (op.kind === 'clear') {
                cache.clear();
                model.clear();
              } else {
                vi.advanceTimersByTime(op.ms);
              }
              let cost = 0;
              for (const entry of model.values()) cost += entry.cost;
              expect(cache.size).toBe(model.size);
              expect(cache.metrics()).toMatchObject({ size: model.size, cost, evictions });
              expect(cost).toBeLessThanOrEqual(maxCost);
            }
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
