import { InvalidConfigError } from '@synced-cache/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrequencySketch } from '../src/frequency-sketch.js';
import { hashKey } from '../src/hash.js';
import {
  createLfuCache,
  DEFAULT_MAX_ENTRIES,
  defaultLocalCacheConfig,
  INTERNAL_COST,
  type LfuLocalCache,
  lfuCacheFactory,
  VERSION,
} from '../src/index.js';
import type { Segments } from '../src/segments.js';

const FAKE_TIMERS: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout'],
  now: 1_700_000_000_000,
};

afterEach(() => {
  vi.useRealTimers();
});

/** The sketch's estimate for a held key, its deferred reads recorded first. */
function estimate(cache: LfuLocalCache<string>, key: string): number {
  const internals = cache as unknown as { slotOf: Map<string, number>; frequency(slot: number): number };
  const slot = internals.slotOf.get(key);
  if (slot === undefined) throw new Error(`${key} is not held`);
  return internals.frequency(slot);
}

/** One request as a cache user makes it: read, and fill on a miss. */
function access(cache: LfuLocalCache<string>, key: string): boolean {
  if (cache.get(key) !== undefined) return true;
  cache.set(key, key);
  return false;
}

/** Ranks 0 … keyCount − 1 drawn Zipf(exponent) from a uniform u in [0, 1) (inverse of the cumulative distribution). */
function zipfSampler(keyCount: number, exponent: number): (u: number) => number {
  const cumulative = new Float64Array(keyCount);
  let total = 0;
  for (let rank = 0; rank < keyCount; rank++) cumulative[rank] = total += 1 / (rank + 1) ** exponent;
  return (u) => {
    let low = 0;
    let high = keyCount - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < u * total) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

describe('createLfuCache options', () => {
  it('defaults to 10 000 entries; maxSize is an alias; maxCost alone leaves the count unbounded', () => {
    expect(createLfuCache().maxEntries).toBe(DEFAULT_MAX_ENTRIES);
    expect(createLfuCache({ maxSize: 7 }).maxEntries).toBe(7);
    expect(createLfuCache({ maxCost: 100 }).maxEntries).toBe(Number.POSITIVE_INFINITY);
    expect(createLfuCache({ maxCost: 100 }).maximumWeight).toBe(100);
    expect(createLfuCache({ maxCost: 100, maxEntries: 5 }).maxEntries).toBe(5);
  });

  it('accepts the seed default config', () => {
    const cache = createLfuCache(defaultLocalCacheConfig());
    expect(cache.maxEntries).toBe(10_000);
    expect(cache.set('k', 'v')).toBe(true);
  });

  it.each([
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxSize: 2.5 }, 'maxSize'],
    [{ maxEntries: 3, maxSize: 4 }, 'maxSize'],
    [{ maxCost: -1 }, 'maxCost'],
    [{ maxCost: Number.NaN }, 'maxCost'],
    [{ numCounters: 0 }, 'numCounters'],
    [{ bufferItems: -64 }, 'bufferItems'],
    [{ ignoreInternalCost: 'yes' as unknown as boolean }, 'ignoreInternalCost'],
    [{ defaultTtlMs: -5 }, 'defaultTtlMs'],
    [{ randomSeed: 0.5 }, 'randomSeed'],
  ])('rejects %o naming the option %s', (options, option) => {
    let thrown: unknown;
    try {
      createLfuCache(options);
    } catch (error) {
      thrown = error;
    }
    expect(InvalidConfigError.isInstance(thrown)).toBe(true);
    expect((thrown as InvalidConfigError).option).toBe(option);
    expect(() => lfuCacheFactory(options)).toThrow(InvalidConfigError);
  });

  it('the factory builds independent caches', () => {
    const factory = lfuCacheFactory({ maxEntries: 4 });
    const first = factory<string>();
    first.set('a', 'a');
    expect(factory().get('a')).toBeUndefined();
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('LfuLocalCache basics', () => {
  it('keeps number and string keys apart', () => {
    const cache = createLfuCache<string>({ maxEntries: 10 });
    cache.set(1, 'number');
    cache.set('1', 'string');
    cache.set(2.5, 'float');
    expect(cache.get(1)).toBe('number');
    expect(cache.get('1')).toBe('string');
    expect(cache.get(2.5)).toBe('float');
    expect(cache.size).toBe(3);
  });

  it('grows its storage when only maxCost bounds it', () => {
    const cache = createLfuCache<number>({ maxCost: 5000 });
    for (let i = 0; i < 5000; i++) expect(cache.set(`k${i}`, i)).toBe(true);
    expect(cache.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(cache.get(`k${i}`)).toBe(i);
    cache.set('one-more', 1);
    expect(cache.size).toBe(5000);
    expect(cache.metrics().cost).toBe(5000);
  });

  it('adds the internal cost per entry when ignoreInternalCost is false', () => {
    const cache = createLfuCache<string>({ maxCost: 10_000, ignoreInternalCost: false });
    cache.set('a', 'a', { cost: 100 });
    expect(cache.metrics().cost).toBe(100 + INTERNAL_COST);
  });

  it('rejects an entry heavier than maxCost and drops the key previous entry', () => {
    const cache = createLfuCache<string>({ maxCost: 10 });
    cache.set('k', 'old', { cost: 2 });
    expect(cache.set('k', 'new', { cost: 11 })).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.metrics()).toMatchObject({ rejections: 1, cost: 0, size: 0 });
  });

  it('throws InvalidConfigError for bad cost or ttl and for undefined entries', () => {
    const cache = createLfuCache();
    expect(() => cache.set('k', 1, { cost: -1 })).toThrow(InvalidConfigError);
    expect(() => cache.set('k', 1, { ttlMs: Number.NaN })).toThrow(InvalidConfigError);
    expect(() => cache.set('k', undefined)).toThrow(InvalidConfigError);
    expect(cache.size).toBe(0);
  });

  it('expires entries on read without timers, applies defaultTtlMs, and counts expirations apart from evictions', () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const cache = createLfuCache<string>({ maxEntries: 10, defaultTtlMs: 100 });
    cache.set('default', 'd');
    cache.set('never', 'n', { ttlMs: 0 });
    cache.set('long', 'l', { ttlMs: 2 ** 32 });
    for (let i = 0; i < 500; i++) cache.set(`extra${i % 7}`, 'x', { ttlMs: 50 + i });
    // No timer per entry: at most the one that refreshes the cached clock reading.
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    vi.advanceTimersByTime(100);
    expect(cache.get('default')).toBe('d');
    vi.advanceTimersByTime(1);
    expect(cache.has('default')).toBe(false);
    expect(cache.get('default')).toBeUndefined();
    expect(cache.get('never')).toBe('n');
    expect(cache.get('long')).toBe('l');
    expect(cache.metrics()).toMatchObject({ expirations: 1, evictions: 0 });
    expect(cache.size).toBe(9);
  });

  it('evicts expired entries before live ones when it needs room', () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const cache = createLfuCache<string>({ maxEntries: 100, randomSeed: 1 });
    for (let i = 0; i < 100; i++) cache.set(`short${i}`, 'x', { ttlMs: 10 });
    vi.advanceTimersByTime(11);
    for (let i = 0; i < 100; i++) cache.set(`fresh${i}`, 'y');
    expect(cache.size).toBe(100);
    for (let i = 0; i < 100; i++) expect(cache.has(`fresh${i}`)).toBe(true);
    expect(cache.metrics().expirations).toBe(100);
    expect(cache.metrics().evictions).toBe(0);
  });

  it('after close, set returns false and the cache is empty', () => {
    const cache = createLfuCache();
    cache.set('k', 1);
    cache.close();
    cache.close();
    expect(cache.size).toBe(0);
    expect(cache.set('k', 1)).toBe(false);
  });
});

describe('W-TinyLFU policy', () => {
  it('hits on an entry whose counters are full skip the sketch only until the next halving', () => {
    const seed = 13;
    const cache = createLfuCache<string>({ maxEntries: 16, randomSeed: seed });
    const sketch = (cache as unknown as { sketch: FrequencySketch }).sketch;
    const hot = hashKey('hot', seed);
    for (let i = 0; i < 40; i++) access(cache, 'hot');
    expect(sketch.frequency(hot)).toBe(16);
    // Other keys fill the sketch's sample (160 additions) until it halves.
    for (let i = 0; i < 10_000 && sketch.frequency(hot) === 16; i++) access(cache, `other${i % 64}`);
    const halved = sketch.frequency(hot);
    expect(halved).toBeLessThan(16);
    expect(cache.has('hot')).toBe(true);
    for (let i = 0; i < 4; i++) expect(access(cache, 'hot')).toBe(true);
    // Counted again: each read adds one until the counters are full again (deferred until the
    // estimate is needed).
    expect(sketch.frequency(hot)).toBe(halved);
    expect(estimate(cache, 'hot')).toBe(Math.min(16, halved + 4));
    expect(sketch.frequency(hot)).toBe(Math.min(16, halved + 4));
  });

  it('reads are recorded in the sketch when compared, removed, or 16 accumulate, with the same estimate as recording each at once', () => {
    const seed = 5;
    // No halving within the test (sample of 10 × 64 additions): estimates must match exactly.
    const cache = createLfuCache<string>({ maxEntries: 64, randomSeed: seed });
    const sketch = (cache as unknown as { sketch: FrequencySketch }).sketch;
    const reference = new FrequencySketch(16 * 64, 10 * 64);
    const keys = Array.from({ length: 8 }, (_, i) => `key${i}`);
    for (const key of keys) {
      cache.set(key, key);
      reference.record(hashKey(key, seed));
    }
    const reads = [3, 1, 0, 15, 16, 17, 40, 7];
    keys.forEach((key, index) => {
      for (let i = 0; i < reads[index]!; i++) {
        expect(cache.get(key)).toBe(key);
        reference.record(hashKey(key, seed));
      }
    });
    // 16 reads of key4 and the first 16 of key5 and key6 were recorded as they accumulated.
    expect(sketch.frequency(hashKey('key4', seed))).toBe(reference.frequency(hashKey('key4', seed)));
    expect(sketch.frequency(hashKey('key0', seed))).toBe(1);
    for (const key of keys) expect(estimate(cache, key)).toBe(reference.frequency(hashKey(key, seed)));
    // A removed key keeps its history.
    for (let i = 0; i < 5; i++) cache.get('key1');
    cache.delete('key1');
    for (let i = 0; i < 5; i++) reference.record(hashKey('key1', seed));
    expect(sketch.frequency(hashKey('key1', seed))).toBe(reference.frequency(hashKey('key1', seed)));
  });

  it('a halving halves the reads still deferred, as it halves the counters', () => {
    const seed = 21;
    const cache = createLfuCache<string>({ maxEntries: 64, randomSeed: seed });
    const sketch = (cache as unknown as { sketch: FrequencySketch }).sketch;
    cache.set('warm', 'warm');
    cache.get('warm');
    expect(estimate(cache, 'warm')).toBe(2);
    for (let i = 0; i < 12; i++) cache.get('warm');
    // 12 reads deferred; 48 other keys, all held, then complete the sample period (640 additions).
    const halvings = vi.spyOn(sketch, 'age');
    for (let i = 0; i < 10_000 && halvings.mock.calls.length === 0; i++) access(cache, `other${i % 48}`);
    expect(halvings).toHaveBeenCalledTimes(1);
    expect(cache.has('warm')).toBe(true);
    // Counters held 1 (+1 doorkeeper), 12 reads waited: recorded at once that is 13, halved 6.
    expect(estimate(cache, 'warm')).toBe(6 + 1);
  });

  it('resists scans: frequently used keys survive a one-time scan 20 × the capacity', () => {
    const cache = createLfuCache<string>({ maxEntries: 1000, randomSeed: 11 });
    const hot = Array.from({ length: 500 }, (_, i) => `hot${i}`);
    for (let round = 0; round < 10; round++) for (const key of hot) access(cache, key);
    for (let i = 0; i < 20_000; i++) access(cache, `scan${i}`);
    const survivors = hot.filter((key) => cache.has(key)).length;
    expect(survivors).toBeGreaterThanOrEqual(490);
    // The scan drops the hit ratio, which the shift detector answers by halving the counters twice;
    // the idle hot keys keep their place (nothing hits during a pure scan), but a few more scan keys
    // win admission against each other in probation afterwards (about 18,100 rejections of 20,000).
    expect(cache.metrics().admissionRejections).toBeGreaterThan(18_000);
  });

  it('rejects a one-hit wonder in favour of a frequent resident', () => {
    const cache = createLfuCache<string>({ maxEntries: 100, randomSeed: 3 });
    for (let round = 0; round < 5; round++) for (let i = 0; i < 100; i++) access(cache, `resident${i}`);
    access(cache, 'once');
    const before = cache.metrics();
    access(cache, 'push-out'); // moves 'once' out of the one-entry window, where it loses admission
    expect(cache.has('once')).toBe(false);
    expect(cache.has('push-out')).toBe(true);
    const after = cache.metrics();
    expect(after.admissionRejections - before.admissionRejections).toBe(1);
    expect(after.evictions - before.evictions).toBe(1);
    for (let i = 0; i < 100; i++) if (i !== 99) expect(cache.has(`resident${i}`)).toBe(true);
  });

  it('the window grows within a few capacities when recency pays (each key reused once, 1 to 600 requests later)', () => {
    const cache = createLfuCache<string>({ maxEntries: 1000, randomSeed: 5 });
    expect(cache.metrics().windowCapacity).toBe(10);
    let state = 7;
    let hitsLate = 0;
    let windowAt4k = 0;
    let windowAt20k = 0;
    const steps = 150_000;
    for (let step = 0; step < steps; step++) {
      let hits = Number(access(cache, `n${step}`));
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const distance = 1 + ((state >>> 8) % 600);
      if (step >= distance) hits += Number(access(cache, `n${step - distance}`));
      if (step === 4_000) windowAt4k = cache.metrics().windowCapacity;
      if (step === 20_000) windowAt20k = cache.metrics().windowCapacity;
      if (step >= steps - 10_000) hitsLate += hits;
    }
    // Each key is requested twice, so 50 % is the best possible hit ratio; a 1 % window gets ~10 %.
    // Rejected keys that come back soon (WindowGhosts) and LRU's steady lead (the recency shadow's
    // verdict on a lead of 16 times its limit) grow the window long before the hill climber's
    // first sample (10 × the capacity in requests) could. Measured: 706 entries at 4,000 requests.
    expect(windowAt4k).toBeGreaterThan(300);
    expect(windowAt20k).toBeGreaterThan(500);
    expect(cache.metrics().windowCapacity).toBeGreaterThan(500);
    expect(hitsLate / 20_000).toBeGreaterThan(0.45);
  });

  it('hill climbing keeps the window small on a frequency-biased (Zipf-like) workload', () => {
    const cache = createLfuCache<string>({ maxEntries: 1000, randomSeed: 9 });
    let state = 12345;
    for (let step = 0; step < 200_000; step++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const rank = Math.floor(1 / (((state >>> 8) / 2 ** 24) * 0.999 + 0.001)); // ~ 1/x, heavy head
      access(cache, `z${rank}`);
    }
    expect(cache.metrics().windowCapacity).toBeLessThan(300);
  });

  it('resists hash flooding: entries an attacker keeps at top frequency still lose 1 in 128 contests to warm newcomers', () => {
    const cache = createLfuCache<string>({ maxEntries: 64, randomSeed: 21 });
    const residents = Array.from({ length: 64 }, (_, i) => `attacker${i}`);
    for (let round = 0; round < 40; round++) for (const key of residents) access(cache, key);
    const newcomers = Array.from({ length: 32 }, (_, i) => `user${i}`);
    const before = cache.metrics();
    let largestWindow = 0;
    for (let round = 0; round < 300; round++) {
      for (const key of newcomers) {
        access(cache, key);
        largestWindow = Math.max(largestWindow, cache.metrics().windowCapacity);
        // The attacker re-touches its entries around every legitimate request, so a resident's
        // frequency is always at least a newcomer's: a plain "more frequent wins" rule never admits.
        for (const resident of residents) {
          access(cache, resident);
          access(cache, resident);
        }
      }
    }
    const after = cache.metrics();
    const contests = after.evictions - before.evictions;
    const admitted = contests - (after.admissionRejections - before.admissionRejections);
    expect(contests).toBeGreaterThan(9000);
    expect(admitted).toBeGreaterThanOrEqual(20);
    expect(admitted / contests).toBeGreaterThan(0.3 / 128);
    expect(admitted / contests).toBeLessThan(3 / 128);
    // Near-ties are not remembered as evidence for a larger window (WindowGhosts), so the attack
    // does not move the window either: the residents stay in the main space.
    expect(largestWindow).toBe(before.windowCapacity);
  });

  it('a loop slightly longer than the cache keeps what it can: a victim that wins untouched is spared the random admission', () => {
    // 125 keys in order through 100 entries: the optimum keeps 99 of them and hits 79.2 %. Every
    // contest is a tie between warm keys, won by the same untouched probation head; admitting 1 in
    // 128 candidates at random anyway (as against a victim that is being accessed) only replaced
    // kept keys with others: 75.7–78.7 % on these seeds.
    for (const randomSeed of [1, 5, 11, 21, 42]) {
      const cache = createLfuCache<string>({ maxEntries: 100, randomSeed });
      let hits = 0;
      let requests = 0;
      for (let pass = 0; pass < 80; pass++) {
        for (let i = 0; i < 125; i++) {
          const hit = access(cache, `loop${i}`);
          if (pass >= 20) {
            requests++;
            if (hit) hits++;
          }
        }
      }
      expect(hits / requests).toBeGreaterThan(0.79);
    }
  });

  it('a loop 1.25 × the cache does not grow the window into an LRU: a rejected candidate counts from its last access', () => {
    // At the end of each pass the window holds the loop's last keys; they wait there through the
    // next pass's hits and lose their contests just before coming round again. Counted from the
    // contest, they came back "soon" every pass and grew the window until nothing was kept (16 % on
    // these seeds); counted from their last access, they come back after more than the horizon.
    for (const randomSeed of [1, 2, 11]) {
      const cache = createLfuCache<string>({ maxEntries: 500, randomSeed });
      let hits = 0;
      let requests = 0;
      for (let pass = 0; pass < 640; pass++) {
        for (let i = 0; i < 625; i++) {
          const hit = access(cache, `s${randomSeed}:${i}`);
          if (pass >= 320) {
            requests++;
            if (hit) hits++;
          }
        }
      }
      expect(hits / requests).toBeGreaterThan(0.78);
      expect(cache.metrics().windowCapacity).toBeLessThan(50);
    }
  });

  it('forgets a hot set that went cold: after a drop in the hit ratio, entries idle since then stop blocking the new hot set', () => {
    const cache = createLfuCache<string>({ maxEntries: 1000, randomSeed: 7 });
    // 900 keys read round-robin 30 times: all cached, counters saturated, most in protected.
    for (let round = 0; round < 30; round++) for (let i = 0; i < 900; i++) access(cache, `a${i}`);
    // Then those keys are never read again and 900 others take their place.
    const hitsPerRound: number[] = [];
    for (let round = 0; round < 12; round++) {
      let hits = 0;
      for (let i = 0; i < 900; i++) if (access(cache, `b${i}`)) hits++;
      hitsPerRound.push(hits);
    }
    // The shift is confirmed after three low samples (1.5 capacities of requests, so a scan shorter
    // than that is not one); two capacities of requests later the idle `a` keys lose their
    // standing. Without that, they win admission contests until aging wears their counts down
    // (101 hits in round 5, under half the requests hit by round 12).
    expect(hitsPerRound[5]).toBe(900);
    expect(hitsPerRound.slice(5).every((hits) => hits === 900)).toBe(true);
    let coldLeft = 0;
    for (let i = 0; i < 900; i++) if (cache.has(`a${i}`)) coldLeft++;
    expect(coldLeft).toBeLessThanOrEqual(100);
  });

  it('keeps up with LRU when the hot set is replaced every 3 capacities: the recency shadow declares the shifts', () => {
    const capacity = 500;
    const zipf = zipfSampler(100_000, 0.99);
    const cache = createLfuCache<string>({ maxEntries: capacity, randomSeed: 11 });
    // A textbook LRU over the same requests (Map insertion order).
    const lru = new Map<string, true>();
    let state = 4242;
    let lfuHits = 0;
    let lruHits = 0;
    const requests = 100 * 3 * capacity;
    for (let step = 0; step < requests; step++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const key = `p${Math.floor(step / (3 * capacity))}:${zipf((state >>> 8) / 2 ** 24)}`;
      if (access(cache, key)) lfuHits++;
      if (lru.delete(key)) lruHits++;
      lru.set(key, true);
      if (lru.size > capacity) lru.delete(lru.keys().next().value!);
    }
    // Measured: 0.23 points below LRU (38.06 % against 38.29 %). Without the shadow's verdicts lfu
    // scored 1.95 points below: the hit-ratio detector saw no shift (each hot set lasts 3 of its
    // samples) and the hill climber moved the window twice in the run.
    expect((lfuHits - lruHits) / requests).toBeGreaterThan(-0.005);
    expect(cache.metrics().shifts).toBeGreaterThan(10);
  });

  it('a shift the recency shadow declares forgets more history than one the hit ratio shows: 3 halvings, not 2', () => {
    const readOften = () => {
      const cache = createLfuCache<string>({ maxEntries: 100, randomSeed: 5 });
      cache.set('hot', 'hot');
      for (let read = 0; read < 40; read++) cache.get('hot');
      return cache;
    };
    const declared = readOften();
    const detected = readOften();
    // 15 in the counters (their maximum) and 1 from the doorkeeper.
    expect(estimate(declared, 'hot')).toBe(16);
    (declared as unknown as { recencyLed(): void }).recencyLed();
    (detected as unknown as { forgetHistory(): void }).forgetHistory();
    // Each halving also clears the doorkeeper: 15 -> 7 -> 3 (detected) -> 1 (declared).
    expect(estimate(detected, 'hot')).toBe(3);
    expect(estimate(declared, 'hot')).toBe(1);
  });

  it("a recency verdict grows the window by its step times LRU's lead over the limit, at most 2 steps, past the 1,000-entry transfer bound", () => {
    const grownBy = (strength: number) => {
      const cache = createLfuCache<string>({ maxEntries: 30_000, randomSeed: 3 });
      for (let i = 0; i < 30_000; i++) cache.set(`k${i}`, 'v');
      const before = cache.metrics().windowCapacity;
      const inside = cache as unknown as { recency: { verdictStrength: number }; recencyLed(): void };
      inside.recency.verdictStrength = strength;
      inside.recencyLed();
      return cache.metrics().windowCapacity - before;
    };
    expect(grownBy(1)).toBe(3_000);
    expect(grownBy(1.5)).toBe(4_500);
    expect(grownBy(2)).toBe(6_000);
    expect(grownBy(31)).toBe(6_000);
  });

  it('a cache bounded by cost compares itself with an LRU of as many entries as it holds, not of maxCost entries', () => {
    // maxCost 4,500 with costs 1–8 (mean 4.5): about 1,000 entries. A loop over 2,000 keys.
    const cache = createLfuCache<number>({ maxCost: 4_500, randomSeed: 3 });
    const cost = (id: number) => 1 + (Math.imul(id + 1, 0x9e3779b1) >>> 29);
    let lateHits = 0;
    for (let pass = 0; pass < 20; pass++) {
      for (let id = 0; id < 2_000; id++) {
        if (cache.get(`k${id}`) !== undefined) {
          if (pass >= 15) lateHits++;
        } else cache.set(`k${id}`, id, { cost: cost(id) });
      }
    }
    // Measured: 45.8 % over the last 5 passes, no shift. With the shadow sized for 4,500 entries
    // (its expected number, were every cost 1), LRU "led" on the loop it cannot hold, the false
    // verdicts grew the window into an LRU and halved the counts: 0.55 %, 3 shifts.
    expect(lateHits / 10_000).toBeGreaterThan(0.4);
    expect(cache.metrics().shifts).toBe(0);
  });

  it('gives back the window recency verdicts lent it once the hot set holds still', () => {
    const capacity = 500;
    const zipf = zipfSampler(100_000, 0.99);
    const cache = createLfuCache<string>({ maxEntries: capacity, randomSeed: 11 });
    let state = 4242;
    const rank = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return zipf((state >>> 8) / 2 ** 24);
    };
    // 60 hot sets of 3 capacities each: the verdicts grow the window past 80 % of the capacity.
    for (let step = 0; step < 60 * 3 * capacity; step++)
      access(cache, `p${Math.floor(step / (3 * capacity))}:${rank()}`);
    expect(cache.metrics().windowCapacity).toBeGreaterThan(0.8 * capacity);
    // Then one hot set for 100 capacities: no verdict comes, the loan is returned (measured: 185
    // entries after 40 capacities, 1 after 80). Kept, the hill climber's dead band held it.
    for (let step = 0; step < 100 * capacity; step++) access(cache, `still:${rank()}`);
    expect(cache.metrics().windowCapacity).toBeLessThan(0.2 * capacity);
  });

  it('forgets a hot set that went quiet without a dip in the hit ratio: the hot-set watch declares the shift in a large cache', () => {
    const capacity = 4000;
    const cache = createLfuCache<string>({ maxEntries: capacity, randomSeed: 9 });
    let state = 99;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) / 2 ** 24;
    };
    // Half the requests to 400 hot keys, half to 3,600 warm ones: the cache holds all of them.
    for (let step = 0; step < 40 * capacity; step++)
      access(cache, next() < 0.5 ? `old:${Math.floor(next() * 400)}` : `warm:${Math.floor(next() * 3600)}`);
    expect(cache.metrics().shifts).toBe(0);
    // The hot traffic moves to 400 of the warm keys (cached already, so the hit ratio stays ~99 %
    // and the hit-ratio detector sees nothing); 1 % of requests go to 400 new keys.
    let hits = 0;
    const requests = 8 * capacity;
    for (let step = 0; step < requests; step++) {
      const r = next();
      const key =
        r < 0.5
          ? `warm:${Math.floor(next() * 400)}`
          : r < 0.99
            ? `warm:${400 + Math.floor(next() * 3200)}`
            : `new:${Math.floor(next() * 400)}`;
      if (access(cache, key)) hits++;
    }
    expect(hits / requests).toBeGreaterThan(0.98);
    expect(cache.metrics().shifts).toBe(1);
    const held = (prefix: string, count: number) => {
      let n = 0;
      for (let i = 0; i < count; i++) if (cache.has(`${prefix}:${i}`)) n++;
      return n;
    };
    // Measured: 252 of the quiet keys left, new keys in their place (186 held). Without the watch
    // 389 were left (34 new keys held): with full counts they win every contest until aging wears
    // them down. (236 left when probation entries moved on every read: here the cache is quiet
    // until the move, so its first demotions draw on CLOCK marks nearly every entry has.)
    expect(held('old', 400)).toBeLessThan(300);
    expect(held('new', 400)).toBeGreaterThan(150);
    // A few warm keys unread during the observation go too (their counts said ~0.6 reads): 23.
    expect(held('warm', 3600)).toBeGreaterThan(3500);
  });

  it('the hot-set watch declares no shift on a stationary skewed workload in a large cache', () => {
    const capacity = 4000;
    const zipf = zipfSampler(40_000, 0.9);
    for (const randomSeed of [1, 2]) {
      const cache = createLfuCache<string>({ maxEntries: capacity, randomSeed });
      let state = 7 + randomSeed;
      for (let step = 0; step < 80 * capacity; step++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        access(cache, `z${zipf((state >>> 8) / 2 ** 24)}`);
      }
      expect(cache.metrics().shifts).toBe(0);
    }
  });

  it('detects no shift on a stationary workload (Zipf, with and without one-time scans shorter than the capacity)', () => {
    const cache = createLfuCache<string>({ maxEntries: 1000, randomSeed: 3 });
    let state = 12345;
    let scanKey = 0;
    for (let step = 0; step < 300_000; step++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const rank = Math.floor(1 / (((state >>> 8) / 2 ** 24) * 0.9999 + 0.0001)); // ~ Zipf 1
      access(cache, `z${rank}`);
      if (step % 10_000 === 9_999) for (let i = 0; i < 500; i++) access(cache, `scan${scanKey++}`);
    }
    expect(cache.metrics().shifts).toBe(0);
  });

  it('a loop of 10 × the capacity keeps a fixed set: a victim not read since the last halving counts one more than its halved count', () => {
    // Every key is read once per pass, so a candidate and its victim are equally frequent; but a
    // halving between the victim's read and the candidate's cut the victim's count only. Without
    // the compensation the candidate won and evicted the loop's next key: 5.3–9.0 % here.
    for (const [capacity, seed] of [
      [100, 5],
      [100, 6],
      [1000, 7],
    ] as const) {
      const cache = createLfuCache<string>({ maxEntries: capacity, randomSeed: seed });
      let hits = 0;
      let requests = 0;
      for (let pass = 0; pass < 30; pass++) {
        for (let i = 0; i < 10 * capacity; i++) {
          const hit = access(cache, `loop${i}`);
          if (pass >= 10) {
            requests++;
            if (hit) hits++;
          }
        }
      }
      // The optimum keeps `capacity` of the 10 × capacity keys: 10 %. Measured 9.6–10 %.
      expect(hits / requests).toBeGreaterThan(0.095);
    }
  });

  it('marks entries read since the last halving (FRESH); the halving clears the mark, a read sets it again', () => {
    const cache = createLfuCache<string>({ maxEntries: 64, randomSeed: 3 });
    const internals = cache as unknown as {
      slotOf: Map<string, number>;
      queue: Uint8Array;
      sketch: FrequencySketch;
    };
    const fresh = (key: string) => (internals.queue[internals.slotOf.get(key)!]! & 0x20) !== 0;
    for (let i = 0; i < 64; i++) cache.set(`k${i}`, 'v');
    expect(fresh('k0')).toBe(true);
    const halvings = vi.spyOn(internals.sketch, 'age');
    for (let i = 0; i < 100_000 && halvings.mock.calls.length === 0; i++) cache.get(`k${1 + (i % 63)}`);
    expect(halvings).toHaveBeenCalledTimes(1);
    expect(fresh('k0')).toBe(false);
    cache.get('k0');
    expect(fresh('k0')).toBe(true);
  });

  it('a loop of 10 × the capacity still hits: its keys build counts although each recurs only once per aging period', () => {
    const cache = createLfuCache<string>({ maxEntries: 100, randomSeed: 5 });
    let hits = 0;
    let requests = 0;
    for (let pass = 0; pass < 40; pass++) {
      for (let i = 0; i < 1000; i++) {
        if (access(cache, `loop${i}`) && pass >= 10) hits++;
        if (pass >= 10) requests++;
      }
    }
    // The optimum keeps 100 of the 1000 keys: 10 %. Before the fix no key ever got a count (0 %).
    expect(hits / requests).toBeGreaterThan(0.04);
  });

  it('is deterministic for a given randomSeed', () => {
    const run = () => {
      const cache = createLfuCache<string>({ maxEntries: 200, randomSeed: 77 });
      let hits = 0;
      let state = 1;
      for (let step = 0; step < 50_000; step++) {
        state = (Math.imul(state, 48271) + 11) >>> 0;
        if (access(cache, `k${state % 1000 < 700 ? state % 100 : state % 5000}`)) hits++;
      }
      return hits;
    };
    expect(run()).toBe(run());
  });
});

