import { describe, expect, it } from 'vitest';
import { FrequencySketch } from '../src/frequency-sketch.js';
import { hashKey } from '../src/hash.js';

describe('FrequencySketch', () => {
  it('counts the first occurrence in the doorkeeper, later ones in 4-bit counters saturating at 15', () => {
    const sketch = new FrequencySketch(1 << 16, 1 << 20);
    const hash = hashKey('popular', 1);
    expect(sketch.frequency(hash)).toBe(0);
    sketch.increment(hash);
    expect(sketch.frequency(hash)).toBe(1);
    for (let i = 0; i < 5; i++) sketch.increment(hash);
    expect(sketch.frequency(hash)).toBe(6);
    for (let i = 0; i < 100; i++) sketch.increment(hash);
    expect(sketch.frequency(hash)).toBe(16);
  });

  it('halves every counter and clears the doorkeeper after sampleSize additions', () => {
    const sampleSize = 1000;
    const sketch = new FrequencySketch(1 << 14, sampleSize);
    const hot = hashKey('hot', 7);
    for (let i = 0; i < 12; i++) sketch.increment(hot);
    expect(sketch.frequency(hot)).toBe(12);
    // 12 additions so far; fill the rest of the sample with distinct one-time keys.
    for (let i = 0; i < sampleSize - 12; i++) sketch.increment(hashKey(`cold${i}`, 7));
    expect(sketch.frequency(hot)).toBe(5); // counters 11 -> 5, doorkeeper bit cleared
  });

  it('keeps estimates of distinct keys apart (count-min: never below the true count, rarely above)', () => {
    const sketch = new FrequencySketch(16 * 1000, 10 * 1000);
    const truth = new Map<number, number>();
    for (let key = 0; key < 1000; key++) {
      const times = key % 8;
      const hash = hashKey(key, 99);
      for (let i = 0; i < times; i++) sketch.increment(hash);
      truth.set(hash, times);
    }
    let exact = 0;
    for (const [hash, times] of truth) {
      const estimate = sketch.frequency(hash);
      expect(estimate).toBeGreaterThanOrEqual(times);
      if (estimate === times) exact++;
    }
    expect(exact).toBeGreaterThan(950);
  });

  it('hashes strings and numbers with a salt', () => {
    expect(hashKey('a', 1)).toBe(hashKey('a', 1));
    expect(hashKey('a', 1)).not.toBe(hashKey('a', 2));
    expect(hashKey(1, 1)).not.toBe(hashKey('1', 1));
    expect(hashKey(1.5, 3)).toBe(hashKey(1.5, 3));
  });
});
