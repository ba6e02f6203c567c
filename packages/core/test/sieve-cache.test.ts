import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { READS_PER_READING } from '../src/coarse-clock.js';
import { SieveCache } from '../src/index.js';

/**
 * Textbook SIEVE (Zhang et al., NSDI '24, Algorithm 1), as small as it gets: `queue[0]` is the
 * tail (oldest), the last element the head (newest); the hand moves from tail towards head and
 * wraps to the tail. On a miss in a full cache one entry is evicted *before* the new one goes in.
 */
class TextbookSieve {
  private readonly queue: string[] = [];
  private readonly visited = new Set<string>();
  /** Index into `queue`, or -1 for "no hand" (start from the tail). */
  private hand = -1;

  constructor(private readonly capacity: number) {}

  /** Returns whether `key` was a hit, inserting it on a miss. */
  access(key: string): boolean {
    if (this.queue.includes(key)) {
      this.visited.add(key);
      return true;
    }
    if (this.queue.length === this.capacity) this.evict();
    this.queue.push(key);
    return false;
  }

  keys(): string[] {
    return [...this.queue].sort();
  }

  private evict(): void {
    let index = this.hand === -1 ? 0 : this.hand;
    while (this.visited.has(this.queue[index]!)) {
      this.visited.delete(this.queue[index]!);
      index = index + 1 < this.queue.length ? index + 1 : 0;
    }
    this.queue.splice(index, 1);
    // The hand moves to the victim's neighbour towards the head, which now sits at `index`; past
    // the head there is none, and the next eviction starts again from the tail.
    this.hand = index < this.queue.length ? index : -1;
  }
}

function replay(capacity: number, requests: readonly string[]): { hits: string[]; keys: string[] } {
  const cache = new SieveCache<string>({ maxSize: capacity });
  const hits: string[] = [];
  for (const key of requests) {
    if (cache.get(key) !== undefined) hits.push(key);
    else cache.set(key, key);
  }
  const keys = requests.filter((key, i) => requests.indexOf(key) === i && cache.get(key) !== undefined);
  return { hits, keys: keys.sort() };
}

function replayModel(capacity: number, requests: readonly string[]): { hits: string[]; keys: string[] } {
  const model = new TextbookSieve(capacity);
  const hits = requests.filter((key) => model.access(key));
  return { hits, keys: model.keys() };
}

describe('SieveCache follows textbook SIEVE', () => {
  it('regression: evicting the list head does not leave the hand on the entry just inserted (a b a c d c)', () => {
    const requests = ['a', 'b', 'a', 'c', 'd', 'c'];
    expect(replayModel(2, requests).hits).toEqual(['a', 'c']);
    expect(replay(2, requests).hits).toEqual(['a', 'c']);
  });

  it('hits, misses and the resident keys equal the reference model for any request sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 300, size: 'max' }),
        (capacity, ids) => {
          const requests = ids.map((id) => `k${id}`);
          expect(replay(capacity, requests)).toEqual(replayModel(capacity, requests));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('equals the reference model at capacities beyond the initial slot arrays (they grow)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 700 }),
        fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 1000, maxLength: 3000 }),
        (capacity, ids) => {
          const requests = ids.map((id) => `k${id}`);
          expect(replay(capacity, requests)).toEqual(replayModel(capacity, requests));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('tracks total cost when costs other than 1 arrive after entries of cost 1', () => {
    const cache = new SieveCache<number>({ maxSize: 1000, maxCost: 20 });
    for (let i = 0; i < 5; i++) cache.set(`one${i}`, i);
    cache.set('five', 5, { cost: 5 });
    expect(cache.metrics().cost).toBe(10);
    cache.set('one0', 0, { cost: 3 });
    expect(cache.metrics().cost).toBe(12);
    cache.delete('five');
    cache.delete('one1');
    expect(cache.metrics().cost).toBe(6);
    for (let i = 0; i < 600; i++) cache.set(`more${i}`, i, { cost: 2 });
    expect(cache.metrics().cost).toBeLessThanOrEqual(20);
    expect(cache.size).toBeLessThanOrEqual(20);
  });

  it('reuses the slots of deleted and expired entries and stays within maxSize', () => {
    const cache = new SieveCache<number>({ maxSize: 300 });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 1000; i++) cache.set(`r${round}:${i}`, i);
      for (let i = 0; i < 1000; i += 2) cache.delete(`r${round}:${i}`);
      expect(cache.size).toBeLessThanOrEqual(300);
    }
    cache.clear();
    expect(cache.size).toBe(0);
    for (let i = 0; i < 300; i++) cache.set(`after:${i}`, i);
    expect(cache.size).toBe(300);
    for (let i = 0; i < 300; i++) expect(cache.get(`after:${i}`)).toBe(i);
  });
});

describe('SieveCache expiry with the coarse clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an entry is served until its deadline and not after it (fake timers)', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: 1_700_000_000_000 });
    const cache = new SieveCache<string>({ maxSize: 10 });
    cache.set('k', 'v', { ttlMs: 100 });
    cache.set('forever', 'f');
    for (let ms = 0; ms < 100; ms++) {
      expect(cache.get('k'), `at ${ms} ms`).toBe('v');
      vi.advanceTimersByTime(1);
    }
    expect(cache.get('k')).toBeUndefined();
    expect(cache.get('forever')).toBe('f');
    expect(cache.metrics()).toMatchObject({ misses: 1, size: 1 });
  });

  it('needs no timer per entry: at most the one that retires the clock reading', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: 1_700_000_000_000 });
    const cache = new SieveCache<number>({ maxSize: 1000 });
    for (let i = 0; i < 500; i++) cache.set(`k${i}`, i, { ttlMs: 10 + i });
    for (let i = 0; i < 500; i++) cache.get(`k${i}`);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
  });

  it('expires on time even when timers cannot run: a reading serves at most READS_PER_READING reads', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
    const cache = new SieveCache<string>({ maxSize: 10 });
    cache.set('k', 'v', { ttlMs: 100 });
    expect(cache.get('k')).toBe('v');
    vi.setSystemTime(Date.now() + 100);
    // Synchronous from here on: the 1 ms timer cannot run, only the read bound retires the reading.
    let reads = 1;
    while (reads <= 4 * READS_PER_READING && cache.get('k') !== undefined) reads++;
    expect(reads).toBeLessThanOrEqual(READS_PER_READING + 1);
  });

  it('expires on time with the real clock once the event loop turns (bounded real wait)', async () => {
    const cache = new SieveCache<string>({ maxSize: 10 });
    cache.set('k', 'v', { ttlMs: 30 });
    cache.get('k');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.get('k')).toBeUndefined();
  });
});
