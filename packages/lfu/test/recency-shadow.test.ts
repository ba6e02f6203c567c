import { describe, expect, it } from 'vitest';
import { mix32 } from '../src/hash.js';
import { RecencyShadow } from '../src/recency-shadow.js';

/** A textbook LRU of hashes (Map insertion order), the reference for the shadow's typed-array one. */
function referenceLru(capacity: number): (hash: number) => boolean {
  const held = new Map<number, true>();
  return (hash) => {
    if (held.delete(hash)) {
      held.set(hash, true);
      return true;
    }
    held.set(hash, true);
    if (held.size > capacity) held.delete(held.keys().next().value!);
    return false;
  };
}

/** One sampled request, queued and played at once: the shadow's verdict. */
function record(
  shadow: RecencyShadow,
  hash: number,
  cacheHit: boolean,
  hits: number,
  requests: number,
): boolean {
  shadow.queue(cacheHit ? hash : ~hash, hits, requests);
  return shadow.drain();
}

/**
 * 100,000 requests at a stable 60 % hit ratio, one in 5 sampled: the same 100 keys over and over,
 * which the cache hits whenever LRU does (so LRU leads nowhere); each verdict goes to `check`. The
 * cache's totals after them.
 */
function settle(
  shadow: RecencyShadow,
  check: (verdict: boolean) => void = () => {},
): { hits: number; requests: number } {
  let hits = 0;
  let requests = 0;
  for (let step = 0; step < 20_000; step++) {
    requests += 5;
    hits += 3;
    check(record(shadow, sampledHash(shadow, step % 100), true, hits, requests));
  }
  return { hits, requests };
}

/** The `index`th of `distinct` sampled hashes (top bits zero, as the cache passes them). */
function sampledHash(shadow: RecencyShadow, index: number): number {
  return mix32(index + 1) >>> (32 - shadow.sampleShift);
}

