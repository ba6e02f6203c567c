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

  it('gives no verdict while the cache does as well as LRU, nor for a lead without a dip in the hit ratio', () => {
    const shadow = new RecencyShadow(1_000);
    let requests = 0;
    let hits = 0;
    // A stable 60 % hit ratio; the shadow hits the same keys (same 100 hashes over and over).
    for (let step = 0; step < 20_000; step++) {
      requests++;
      const hit = step % 5 < 3;
      if (hit) hits++;
      expect(shadow.record(sampledHash(shadow, step % 100), hit, hits, requests)).toBe(false);
    }
    // The cache now misses what LRU hits, but its overall hit ratio holds (unsampled hits).
    for (let step = 0; step < 2_000; step++) {
      requests += 2;
      hits += 2;
      expect(shadow.record(sampledHash(shadow, step % 100), false, hits, requests)).toBe(false);
    }
  });

  it('gives a verdict when LRU leads while the hit ratio is down', () => {
    const shadow = new RecencyShadow(1_000);
    let requests = 0;
    let hits = 0;
    for (let step = 0; step < 20_000; step++) {
      requests++;
      if (step % 5 < 3) hits++;
      shadow.record(sampledHash(shadow, step % 100), step % 5 < 3, hits, requests);
    }
    // A new hot set: the cache misses it for a while (its hit ratio falls to 0) while LRU, after
    // one pass, hits it.
    let verdictAt = -1;
    for (let step = 0; step < 2_000 && verdictAt < 0; step++) {
      requests++;
      if (shadow.record(sampledHash(shadow, 1_000 + (step % 50)), false, hits, requests)) verdictAt = step;
    }
    expect(verdictAt).toBeGreaterThan(50);
    expect(verdictAt).toBeLessThan(400);
  });
});
