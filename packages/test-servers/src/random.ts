/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so a randomized test run can be replayed
 * from its seed. Not for cryptography.
 */
export interface Random {
  /** The seed this generator started from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A random subset of `items` with between `min` and `max` elements, in the items' order. */
  subset<T>(items: readonly T[], min: number, max: number): T[];
  /**
   * An independent generator derived from this one's seed and `label` (not from its position), so
   * one stream can be consumed a timing-dependent number of times without shifting another.
   */
  fork(label: string): Random;
}

function splitmix32(state: number): () => number {
  let value = state >>> 0;
  return () => {
    value = (value + 0x9e3779b9) >>> 0;
    let z = value;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over the label's UTF-16 code units, mixed with the seed. */
function mix(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < label.length; index++) {
    hash ^= label.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * A generator for `seed` (any number; it is reduced to an unsigned 32-bit integer). The same seed
 * gives the same sequence on every platform.
 *
 * @throws RangeError when the seed is not a finite number.
 */
export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const normalized = Math.trunc(seed) >>> 0;
  const init = splitmix32(normalized);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // The first outputs of sfc32 still show the seed's structure; discard a few.
  for (let index = 0; index < 12; index++) next();
  const random: Random = {
    seed: normalized,
    next,
    int(min, max) {
      if (max < min) throw new RangeError(`int(${min}, ${max}): max is below min`);
      return min + Math.floor(next() * (max - min + 1));
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick() from an empty array');
      return items[Math.floor(next() * items.length)]!;
    },
    chance(p) {
      return next() < p;
    },
    subset(items, min, max) {
      const count = random.int(Math.max(0, min), Math.min(items.length, max));
      const indexes = items.map((_, index) => index);
      for (let index = indexes.length - 1; index > 0; index--) {
        const other = Math.floor(next() * (index + 1));
        [indexes[index], indexes[other]] = [indexes[other]!, indexes[index]!];
      }
      return indexes
        .slice(0, count)
        .sort((left, right) => left - right)
        .map((index) => items[index]!);
    },
    fork(label) {
      return createRandom(mix(normalized, label));
    },
  };
  return random;
}
