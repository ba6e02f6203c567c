import type { LocalCache, LocalCacheMetrics, LocalCacheSetOptions } from '@synced-cache/core';

interface Slot<E> {
  entry: E;
  /** Absolute expiry in ms since the epoch; `Infinity` when the entry has no TTL. */
  expiresAt: number;
  /** Position in `keys`, so removal is O(1) (swap with the last key). */
  index: number;
}

/**
 * A local cache that evicts a random entry when full: a `Map` plus an array of its keys. It
 * implements the whole `LocalCache` contract (TTL without timers, metrics) in a page of code.
 *
 * @typeParam E - the entry type (core's own entry objects).
 */
export class RandomEvictionCache<E = unknown> implements LocalCache<E> {
  readonly contractVersion = 1;
  private readonly slots = new Map<string, Slot<E>>();
  private readonly keys: string[] = [];
  private readonly counters = { hits: 0, misses: 0, sets: 0, evictions: 0, rejections: 0 };

  /** @param maxSize - the most entries held at once (a positive integer). */
  constructor(private readonly maxSize: number) {
    if (!Number.isInteger(maxSize) || maxSize < 1)
      throw new RangeError(`maxSize must be a positive integer, got ${maxSize}`);
  }

  get(key: string): E | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || slot.expiresAt <= Date.now()) {
      if (slot !== undefined) this.remove(key, slot);
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    return slot.entry;
  }

  set(key: string, entry: E, options?: LocalCacheSetOptions): boolean {
    const ttlMs = options?.ttlMs;
    const expiresAt = ttlMs === undefined || ttlMs === 0 ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    this.counters.sets++;
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      slot.entry = entry;
      slot.expiresAt = expiresAt;
      return true;
    }
    if (this.keys.length >= this.maxSize) this.evictRandom();
    this.slots.set(key, { entry, expiresAt, index: this.keys.length });
    this.keys.push(key);
    return true;
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.remove(key, slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.keys.length = 0;
  }

  get size(): number {
    return this.slots.size;
  }

  metrics(): LocalCacheMetrics {
    return { ...this.counters, size: this.slots.size, cost: this.slots.size };
  }

  close(): void {
    this.clear();
  }

  private evictRandom(): void {
    const victim = this.keys[Math.floor(Math.random() * this.keys.length)];
    const slot = victim === undefined ? undefined : this.slots.get(victim);
    if (victim === undefined || slot === undefined) return;
    this.remove(victim, slot);
    this.counters.evictions++;
  }

  private remove(key: string, slot: Slot<E>): void {
    const last = this.keys.pop();
    if (last !== undefined && last !== key) {
      this.keys[slot.index] = last;
      const moved = this.slots.get(last);
      if (moved !== undefined) moved.index = slot.index;
    }
    this.slots.delete(key);
  }
}
