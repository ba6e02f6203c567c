/** Zipf-distributed key indexes, seeded so every run replays the same accesses. */

/** A seeded pseudo-random generator (mulberry32), so every run replays the same trace. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` key indexes drawn from a Zipf(`skew`) distribution over `keys` keys (0 is the hottest). */
export function zipfIndexes(keys: number, count: number, skew: number, seed: number): number[] {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= keys; rank++) {
    total += 1 / rank ** skew;
    cumulative.push(total);
  }
  const random = seeded(seed);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const target = random() * total;
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    indexes.push(low);
  }
  return indexes;
}
