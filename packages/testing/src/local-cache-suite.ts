import type { LocalCache } from '@synced-cache/core';
import { CONTRACT_VERSION } from '@synced-cache/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitForSync } from './wait-for-sync.js';

/** The configuration {@link describeLocalCache} passes to the factory. */
export interface LocalCacheTestConfig {
  /** Maximum number of entries. */
  maxSize: number;
  /** Maximum total cost (only passed when the suite runs with `cost: true`). */
  maxCost?: number;
}

/** Builds a fresh, empty local cache for one test. */
export type LocalCacheTestFactory = (config: LocalCacheTestConfig) => LocalCache<unknown>;

/** Options of {@link describeLocalCache}. */
export interface LocalCacheSuiteOptions {
  /**
   * `'lru'` asserts exact least-recently-used eviction (a `get` or `set` refreshes a key);
   * `'any'` only asserts bounds and correctness.
   * @default 'any'
   */
  policy?: 'lru' | 'any';
  /**
   * The cache has an admission policy (TinyLFU): `set` may return `false` once the cache is full,
   * so "the newest entry is held" is not asserted. A rejected entry must not be readable, and a
   * rejected overwrite must not leave the old entry readable.
   * @default false
   */
  admission?: boolean;
  /** The cache supports `maxCost` and per-entry `cost`. @default false */
  cost?: boolean;
  /**
   * How TTL tests control time. `'fake'` uses vitest fake timers (faking `Date`, `performance`
   * and timers) and checks exact expiry boundaries and TTLs beyond 2^31 ms; it needs a cache that
   * reads `Date.now()` or `performance.now()` at call time. `'real'` uses short real TTLs polled
   * with `waitForSync`, for caches that captured the clock at load (e.g. `lru-cache`).
   * @default 'fake'
   */
  timers?: 'fake' | 'real';
  /**
   * The cache reuses one clock reading for at most this many reads (as core's tiers do, 1,024):
   * checked with a real busy wait during which no timer can run, an entry is gone within that
   * many reads after its deadline. Leave it out for a cache that reads the clock on every call or
   * has no such bound.
   */
  clockReads?: number;
}

/** @internal Resolved suite options. */
export interface ResolvedLocalCacheSuiteOptions {
  policy: 'lru' | 'any';
  admission: boolean;
  cost: boolean;
  timers: 'fake' | 'real';
  clockReads: number | undefined;
}

/** @internal What a local-cache check receives. */
export interface LocalCacheCheckContext {
  /** Creates a cache that is closed after the test. */
  create(config: LocalCacheTestConfig): LocalCache<unknown>;
  options: ResolvedLocalCacheSuiteOptions;
}

/** @internal One behaviour of the local-cache suite. */
export interface LocalCacheCheck {
  name: string;
  applies?: (options: ResolvedLocalCacheSuiteOptions) => boolean;
  run(context: LocalCacheCheckContext): void | Promise<void>;
}

interface TestEntry {
  readonly id: string;
}

const entry = (id: string): TestEntry => ({ id });

const describeEntry = (value: unknown): string => (value === undefined ? 'undefined' : JSON.stringify(value));

/** Plain throws inside property loops: `expect` per operation would dominate the run time. */
function fail(message: string): never {
  throw new Error(message);
}

const FAKE_TIMERS: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: [
    'Date',
    'performance',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
  ],
  now: 1_700_000_000_000,
};

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  'key with spaces\nand\r\nnewlines\t',
  '*?[]{}\\',
  'k'.repeat(10_000),
  'ключ-鍵-🔑',
  '\u0000nul',
];

function withFakeTimers(run: () => void): void {
  vi.useFakeTimers(FAKE_TIMERS);
  try {
    run();
  } finally {
    vi.useRealTimers();
  }
}

function expiryHint(): string {
  return 'an entry whose ttlMs passed on the fake clock is still returned; if the cache captured Date/performance at load (as lru-cache does), run the suite with { timers: "real" }';
}