type Operation =
  | { kind: 'set'; key: string | number; cost: number }
  | { kind: 'get'; key: string | number }
  | { kind: 'delete'; key: string | number }
  | { kind: 'clear' };

describe('a quiet cache (no eviction for a while) moves no entry on a read', () => {
  const PROBATION = 1;
  const RECENT = 0x08;
  interface Inside {
    slotOf: Map<string, number>;
    keys: unknown[];
    segments: Segments;
  }
  const insideOf = (cache: LfuLocalCache<string>) => cache as unknown as Inside;
  /** Probation's keys, least recently used first. */
  function probation(cache: LfuLocalCache<string>): string[] {
    const { segments, keys } = insideOf(cache);
    const order: string[] = [];
    for (
      let slot = segments.links[PROBATION * 2 + 1]!;
      slot !== PROBATION;
      slot = segments.links[slot * 2 + 1]!
    )
      order.push(keys[slot] as string);
    return order;
  }
  const marked = (cache: LfuLocalCache<string>, key: string) => {
    const { segments, slotOf } = insideOf(cache);
    return (segments.queue[slotOf.get(key)!]! & RECENT) !== 0;
  };

  /**
   * 1,000 entries; the first reads promote k0 … k499 (the cache is not quiet yet), which are then
   * read again until no insertion has made room for 4 detector periods (500 reads each here).
   * Probation then holds k500 … k989, unread.
   */
  function quietCache(): { cache: LfuLocalCache<string>; keys: string[] } {
    const cache = createLfuCache<string>({ maxEntries: 1_000, randomSeed: 21 });
    const keys = Array.from({ length: 1_000 }, (_, index) => `k${index}`);
    for (const key of keys) cache.set(key, key);
    for (let pass = 0; pass < 6; pass++) for (const key of keys.slice(0, 500)) cache.get(key);
    return { cache, keys };
  }

  it('reads of probation entries mark them in place; every read is still a hit', () => {
    const { cache, keys } = quietCache();
    const before = probation(cache);
    expect(before).toEqual(keys.slice(500, 990));
    expect(before.some((key) => marked(cache, key))).toBe(false);
    const promote = vi.spyOn(insideOf(cache).segments, 'promote');
    for (let round = 0; round < 5; round++) for (const key of before) expect(cache.get(key)).toBe(key);
    expect(promote).not.toHaveBeenCalled();
    expect(probation(cache)).toEqual(before);
    expect(before.every((key) => marked(cache, key))).toBe(true);
  });

  it("the next eviction first promotes the marked entries at probation's head, unmarked", () => {
    const { cache, keys } = quietCache();
    const read = keys.slice(500, 550);
    for (const key of read) cache.get(key);
    cache.set('newcomer', 'n');
    expect(cache.metrics().evictions).toBe(1);
    // The contest was k990 (out of the window) against k550, the first unread entry; equally
    // frequent, the victim stays and the candidate goes.
    expect(cache.has('k990')).toBe(false);
    expect(read.every((key) => cache.has(key) && !marked(cache, key))).toBe(true);
    expect(probation(cache).filter((key) => read.includes(key))).toEqual([]);
    expect(probation(cache)[0]).toBe('k550');
  });

  it('a halving halves the reads still deferred in place, without recording them, within one read of the exact count', () => {
    const { cache, keys } = quietCache();
    const inside = cache as unknown as { sketch: FrequencySketch; referenced: Uint8Array };
    const exact = new Map<string, number>();
    // Each of k500 … k599 read 1 to 7 times (index % 7 + 1); their reads wait (fewer than 16).
    keys.slice(500, 600).forEach((key, index) => {
      for (let read = 0; read <= index % 7; read++) cache.get(key);
    });
    // What recording first and then halving would give, from a copy of the sketch.
    const tables = inside.sketch as unknown as { table: Uint32Array; doorkeeper: Uint32Array };
    const copy = Object.assign(Object.create(FrequencySketch.prototype), inside.sketch, {
      table: tables.table.slice(),
      doorkeeper: tables.doorkeeper.slice(),
    }) as FrequencySketch;
    const { slotOf } = insideOf(cache);
    for (const key of keys.slice(500, 600)) {
      const waiting = inside.referenced[slotOf.get(key)!]! >>> 4;
      if (waiting > 0) copy.recordMany(hashKey(key, 21), waiting);
    }
    copy.age();
    for (const key of keys.slice(500, 600)) exact.set(key, copy.frequency(hashKey(key, 21)));
    // Reads of the other keys complete the period (their counts wait, or are recorded at 16).
    const others = [...keys.slice(0, 500), ...keys.slice(600, 990)];
    const halvings = vi.spyOn(inside.sketch, 'age');
    const records = vi.spyOn(inside.sketch, 'recordMany');
    let recordsInHalvingRead = -1;
    for (let index = 0; index < 200_000 && halvings.mock.calls.length === 0; index++) {
      const before = records.mock.calls.length;
      cache.get(others[index % others.length]!);
      if (halvings.mock.calls.length > 0) recordsInHalvingRead = records.mock.calls.length - before;
    }
    expect(halvings).toHaveBeenCalledTimes(1);
    expect(recordsInHalvingRead).toBe(0);
    const errors = keys.slice(500, 600).map((key) => estimate(cache, key) - exact.get(key)!);
    expect(errors.every((error) => Math.abs(error) <= 1)).toBe(true);
    // An even count halves exactly; an odd one is rounded up or down in turn (exact when the
    // counters' own parity matches, one off when not).
    for (let index = 0; index < errors.length; index++)
      if ((index % 7) % 2 === 1) expect(errors[index]).toBe(0);
  });

  it('reads promote again as soon as the cache evicts', () => {
    const { cache, keys } = quietCache();
    const promote = vi.spyOn(insideOf(cache).segments, 'promote');
    cache.set('extra', 'x');
    const inProbation = probation(cache).filter((key) => keys.includes(key) && !marked(cache, key));
    cache.get(inProbation.at(-1)!);
    expect(promote).toHaveBeenCalled();
  });
});

