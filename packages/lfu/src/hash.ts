/**
 * Key hashing for the frequency sketch. Keys are hashed once, when first inserted, and the hash
 * is stored with the entry, so reads never hash.
 */

/** Final avalanche of MurmurHash3 (`fmix32`). */
export function mix32(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash | 0;
}

/**
 * A 32-bit hash of a string or number key, salted with `seed`. The salt is random per cache by
 * default so that an attacker cannot precompute keys that collide in the sketch.
 */
export function hashKey(key: string | number, seed: number): number {
  if (typeof key === 'number') {
    if ((key | 0) === key) return mix32(Math.imul(key ^ seed, 0x9e3779b1) ^ 0x5bd1e995);
    key = String(key);
  }
  let hash = seed ^ 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  }
  return mix32(hash ^ key.length);
}

/** A small seeded xorshift32 generator; never returns a zero state. */
export function nextRandom(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state | 0;
}
