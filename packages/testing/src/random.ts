/**
 * Seeded randomness for reproducible chaos and unique test names.
 * @packageDocumentation
 */

/**
 * A tiny seeded pseudo-random generator (mulberry32). The same seed always yields the same
 * sequence, so a chaos run that failed can be replayed exactly.
 *
 * @param seed - any 32-bit integer (other numbers are truncated to 32 bits)
 * @returns a function returning numbers in `[0, 1)`
 * @example
 * ```ts
 * const random = mulberry32(42);
 * random(); // always the same first number for seed 42
 * ```
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random identifier of lowercase letters and digits, for per-test key prefixes, channels and
 * namespaces (so tests never collide on a shared server).
 *
 * @param length - number of characters
 * @default length 10
 */
export function randomId(length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}

/** Deterministic pseudo-random bytes (for payload round trips that must be reproducible). */
export function seededBytes(length: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Every byte value 0…255 once, in order. */
export function allByteValues(): Uint8Array {
  const bytes = new Uint8Array(256);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  return bytes;
}

/** Whether two byte arrays hold the same bytes (ignores the concrete typed-array class). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