/** @internal The behaviours of {@link describeLocalCache}, callable one by one. */
export const localCacheChecks: LocalCacheCheck[] = [
  {
    name: 'get of a missing key returns undefined and counts a miss',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      expect(cache.get('missing')).toBeUndefined();
      expect(cache.metrics().misses).toBe(1);
      expect(cache.metrics().hits).toBe(0);
    },
  },
  {
    name: 'set returns true and get returns the very entry object that was set',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      const a = entry('a');
      expect(cache.set('a', a)).toBe(true);
      expect(cache.get('a')).toBe(a);
      expect(cache.size).toBe(1);
    },
  },
  {
    name: 'overwriting a key replaces its entry without growing size',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      cache.set('a', entry('old'));
      cache.set('b', entry('b'));
      const fresh = entry('new');
      expect(cache.set('a', fresh)).toBe(true);
      expect(cache.get('a')).toBe(fresh);
      expect(cache.size).toBe(2);
    },
  },
  {
    name: 'delete removes a key and reports whether it was present',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      cache.set('a', entry('a'));
      cache.set('b', entry('b'));
      expect(cache.delete('a')).toBe(true);
      expect(cache.delete('a')).toBe(false);
      expect(cache.delete('never-set')).toBe(false);
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('b')).toEqual(entry('b'));
      expect(cache.size).toBe(1);
      expect(cache.metrics().evictions).toBe(0);
    },
  },
  {
    name: 'clear removes every entry and the cache stays usable',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      for (let i = 0; i < 5; i++) cache.set(`k${i}`, entry(`${i}`));
      cache.clear();
      expect(cache.size).toBe(0);
      expect(cache.metrics().size).toBe(0);
      for (let i = 0; i < 5; i++) expect(cache.get(`k${i}`)).toBeUndefined();
      const again = entry('again');
      expect(cache.set('k1', again)).toBe(true);
      expect(cache.get('k1')).toBe(again);
      expect(cache.size).toBe(1);
    },
  },
  {
    name: 'size counts the entries held',
    run({ create }) {
      const cache = create({ maxSize: 100 });
      for (let i = 0; i < 40; i++) {
        cache.set(`k${i}`, entry(`${i}`));
        expect(cache.size).toBe(i + 1);
      }
      cache.delete('k0');
      expect(cache.size).toBe(39);
      expect(cache.metrics().size).toBe(39);
    },
  },
  {
    name: 'never holds more than maxSize entries',
    run({ create, options }) {
      for (const maxSize of [1, 3, 16]) {
        const cache = create({ maxSize });
        for (let i = 0; i < maxSize * 5; i++) {
          const value = entry(`${i}`);
          const accepted = cache.set(`k${i}`, value);
          if (!options.admission) {
            expect(accepted, `set #${i} with maxSize ${maxSize}`).toBe(true);
            expect(cache.get(`k${i}`), 'the newest entry is held').toBe(value);
          }
          expect(cache.size).toBeLessThanOrEqual(maxSize);
          expect(cache.metrics().size).toBe(cache.size);
        }
        let held = 0;
        for (let i = 0; i < maxSize * 5; i++) if (cache.get(`k${i}`) !== undefined) held++;
        expect(held).toBeLessThanOrEqual(maxSize);
        if (!options.admission) {
          expect(cache.size).toBe(maxSize);
          expect(cache.metrics().evictions).toBe(maxSize * 4);
        }
      }
    },
  },
  {
    name: 'evicts the least recently used entry (exact LRU order)',
    applies: (options) => options.policy === 'lru',
    run({ create }) {
      const cache = create({ maxSize: 3 });
      for (const key of ['a', 'b', 'c']) cache.set(key, entry(key));
      cache.get('a');
      cache.set('d', entry('d'));
      // A miss does not change recency; recency is now c < a < d.
      expect(cache.get('b'), 'b was least recently used').toBeUndefined();
      cache.get('c');
      // Recency: a < d < c. (SIEVE, CLOCK and FIFO evict d or c here instead.)
      cache.set('e', entry('e'));
      expect(cache.get('a'), 'a was least recently used').toBeUndefined();
      expect(cache.get('d')).toEqual(entry('d'));
      expect(cache.get('c')).toEqual(entry('c'));
      expect(cache.get('e')).toEqual(entry('e'));
      // Recency: d < c < e; overwriting d refreshes it.
      cache.set('d', entry('d2'));
      cache.set('f', entry('f'));
      expect(cache.get('c'), 'c was least recently used after d was overwritten').toBeUndefined();
      expect(cache.get('d')).toEqual(entry('d2'));
      expect(cache.get('e')).toEqual(entry('e'));
      expect(cache.get('f')).toEqual(entry('f'));
    },
  },
  {
    name: 'an entry expires after its ttlMs and no earlier',
    async run({ create, options }) {
      if (options.timers === 'fake') {
        withFakeTimers(() => {
          const cache = create({ maxSize: 10 });
          const value = entry('ttl');
          cache.set('ttl', value, { ttlMs: 1000 });
          cache.set('forever', entry('forever'));
          vi.advanceTimersByTime(999);
          expect(cache.get('ttl'), 'not expired 1 ms before its ttl').toBe(value);
          const missesBefore = cache.metrics().misses;
          vi.advanceTimersByTime(2);
          expect(cache.get('ttl'), expiryHint()).toBeUndefined();
          expect(cache.metrics().misses).toBe(missesBefore + 1);
          expect(cache.size).toBe(1);
          expect(cache.metrics().evictions, 'an expiry is not an eviction').toBe(0);
          expect(cache.get('forever')).toEqual(entry('forever'));
        });
        return;
      }
      const cache = create({ maxSize: 10 });
      const value = entry('ttl');
      cache.set('ttl', value, { ttlMs: 40 });
      cache.set('forever', entry('forever'));
      expect(cache.get('ttl')).toBe(value);
      await waitForSync(() => cache.get('ttl') === undefined, {
        timeoutMs: 3000,
        message: 'ttl entry expires',
      });
      expect(cache.get('forever')).toEqual(entry('forever'));
      expect(cache.metrics().evictions, 'an expiry is not an eviction').toBe(0);
    },
  },
  {
    name: 'a ttlMs beyond 2^31 ms neither expires early nor is ignored',
    async run({ create, options }) {
      const long = 2 ** 31 + 10_000;
      const tenYears = 10 * 365 * 24 * 3600 * 1000;
      if (options.timers === 'fake') {
        withFakeTimers(() => {
          const cache = create({ maxSize: 10 });
          cache.set('long', entry('long'), { ttlMs: long });
          cache.set('decade', entry('decade'), { ttlMs: tenYears });
          vi.advanceTimersByTime(5);
          expect(cache.get('long'), 'a 2^31+ ms ttl must not overflow into an immediate expiry').toEqual(
            entry('long'),
          );
          vi.advanceTimersByTime(2 ** 31);
          expect(cache.get('long')).toEqual(entry('long'));
          vi.advanceTimersByTime(10_000);
          expect(cache.get('long'), expiryHint()).toBeUndefined();
          expect(cache.get('decade')).toEqual(entry('decade'));
        });
        return;
      }
      const cache = create({ maxSize: 10 });
      cache.set('long', entry('long'), { ttlMs: long });
      cache.set('decade', entry('decade'), { ttlMs: tenYears });
      cache.set('short', entry('short'), { ttlMs: 30 });
      await waitForSync(() => cache.get('short') === undefined, {
        timeoutMs: 3000,
        message: 'short entry expires',
      });
      expect(cache.get('long')).toEqual(entry('long'));
      expect(cache.get('decade')).toEqual(entry('decade'));
    },
  },
  {
    name: 'ttlMs 0 or absent means no expiry',
    applies: (options) => options.timers === 'fake',
    run({ create }) {
      withFakeTimers(() => {
        const cache = create({ maxSize: 10 });
        cache.set('zero', entry('zero'), { ttlMs: 0 });
        cache.set('absent', entry('absent'));
        cache.set('undefined', entry('undefined'), { ttlMs: undefined });
        vi.advanceTimersByTime(20 * 365 * 24 * 3600 * 1000);
        expect(cache.get('zero')).toEqual(entry('zero'));
        expect(cache.get('absent')).toEqual(entry('absent'));
        expect(cache.get('undefined')).toEqual(entry('undefined'));
      });
    },
  },
  {
    name: 'overwriting without ttlMs removes the previous expiry',
    applies: (options) => options.timers === 'fake',
    run({ create }) {
      withFakeTimers(() => {
        const cache = create({ maxSize: 10 });
        cache.set('k', entry('first'), { ttlMs: 100 });
        cache.set('k', entry('second'));
        vi.advanceTimersByTime(1000);
        expect(cache.get('k')).toEqual(entry('second'));
      });
    },
  },
  {
    name: 'expires during a synchronous stretch (no timer can run) within `clockReads` reads after the deadline',
    applies: (options) => options.clockReads !== undefined,
    run({ create, options }) {
      const cache = create({ maxSize: 10 });
      const value = entry('k');
      cache.set('k', value, { ttlMs: 2 });
      expect(cache.get('k'), 'the clock was read: a reading to reuse').toBe(value);
      const deadline = Date.now() + 5;
      while (Date.now() < deadline) {
        // Busy: the event loop does not turn, so no timer retires the reading.
      }
      const bound = options.clockReads!;
      let served = 0;
      for (let read = 0; read <= bound && cache.get('k') !== undefined; read++) served++;
      expect(served, 'reads served past the deadline').toBeLessThanOrEqual(bound);
      expect(cache.get('k')).toBeUndefined();
    },
  },
  {
    name: 'metrics count hits, misses, sets, evictions, size and cost',
    run({ create, options }) {
      const cache = create({ maxSize: 2 });
      expect(cache.metrics()).toMatchObject({ hits: 0, misses: 0, sets: 0, evictions: 0, size: 0, cost: 0 });
      cache.set('a', entry('a'));
      cache.set('b', entry('b'));
      expect(cache.metrics()).toMatchObject({ sets: 2, size: 2, cost: 2, evictions: 0 });
      cache.get('a');
      cache.get('a');
      cache.get('missing');
      expect(cache.metrics()).toMatchObject({ hits: 2, misses: 1 });
      const accepted = cache.set('c', entry('c'));
      const after = cache.metrics();
      if (accepted) {
        expect(after).toMatchObject({ sets: 3, evictions: 1, size: 2, cost: 2 });
      } else {
        expect(options.admission, 'set returned false although the cache has no admission policy').toBe(true);
        expect(after.rejections).toBe(1);
        expect(after.size).toBe(2);
      }
      const present = ['a', 'b', 'c'].filter((key) => cache.get(key) !== undefined);
      expect(present.length).toBe(2);
      cache.delete(present[0]!);
      expect(cache.metrics()).toMatchObject({ size: 1, cost: 1, evictions: accepted ? 1 : 0 });
      const rejectionsBefore = cache.metrics().rejections;
      cache.set(present[1]!, entry('overwrite'));
      expect(cache.metrics().size).toBe(1);
      expect(cache.metrics().sets + cache.metrics().rejections - rejectionsBefore).toBe(after.sets + 1);
    },
  },
  {
    name: 'rejections count sets refused by admission and stay 0 without it',
    run({ create, options }) {
      const cache = create({ maxSize: 4 });
      let refused = 0;
      for (let i = 0; i < 200; i++) if (!cache.set(`k${i % 40}`, entry(`${i}`))) refused++;
      expect(cache.metrics().rejections).toBe(refused);
      if (!options.admission) expect(refused).toBe(0);
    },
  },
  {
    name: 'never holds more than maxCost and counts per-entry cost',
    applies: (options) => options.cost,
    run({ create }) {
      const cache = create({ maxSize: 1000, maxCost: 10 });
      for (let i = 0; i < 20; i++) {
        cache.set(`k${i}`, entry(`${i}`), { cost: 3 });
        const { cost, size } = cache.metrics();
        expect(cost).toBeLessThanOrEqual(10);
        expect(cost).toBe(size * 3);
      }
      cache.clear();
      expect(cache.metrics().cost).toBe(0);
      cache.set('x', entry('x'), { cost: 2 });
      cache.set('x', entry('x2'), { cost: 5 });
      expect(cache.metrics().cost, 'an overwrite replaces the old cost').toBe(5);
      cache.delete('x');
      expect(cache.metrics().cost).toBe(0);
      expect(cache.set('huge', entry('huge'), { cost: 11 }), 'an entry costlier than maxCost').toBe(false);
      expect(cache.get('huge')).toBeUndefined();
      expect(cache.metrics().cost).toBe(0);
    },
  },
  {
    name: 'declares a contract version core understands (or none)',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      if (cache.contractVersion !== undefined) expect(cache.contractVersion).toBe(CONTRACT_VERSION);
    },
  },
  {
    name: 'has (optional) tells what get would hold, counting nothing and refreshing nothing',
    async run({ create, options }) {
      const cache = create({ maxSize: 2 });
      const has = cache.has?.bind(cache);
      if (has === undefined) return; // the method is optional
      cache.set('a', entry('a'));
      cache.set('b', entry('b'));
      cache.set('t', entry('t'), { ttlMs: 60_000 });
      const before = cache.metrics();
      expect(has('z')).toBe(false);
      const held = ['a', 'b', 't'].filter((key) => has(key));
      expect(cache.metrics().hits).toBe(before.hits);
      expect(cache.metrics().misses).toBe(before.misses);
      for (const key of held) expect(cache.get(key)).toEqual(entry(key));
      if (options.policy === 'lru') {
        const lru = create({ maxSize: 2 });
        lru.set('a', entry('a'));
        lru.set('b', entry('b'));
        expect(lru.has?.('a')).toBe(true);
        lru.set('c', entry('c')); // has('a') did not make 'a' the most recently used
        expect(lru.get('a')).toBeUndefined();
      }
      vi.useRealTimers();
      const expiring = create({ maxSize: 10 });
      expiring.set('t', entry('t'), { ttlMs: 20 });
      await waitForSync(() => expiring.has?.('t') === false, {
        message: 'has() false after the TTL',
        timeoutMs: 3000,
      });
      expect(expiring.get('t')).toBeUndefined();
    },
  },
  {
    name: 'close is idempotent',
    run({ create }) {
      const cache = create({ maxSize: 10 });
      cache.set('a', entry('a'));
      cache.close();
      expect(() => cache.close()).not.toThrow();
    },
  },
  {
    name: "keys like '__proto__', 'constructor', '', very long and non-ASCII work and pollute nothing",
    run({ create }) {
      const cache = create({ maxSize: 100 });
      for (const key of HOSTILE_KEYS) {
        expect(cache.get(key), `get(${JSON.stringify(key.slice(0, 20))}) before set`).toBeUndefined();
      }
      const entries = new Map(HOSTILE_KEYS.map((key, i) => [key, entry(`hostile-${i}`)]));
      for (const [key, value] of entries) expect(cache.set(key, value)).toBe(true);
      expect(cache.size).toBe(HOSTILE_KEYS.length);
      for (const [key, value] of entries) expect(cache.get(key)).toBe(value);
      expect(({} as Record<string, unknown>).id).toBeUndefined();
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      for (const key of HOSTILE_KEYS) expect(cache.delete(key)).toBe(true);
      expect(cache.size).toBe(0);
      for (const key of HOSTILE_KEYS) expect(cache.get(key)).toBeUndefined();
    },
  },
  {
    name: 'matches a reference model under random operations (fast-check)',
    run({ create, options }) {
      // Key indexes are folded onto maxSize + 2 keys, so the cache is always under pressure; clears
      // are rare so that long eviction histories build up.
      const keyArb = fc.nat({ max: 7 });
      const opArb = fc.oneof(
        { weight: 10, arbitrary: fc.record({ kind: fc.constant('set' as const), key: keyArb }) },
        { weight: 10, arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyArb }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), key: keyArb }) },
      );
      const keyName = (index: number, maxSize: number): string => {
        const folded = index % (maxSize + 2);
        return folded === 0 ? '__proto__' : `k${folded}`;
      };
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 6 }),
          fc.array(opArb, { minLength: 20, maxLength: 300 }),
          (maxSize, ops) => {
            const cache = create({ maxSize });
            // For 'any', the model holds what may still be present; for 'lru', exactly what is present,
            // in recency order (Map iteration order).
            const model = new Map<string, TestEntry>();
            let gets = 0;
            let serial = 0;
            try {
              for (const op of ops) {
                const key = keyName(op.key, maxSize);
                if (op.kind === 'set') {
                  const value = entry(`${key}#${serial++}`);
                  const accepted = cache.set(key, value);
                  model.delete(key);
                  if (accepted) {
                    model.set(key, value);
                    if (options.policy === 'lru' && model.size > maxSize) {
                      model.delete(model.keys().next().value!);
                    }
                  } else if (!options.admission) {
                    throw new Error(`set(${key}) returned false without an admission policy`);
                  }
                } else if (op.kind === 'get') {
                  gets++;
                  const got = cache.get(key);
                  const expected = model.get(key);
                  if (options.policy === 'lru') {
                    if (got !== expected) {
                      fail(
                        `get(${key}) returned ${describeEntry(got)}, an LRU holds ${describeEntry(expected)}`,
                      );
                    }
                    if (expected !== undefined) {
                      model.delete(key);
                      model.set(key, expected);
                    }
                  } else if (got !== undefined) {
                    if (got !== expected) {
                      fail(
                        `get(${key}) returned a stale or unknown entry ${describeEntry(got)}, latest ${describeEntry(expected)}`,
                      );
                    }
                  } else {
                    model.delete(key);
                  }
                } else if (op.kind === 'delete') {
                  const removed = cache.delete(key);
                  if (options.policy === 'lru' && removed !== model.has(key)) {
                    fail(
                      `delete(${key}) returned ${removed}, an LRU ${model.has(key) ? 'holds' : 'does not hold'} it`,
                    );
                  }
                  if (removed && !model.has(key))
                    fail(`delete(${key}) found a key that was evicted or never set`);
                  model.delete(key);
                } else {
                  cache.clear();
                  model.clear();
                  if (cache.size !== 0) fail(`size is ${cache.size} after clear`);
                }
                if (cache.size > maxSize) fail(`size ${cache.size} exceeds maxSize ${maxSize}`);
                if (cache.metrics().size !== cache.size) {
                  fail(`metrics().size ${cache.metrics().size} differs from size ${cache.size}`);
                }
                if (options.policy === 'lru' && cache.size !== model.size) {
                  fail(`size ${cache.size}, an LRU holds ${model.size}`);
                }
              }
              const { hits, misses } = cache.metrics();
              expect(hits + misses).toBe(gets);
            } finally {
              cache.close();
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  },
];

