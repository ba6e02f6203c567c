/**
 * The TinyLFU frequency sketch: a count-min sketch of 4-bit counters with periodic halving
 * (aging), fronted by a doorkeeper Bloom filter that absorbs one-hit wonders.
 *
 * Layout follows Caffeine's block-based sketch: every key maps to one 64-byte block of sixteen
 * 32-bit words (128 counters); each of the four hash functions picks one counter in its own
 * quarter of the block, so an increment touches one cache line.
 */

/** Counters saturate at 15 (4 bits). */
const MAX_COUNT = 15;
/** Caps the counter table at 2^24 words (64 MiB). */
const MAX_TABLE_WORDS = 1 << 24;
/** Caps the doorkeeper at 2^29 bits (64 MiB). */
const MAX_DOORKEEPER_BITS = 1 << 29;

/** What {@link FrequencySketch.record} did. */
export const FIRST_SIGHTING = 0;
/** Counted, and not all of the key's counters are at the maximum. */
export const COUNTED = 1;
/**
 * Counted, and all four of the key's counters are now at the maximum: until the next halving,
 * recording the key again changes nothing.
 */
export const SATURATED = 2;
/** Counted, and the count reached the sample size: every counter was halved. */
export const HALVED = 3;

function ceilingPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}

function rehash(hash: number): number {
  hash = Math.imul(hash, 0x31848bab);
  return hash ^ (hash >>> 14);
}

/** Frequency estimator used by the W-TinyLFU admission policy. */
export class FrequencySketch {
  /** Additions (doorkeeper inserts and counter increments) between two halvings. */
  readonly sampleSize: number;
  private readonly table: Uint32Array;
  private readonly blockMask: number;
  private readonly doorkeeper: Uint32Array;
  private readonly doorkeeperMask: number;
  /** First sightings the doorkeeper takes before it is cleared (its own period, see below). */
  private readonly doorkeeperPeriod: number;
  private doorkeeperInserts = 0;
  private additions = 0;

  /**
   * @param counters - number of 4-bit counters wanted; rounded up to a power of two (min 128).
   * @param sampleSize - additions after which every counter is halved and the doorkeeper cleared.
   */
  constructor(counters: number, sampleSize: number) {
    const words = Math.min(MAX_TABLE_WORDS, Math.max(16, ceilingPowerOfTwo(Math.ceil(counters / 8))));
    this.table = new Uint32Array(words);
    this.blockMask = (words >>> 4) - 1;
    this.sampleSize = Math.max(16, Math.floor(sampleSize));
    // The doorkeeper remembers first sightings for 2 aging periods (at most ~40 % of its bits set,
    // ~15 % false positives), so a key that recurs less often than once per period (a loop longer
    // than the sample) still gets counted on its second sighting.
    this.doorkeeperPeriod = 2 * this.sampleSize;
    const bits = Math.min(MAX_DOORKEEPER_BITS, Math.max(64, ceilingPowerOfTwo(this.doorkeeperPeriod) * 4));
    this.doorkeeper = new Uint32Array(bits >>> 5);
    this.doorkeeperMask = bits - 1;
  }

  /** Estimated number of recent occurrences of `hash` (0 to 16). */
  frequency(hash: number): number {
    const count = this.lowestCount(hash);
    return this.inDoorkeeper(hash) ? count + 1 : count;
  }

  /** The lowest of the key's four counters: its count-min estimate, without the doorkeeper. */
  private lowestCount(hash: number): number {
    const table = this.table;
    const block = (hash & this.blockMask) << 4;
    const counterHash = rehash(hash);
    let h = counterHash;
    let lowest = (table[block + (h & 3)]! >>> (((h >>> 2) & 7) << 2)) & 15;
    h = counterHash >>> 8;
    let count = (table[block + 4 + (h & 3)]! >>> (((h >>> 2) & 7) << 2)) & 15;
    if (count < lowest) lowest = count;
    h = counterHash >>> 16;
    count = (table[block + 8 + (h & 3)]! >>> (((h >>> 2) & 7) << 2)) & 15;
    if (count < lowest) lowest = count;
    h = counterHash >>> 24;
    count = (table[block + 12 + (h & 3)]! >>> (((h >>> 2) & 7) << 2)) & 15;
    if (count < lowest) lowest = count;
    return lowest;
  }

  /**
   * Records one occurrence. A key the counters do not know yet (some counter at 0) is first
   * recorded in the doorkeeper only; from its second occurrence on, the four counters are
   * incremented (saturating at 15). Keys the counters already know skip the doorkeeper, which
   * keeps the hit path to one 64-byte block of memory.
   *
   * Only counter increments advance the aging period: first sightings (one-time keys, scans, a
   * long loop's first pass) do not age what the counters learned. The doorkeeper is cleared on its
   * own period instead.
   *
   * @returns whether the key had been seen before (in the counters or the doorkeeper).
   */
  increment(hash: number): boolean {
    return this.record(hash) !== FIRST_SIGHTING;
  }

  /**
   * {@link FrequencySketch.increment}, telling what happened: {@link FIRST_SIGHTING},
   * {@link COUNTED}, {@link SATURATED} or {@link HALVED}. A caller may skip recording a key that
   * came back SATURATED until the next HALVED (or {@link FrequencySketch.reset}): counters only
   * shrink by halving, so until then recording it would change nothing.
   */
  record(hash: number): number {
    return this.recordMany(hash, 1);
  }