describe('RecencyShadow', () => {
  it('samples about one key in 2^k, holding ~512 keys whatever the capacity', () => {
    for (const [entries, shift] of [
      [100, 31],
      [1_000, 31],
      [10_000, 28],
      [100_000, 26],
      [1_000_000, 26],
    ] as const) {
      expect(new RecencyShadow(entries).sampleShift).toBe(shift);
    }
  });

  it('hits and misses exactly as a textbook LRU of its capacity, through many evictions', () => {
    const shadow = new RecencyShadow(10_000); // 1 in 16 sampled: an LRU of 625 hashes
    const reference = referenceLru(625);
    let state = 99;
    let hits = 0;
    for (let step = 0; step < 200_000; step++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      // Skewed over 2,000 distinct hashes, so entries are both reused and evicted.
      const index = Math.floor(2000 * ((state >>> 8) / 2 ** 24) ** 2);
      const hash = sampledHash(shadow, index);
      const expected = reference(hash);
      if (shadow.play(hash) !== expected)
        throw new Error(`step ${step}: hash ${hash} should ${expected ? 'hit' : 'miss'}`);
      if (expected) hits++;
    }
    expect(hits).toBeGreaterThan(50_000);
    expect(hits).toBeLessThan(190_000);
  });

  it('is an LRU of as many sampled keys as the cache holds entries (fit), shrinking least recent first', () => {
    const shadow = new RecencyShadow(10_000); // 1 in 16 sampled, arrays for 625 hashes
    const held = new Map<number, true>();
    let limit = 625;
    const reference = (hash: number) => {
      const hit = held.delete(hash);
      held.set(hash, true);
      if (held.size > limit) held.delete(held.keys().next().value!);
      return hit;
    };
    let state = 5;
    for (let step = 0; step < 120_000; step++) {
      if (step % 10_000 === 0) {
        // The cache's entries move (weighted entries, expirations): 800 to 20,000.
        const entries = [10_000, 1_600, 4_000, 800, 20_000, 7_000][(step / 10_000) % 6]!;
        shadow.fit(entries);
        limit = Math.min(625, Math.max(1, Math.round(entries / 16)));
        while (held.size > limit) held.delete(held.keys().next().value!);
      }
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const hash = sampledHash(shadow, Math.floor(1500 * ((state >>> 8) / 2 ** 24) ** 2));
      const expected = reference(hash);
      if (shadow.play(hash) !== expected)
        throw new Error(`step ${step}: hash ${hash} should ${expected ? 'hit' : 'miss'}`);
    }
  });

  it('gives no verdict while the cache does as well as LRU, nor for a lead without a dip in the hit ratio below 16 times the limit', () => {
    const shadow = new RecencyShadow(1_000);
    let { hits, requests } = settle(shadow, (verdict) => expect(verdict).toBe(false));
    // The cache now misses what LRU hits, but its overall hit ratio holds (unsampled hits).
    for (let step = 0; step < 95; step++) {
      requests += 2;
      hits += 2;
      expect(record(shadow, sampledHash(shadow, step % 100), false, hits, requests)).toBe(false);
    }
    // The 96th: LRU has led by 16 times the limit (6), a lead chance does not build.
    expect(record(shadow, sampledHash(shadow, 95), false, hits, requests + 2)).toBe(true);
    expect(shadow.verdictStrength).toBe(16);
  });

  it('gives a verdict when LRU leads while the hit ratio is down', () => {
    const shadow = new RecencyShadow(1_000);
    let { hits, requests } = settle(shadow);
    // A new hot set: the cache misses it for a while (its hit ratio falls to 0) while LRU, after
    // one pass, hits it.
    let verdictAt = -1;
    for (let step = 0; step < 2_000 && verdictAt < 0; step++) {
      requests++;
      if (record(shadow, sampledHash(shadow, 1_000 + (step % 50)), false, hits, requests)) verdictAt = step;
    }
    expect(verdictAt).toBeGreaterThan(50);
    expect(verdictAt).toBeLessThan(400);
  });

  describe('a dip stays in force for 2 capacities, for one verdict', () => {
    /**
     * A shadow of a 1,000-entry cache and the cache's totals. `steady` plays sampled requests at
     * a 60 % hit ratio (5 requests per sampled one) on 100 keys the cache and LRU both hit, so no
     * lead builds; `lrusOnly` the same hit ratio, the cache missing the sampled keys LRU hits;
     * `dip` one window (250 requests) where the cache and LRU both miss new keys. Each returns
     * whether a verdict came (playing stops at it).
     */
    function shadowAndTotals() {
      const shadow = new RecencyShadow(1_000);
      let hits = 0;
      let requests = 0;
      let fresh = 10_000;
      const play = (
        count: number,
        perRecord: number,
        hitsPerRecord: number,
        key: (step: number) => number,
        cacheHit: boolean,
      ) => {
        for (let step = 0; step < count; step++) {
          requests += perRecord;
          hits += hitsPerRecord;
          if (record(shadow, sampledHash(shadow, key(step)), cacheHit, hits, requests)) return true;
        }
        return false;
      };
      const steady = (records: number) => play(records, 5, 3, (step) => step % 100, true);
      const lrusOnly = (records: number) => play(records, 5, 3, (step) => step % 100, false);
      const dip = () => play(250, 1, 0, () => fresh++, false);
      expect(steady(4_000)).toBe(false);
      return { shadow, steady, lrusOnly, dip };
    }

    it('LRU leading a capacity after the dip ended still makes a verdict, at the lead limit', () => {
      const { shadow, steady, lrusOnly, dip } = shadowAndTotals();
      expect(dip()).toBe(false);
      expect(steady(200)).toBe(false); // 1,000 requests
      expect(lrusOnly(5)).toBe(false);
      expect(lrusOnly(1)).toBe(true);
      expect(shadow.verdictStrength).toBe(1);
    });

    it('makes none once 2 capacities have passed, nor without a dip', () => {
      const late = shadowAndTotals();
      expect(late.dip()).toBe(false);
      expect(late.steady(420)).toBe(false); // 2,100 requests
      // A lead of 90 (below 16 times the limit, which needs no dip).
      expect(late.lrusOnly(90)).toBe(false);
      expect(shadowAndTotals().lrusOnly(90)).toBe(false);
    });

    it('makes one verdict per dip: a lead that builds again after it waits for the next dip', () => {
      const { steady, lrusOnly, dip } = shadowAndTotals();
      expect(dip()).toBe(false);
      expect(steady(100)).toBe(false); // two windows at the usual hit ratio: only the kept dip can serve
      expect(lrusOnly(6)).toBe(true);
      // 1,080 requests after the dip: it would still be in force, but it made its verdict.
      expect(lrusOnly(80)).toBe(false);
      expect(steady(400)).toBe(false);
      expect(dip()).toBe(true); // the lead (80) is still there
    });

    it("weighs the verdict by LRU's lead: a lead built while no dip allowed one counts in multiples of the limit", () => {
      const { shadow, lrusOnly, dip } = shadowAndTotals();
      expect(lrusOnly(18)).toBe(false);
      // The hit ratio falls (new keys, which LRU misses too): the dip makes the verdict.
      expect(dip()).toBe(true);
      expect(shadow.verdictStrength).toBe(3);
    });
  });
});

describe('RecencyShadow queue', () => {
  it('is full every 16 requests, and a batch reaches the verdict one request at a time does', () => {
    const batched = new RecencyShadow(1_000);
    const single = new RecencyShadow(1_000);
    let requests = 0;
    let hits = 0;
    let fullAt = -1;
    const verdicts = { batched: -1, single: -1 };
    const step = (hash: number, hit: boolean) => {
      requests++;
      if (hit) hits++;
      if (batched.queue(hit ? hash : ~hash, hits, requests)) {
        if (fullAt < 0) fullAt = requests;
        if (batched.drain() && verdicts.batched < 0) verdicts.batched = requests;
      }
      if (record(single, hash, hit, hits, requests) && verdicts.single < 0) verdicts.single = requests;
    };
    // Hits on a stable set, then a new hot set the cache misses while LRU hits it.
    for (let i = 0; i < 20_000; i++) step(sampledHash(single, i % 100), true);
    for (let i = 0; i < 2_000; i++) step(sampledHash(single, 1_000 + (i % 50)), false);
    expect(fullAt).toBe(16);
    expect(verdicts.single).toBeGreaterThan(20_000);
    // Played in order with the totals of their time, the batch reaches it at the same request,
    // noticed at the end of its batch.
    expect(verdicts.batched).toBeGreaterThanOrEqual(verdicts.single);
    expect(verdicts.batched - verdicts.single).toBeLessThan(16);
  });
});