/** @internal Resolves the suite options with their defaults. */
export function resolveLocalCacheSuiteOptions(
  options: LocalCacheSuiteOptions = {},
): ResolvedLocalCacheSuiteOptions {
  return {
    policy: options.policy ?? 'any',
    admission: options.admission ?? false,
    cost: options.cost ?? false,
    timers: options.timers ?? 'fake',
    clockReads: options.clockReads,
  };
}

/**
 * Registers the local-cache conformance suite: get/set/delete/clear/size, `set` returning a
 * boolean, bounds (`maxSize`, `maxCost`), TTL expiry (including TTLs beyond 2^31 ms), metrics that
 * really count, idempotent close, hostile keys such as `'__proto__'`, and a fast-check property
 * test against a reference model. Call it at the top level of a test file.
 *
 * @param name - shown in the test report, e.g. `'LruCache'`
 * @param factory - builds a fresh, empty cache from the given config for every test
 * @param options - what the cache promises; see {@link LocalCacheSuiteOptions}
 * @example
 * ```ts
 * import { describeLocalCache } from '@synced-cache/testing';
 * import { createLruCache } from '@synced-cache/lru';
 *
 * describeLocalCache('lru', (config) => createLruCache(config), { policy: 'lru', cost: true, timers: 'real' });
 * ```
 */
export function describeLocalCache(
  name: string,
  factory: LocalCacheTestFactory,
  options: LocalCacheSuiteOptions = {},
): void {
  const resolved = resolveLocalCacheSuiteOptions(options);
  describe(`LocalCache conformance: ${name}`, () => {
    const opened: Array<LocalCache<unknown>> = [];
    afterEach(() => {
      vi.useRealTimers();
      for (const cache of opened.splice(0)) cache.close();
    });
    const context: LocalCacheCheckContext = {
      create(config) {
        const cache = factory(config);
        opened.push(cache);
        return cache;
      },
      options: resolved,
    };
    for (const check of localCacheChecks) {
      if (check.applies !== undefined && !check.applies(resolved)) continue;
      it(check.name, () => check.run(context));
    }
  });
}