  /**
   * `times` occurrences at once: the same counters and doorkeeper as `times` calls of
   * {@link FrequencySketch.record} (increments saturate at 15 per counter), except that a halving
   * the calls would have crossed happens after all of them. Returns what the last call would have
   * returned: {@link FIRST_SIGHTING} only when `times` is 1 and the key is new. `times` ≥ 1.
   */
  recordMany(hash: number, times: number): number {
    const table = this.table;
    const block = (hash & this.blockMask) << 4;
    const counterHash = rehash(hash);
    const index0 = block + (counterHash & 3);
    const shift0 = ((counterHash >>> 2) & 7) << 2;
    const index1 = block + 4 + ((counterHash >>> 8) & 3);
    const shift1 = ((counterHash >>> 10) & 7) << 2;
    const index2 = block + 8 + ((counterHash >>> 16) & 3);
    const shift2 = ((counterHash >>> 18) & 7) << 2;
    const index3 = block + 12 + ((counterHash >>> 24) & 3);
    const shift3 = ((counterHash >>> 26) & 7) << 2;
    const count0 = (table[index0]! >>> shift0) & 15;
    const count1 = (table[index1]! >>> shift1) & 15;
    const count2 = (table[index2]! >>> shift2) & 15;
    const count3 = (table[index3]! >>> shift3) & 15;
    if ((count0 === 0 || count1 === 0 || count2 === 0 || count3 === 0) && this.admitToDoorkeeper(hash)) {
      if (++this.doorkeeperInserts >= this.doorkeeperPeriod) this.clearDoorkeeper();
      if (--times === 0) return FIRST_SIGHTING;
    }
    // Calls that still add something: until the lowest counter reaches the maximum.
    const lowest = Math.min(count0, count1, count2, count3);
    const steps = Math.min(times, MAX_COUNT - lowest);
    if (steps <= 0) return SATURATED;
    table[index0] = table[index0]! + (Math.min(steps, MAX_COUNT - count0) << shift0);
    table[index1] = table[index1]! + (Math.min(steps, MAX_COUNT - count1) << shift1);
    table[index2] = table[index2]! + (Math.min(steps, MAX_COUNT - count2) << shift2);
    table[index3] = table[index3]! + (Math.min(steps, MAX_COUNT - count3) << shift3);
    this.additions += steps;
    if (this.additions >= this.sampleSize) {
      this.age();
      return HALVED;
    }
    return lowest + steps >= MAX_COUNT ? SATURATED : COUNTED;
  }

  /** Counter increments left before the next halving. */
  untilHalving(): number {
    return this.sampleSize - this.additions;
  }

  /**
   * Whether {@link FrequencySketch.recordMany}(hash, times) would halve the counters or clear the
   * doorkeeper. Exact, so a caller that must act first (record what it deferred) does so once per
   * period, not on every call near the end of one; cheap unless one of the two is one call away.
   */
  wouldReset(hash: number, times: number): boolean {
    const halvingNear = times >= this.untilHalving();
    const clearNear = this.doorkeeperInserts + 1 >= this.doorkeeperPeriod;
    if (!halvingNear && !clearNear) return false;
    const lowest = this.lowestCount(hash);
    const firstSighting = lowest === 0 && !this.inDoorkeeper(hash);
    if (firstSighting && clearNear) return true;
    const increments = Math.min(firstSighting ? times - 1 : times, MAX_COUNT - lowest);
    return this.additions + increments >= this.sampleSize;
  }

  /** Sets the key's doorkeeper bits; true when they were not all set (a first occurrence). */
  private admitToDoorkeeper(hash: number): boolean {
    const doorkeeper = this.doorkeeper;
    const mask = this.doorkeeperMask;
    const first = Math.imul(hash, 0x9e3779b1);
    const bit1 = (first ^ (first >>> 15)) & mask;
    const second = Math.imul(hash ^ 0x5bd1e995, 0x85ebca6b);
    const bit2 = (second ^ (second >>> 13)) & mask;
    const word1 = bit1 >>> 5;
    const word2 = bit2 >>> 5;
    const flag1 = 1 << (bit1 & 31);
    const flag2 = 1 << (bit2 & 31);
    if ((doorkeeper[word1]! & flag1) !== 0 && (doorkeeper[word2]! & flag2) !== 0) return false;
    doorkeeper[word1] = doorkeeper[word1]! | flag1;
    doorkeeper[word2] = doorkeeper[word2]! | flag2;
    return true;
  }

  /** Halves every counter, so old popularity fades (every `sampleSize` counter increments). */
  age(): void {
    const table = this.table;
    for (let index = 0; index < table.length; index++) {
      table[index] = (table[index]! >>> 1) & 0x77777777;
    }
    this.additions = this.additions >>> 1;
  }

  /** Halves every counter and forgets every first sighting (a detected workload shift). */
  reset(): void {
    this.age();
    this.clearDoorkeeper();
  }

  private clearDoorkeeper(): void {
    this.doorkeeper.fill(0);
    this.doorkeeperInserts = 0;
  }

  private inDoorkeeper(hash: number): boolean {
    const doorkeeper = this.doorkeeper;
    const mask = this.doorkeeperMask;
    const first = Math.imul(hash, 0x9e3779b1);
    const bit1 = (first ^ (first >>> 15)) & mask;
    const second = Math.imul(hash ^ 0x5bd1e995, 0x85ebca6b);
    const bit2 = (second ^ (second >>> 13)) & mask;
    return (
      (doorkeeper[bit1 >>> 5]! & (1 << (bit1 & 31))) !== 0 &&
      (doorkeeper[bit2 >>> 5]! & (1 << (bit2 & 31))) !== 0
    );
  }
}