describe('LfuLocalCache against a reference model (fast-check)', () => {
  const key = fc.constantFrom<string | number>('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 1, 2, '__proto__');
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('set' as const), key, cost: fc.integer({ min: 0, max: 5 }) }),
    },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  );

  it('never exceeds maxEntries or maxCost, accounts cost exactly, and never returns a stale, deleted or foreign entry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 4, max: 12 }), { nil: undefined }),
        fc.integer(),
        fc.array(operation, { maxLength: 150, size: 'max' }),
        (maxEntries, maxCost, randomSeed, operations) => {
          const cache = createLfuCache<number>({ maxEntries, maxCost, randomSeed });
          const model = new Map<string | number, { value: number; cost: number }>();
          let serial = 0;
          let gets = 0;
          let refused = 0;
          for (const op of operations) {
            if (op.kind === 'set') {
              const value = serial++;
              const accepted = cache.set(op.key, value, { cost: op.cost });
              model.set(op.key, { value, cost: op.cost });
              if (!accepted) refused++;
              expect(cache.has(op.key)).toBe(accepted);
            } else if (op.kind === 'get') {
              gets++;
              const got = cache.get(op.key);
              if (got !== undefined) expect(got).toBe(model.get(op.key)?.value);
            } else if (op.kind === 'delete') {
              const removed = cache.delete(op.key);
              if (removed) expect(model.has(op.key)).toBe(true);
              model.delete(op.key);
              expect(cache.has(op.key)).toBe(false);
            } else {
              cache.clear();
              model.clear();
            }
            let cost = 0;
            let held = 0;
            for (const [modelKey, entry] of model) {
              if (cache.has(modelKey)) {
                held++;
                cost += entry.cost;
              }
            }
            const metrics = cache.metrics();
            expect(cache.size).toBe(held);
            expect(metrics.size).toBe(held);
            expect(metrics.cost).toBe(cost);
            expect(held).toBeLessThanOrEqual(maxEntries);
            if (maxCost !== undefined) expect(cost).toBeLessThanOrEqual(maxCost);
          }
          const metrics = cache.metrics();
          expect(metrics.hits + metrics.misses).toBe(gets);
          expect(metrics.rejections).toBe(refused);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never returns an entry after its TTL, and returns a held entry before it (fake clock)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('set' as const), key, ttlMs: fc.constantFrom(0, 5, 10, 30) }),
            fc.record({ kind: fc.constant('get' as const), key }),
            fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 12 }) }),
          ),
          { maxLength: 100, size: 'max' },
        ),
        (maxEntries, operations) => {
          vi.useFakeTimers(FAKE_TIMERS);
          try {
            const cache = createLfuCache<number>({ maxEntries, randomSeed: 1 });
            const model = new Map<string | number, { value: number; expiresAt: number }>();
            let serial = 0;
            for (const op of operations) {
              if (op.kind === 'set') {
                const value = serial++;
                cache.set(op.key, value, { ttlMs: op.ttlMs });
                model.set(op.key, { value, expiresAt: op.ttlMs === 0 ? 0 : Date.now() + op.ttlMs });
              } else if (op.kind === 'get') {
                const entry = model.get(op.key);
                const live = entry !== undefined && (entry.expiresAt === 0 || Date.now() <= entry.expiresAt);
                const held = cache.has(op.key);
                if (held) expect(live).toBe(true);
                const got = cache.get(op.key);
                expect(got).toBe(held ? entry?.value : undefined);
              } else {
                vi.advanceTimersByTime(op.ms);
              }
              expect(cache.size).toBeLessThanOrEqual(maxEntries);
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

describe('LfuLocalCache under a long weighted workload', () => {
  it('keeps size, cost and bounds consistent while hill climbing moves weighted entries between segments', () => {
    const maxCost = 500;
    const maxEntries = 120;
    const cache = createLfuCache<number>({ maxCost, maxEntries, randomSeed: 13 });
    const universe = 600;
    const costs = new Map<number, number>();
    let state = 99;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const windows = new Set<number>();
    for (let step = 0; step < 200_000; step++) {
      // Alternate between a recency-heavy and a frequency-heavy phase so the climber moves both ways.
      const phase = Math.floor(step / 20_000) % 2;
      const key =
        phase === 0 ? (step + Math.floor(random() * 50)) % universe : Math.floor(random() ** 3 * universe);
      if (cache.get(key) === undefined) {
        const cost = Math.floor(random() * 12);
        if (cache.set(key, step, { cost })) costs.set(key, cost);
      }
      if (step % 997 === 0) {
        windows.add(cache.metrics().windowCapacity);
        let held = 0;
        let cost = 0;
        for (let candidate = 0; candidate < universe; candidate++) {
          if (cache.has(candidate)) {
            held++;
            cost += costs.get(candidate)!;
          }
        }
        const metrics = cache.metrics();
        expect(metrics.size).toBe(held);
        expect(metrics.cost).toBe(cost);
        expect(cost).toBeLessThanOrEqual(maxCost);
        expect(held).toBeLessThanOrEqual(maxEntries);
      }
    }
    expect(windows.size).toBeGreaterThan(3);
  });

  it('keeps size, cost and segment bounds consistent while recency verdicts lend the window weighted entries', () => {
    const maxCost = 2_000;
    const cache = createLfuCache<number>({ maxCost, randomSeed: 17 });
    const internals = (cache as unknown as { segments: Segments }).segments;
    const zipf = zipfSampler(20_000, 0.99);
    const costs = new Map<number, number>();
    let state = 7;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    let widest = 0;
    for (let step = 0; step < 300_000; step++) {
      // A hot set replaced every 1,500 requests (about 3 capacities in entries), then one that stays.
      const phase = step < 200_000 ? Math.floor(step / 1_500) : -1;
      const key = (phase + 1) * 20_000 + zipf(random());
      if (cache.get(key) === undefined) {
        const cost = 1 + Math.floor(random() * 7);
        if (cache.set(key, step, { cost })) costs.set(key, cost);
      }
      const { windowMaximum, protectedMaximum } = internals;
      widest = Math.max(widest, windowMaximum);
      expect(windowMaximum).toBeGreaterThanOrEqual(1);
      expect(protectedMaximum).toBeGreaterThanOrEqual(0);
      expect(windowMaximum + protectedMaximum).toBeLessThanOrEqual(maxCost - 1);
      if (step % 4_999 === 0) {
        let cost = 0;
        for (const [candidate, entryCost] of costs) if (cache.has(candidate)) cost += entryCost;
        expect(cache.metrics().cost).toBe(cost);
        expect(cost).toBeLessThanOrEqual(maxCost);
      }
    }
    // The verdicts lent the window probation's share; once the hot set held still it was returned
    // and the segments are back within their usual bound.
    expect(cache.metrics().shifts).toBeGreaterThan(10);
    expect(widest).toBeGreaterThan(internals.segmentsMaximum);
    expect(internals.windowMaximum + internals.protectedMaximum).toBeLessThanOrEqual(
      internals.segmentsMaximum,
    );
  });
});

describe('lazy promotion in the protected segment', () => {
  interface Internals {
    readonly slotOf: Map<string, number>;
    readonly keys: unknown[];
    readonly segments: Segments;
    readonly links: Int32Array;
    readonly queue: Uint8Array;
  }

  function internalsOf(cache: LfuLocalCache<string>): Internals {
    const inside = cache as unknown as { slotOf: Map<string, number>; keys: unknown[]; segments: Segments };
    return {
      slotOf: inside.slotOf,
      keys: inside.keys,
      segments: inside.segments,
      links: inside.segments.links,
      queue: inside.segments.queue,
    };
  }
  const PROTECTED = 2;
  const RECENT = 0x08;

  /** Protected's keys from its least to its most recently used end, checking both directions agree. */
  function protectedOrder(internals: Internals): string[] {
    const forward: string[] = [];
    for (let slot = internals.links[PROTECTED * 2 + 1]!; slot !== PROTECTED; ) {
      forward.push(internals.keys[slot] as string);
      slot = internals.links[slot * 2 + 1]!;
    }
    const backward: string[] = [];
    for (let slot = internals.links[PROTECTED * 2]!; slot !== PROTECTED; ) {
      backward.unshift(internals.keys[slot] as string);
      slot = internals.links[slot * 2]!;
    }
    expect(backward).toEqual(forward);
    return forward;
  }

  /** A cache of 100 whose protected segment holds p0 … p9, in that order. */
  function withProtected(): { cache: LfuLocalCache<string>; internals: Internals; keys: string[] } {
    const cache = createLfuCache<string>({ maxEntries: 100, randomSeed: 3 });
    const internals = internalsOf(cache);
    const keys = Array.from({ length: 10 }, (_, index) => `p${index}`);
    for (const key of keys) cache.set(key, key);
    // Pushed out of the one-entry window into probation, then promoted by a read each.
    for (let filler = 0; filler < 5; filler++) cache.set(`filler${filler}`, 'x');
    for (const key of keys) expect(cache.get(key)).toBe(key);
    expect(protectedOrder(internals)).toEqual(keys);
    return { cache, internals, keys };
  }

  const isMarked = (internals: Internals, key: string) =>
    (internals.queue[internals.slotOf.get(key)!]! & RECENT) !== 0;

  it('a read marks a protected entry instead of moving it', () => {
    const { cache, internals, keys } = withProtected();
    expect(cache.get('p0')).toBe('p0');
    expect(cache.get('p5')).toBe('p5');
    expect(protectedOrder(internals)).toEqual(keys);
    expect(keys.filter((key) => isMarked(internals, key))).toEqual(['p0', 'p5']);
  });

  it('the run of read entries at the least recently used end goes to the other end, in order and unmarked; the first unread entry is taken', () => {
    const { cache, internals } = withProtected();
    for (const key of ['p0', 'p1', 'p3']) cache.get(key);
    const taken = internals.segments.protectedFirst();
    expect(internals.keys[taken]).toBe('p2');
    expect(protectedOrder(internals)).toEqual(['p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p0', 'p1']);
    expect(['p0', 'p1', 'p3'].filter((key) => isMarked(internals, key))).toEqual(['p3']);
  });

  it('when every entry was read, all are unmarked and the order is kept', () => {
    const { cache, internals, keys } = withProtected();
    for (const key of keys) cache.get(key);
    expect(internals.keys[internals.segments.protectedFirst()]).toBe('p0');
    expect(protectedOrder(internals)).toEqual(keys);
    expect(keys.some((key) => isMarked(internals, key))).toBe(false);
  });

  it('demotions spare entries read since they were promoted', () => {
    const cache = createLfuCache<string>({ maxEntries: 1_000, randomSeed: 5 });
    const internals = internalsOf(cache);
    // A miss every 100 reads (a one-time key, which loses admission and is evicted itself) keeps
    // the cache evicting, so reads promote probation entries at once (see the quiet cache above).
    let reads = 0;
    const read = (key: string): string | undefined => {
      if (++reads % 100 === 0) cache.set(`once${reads}`, 'x');
      return cache.get(key);
    };
    // Fill, then promote keys until protected is full.
    const keys = Array.from({ length: 1_000 }, (_, index) => `k${index}`);
    for (const key of keys) cache.set(key, key);
    const held = keys.filter((key) => read(key) !== undefined);
    const before = protectedOrder(internals);
    expect(before.length).toBeGreaterThan(internals.segments.protectedMaximum / 2);
    // Read the 200 oldest protected entries (fewer than one look spares); then promote probation
    // entries, forcing demotions.
    const oldest = before.slice(0, 200);
    for (const key of oldest) read(key);
    for (const key of held.filter((key) => !before.includes(key))) read(key);
    const promoted = held.filter((key) => !before.includes(key)).length;
    expect(promoted).toBeGreaterThan(100);
    const after = new Set(protectedOrder(internals));
    expect(oldest.filter((key) => !after.has(key))).toEqual([]);
    // The unread ones went instead.
    expect(before.slice(200, 200 + promoted).some((key) => !after.has(key))).toBe(true);
  });
});
