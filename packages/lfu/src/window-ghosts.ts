/**
 * Recent losers of {@link LfuLocalCache}'s two kinds of eviction, remembered by key hash only, so
 * that a key which comes back soon after it left can say which side of the cache was too small
 * (the statistics only: the cache moves the window's boundary).
 *
 * - A candidate that lost its admission contest clearly (at most 2/3 of the victim's frequency).
 *   If it is set again soon, recency mattered more than TinyLFU judged: a larger window would
 *   have kept it. A tie or a near-tie is not remembered: it says little about the window, and an
 *   attacker who keeps its entries near the top frequency makes every contest one (with ties
 *   remembered, those losers returned at once and grew the window to most of the cache; with
 *   only exact ties left out, to 51 of 64 entries at moments).
 * - A main-space entry that was accessed while cached (read or set again) and lost to a
 *   candidate. If it comes back soon, frequency mattered more: a smaller window would have kept
 *   it. (The cache does not report entries never accessed while cached: those were poor
 *   admissions, and on loops they come back soon after their eviction, which kept the window at
 *   its minimum.)
 *
 * "Soon" is within the expected number of entries in requests: a key that returns later could
 * not have been kept by any window, however large (a loop longer than the cache). A rejected
 * candidate's time counts from its last access in the window, not from the contest: an entry can
 * sit in the window through thousands of hits elsewhere until a miss pushes it out, and measured
 * from then, the window's own last keys on a loop 1.25 × the cache came back "soon" every pass and
 * grew the window until the cache was an LRU (16–26 % hits where 78 % was kept). Each kind of
 * loser lives in a direct-mapped table of {@link GHOST_SHARE} of the expected entries, at its
 * hash's slot (a newer loser overwrites an older one), which bounds the distance further.
 *
 * This is ARC's ghost-list feedback applied to W-TinyLFU's window size. It complements the hill
 * climber, which samples the hit ratio every 10 × capacity requests (Caffeine's period) and so
 * moves the window only a few times in a run of 100 × capacity requests: recency-heavy workloads
 * (OLTP-like re-reads, a hot set that turns over) were left with a 1 % window for most of such a
 * run. A ghost is evidence per request, so the window follows within a few capacities. The table
 * share, the step and the horizon were chosen on the tuning seeds (set A,
 * `apps/bench/src/lfu-tune.ts`); see docs/architecture.md.
 *
 * @internal
 */

/** Each table holds this share of the expected entries (at least {@link MIN_GHOSTS}). */
const GHOST_SHARE = 1 / 64;
const MIN_GHOSTS = 16;
/** A ghost hit moves the window by this many times the returning entry's weight. */
export const GHOST_STEP = 4;

/** What a returning key says about the window. */
export const GROW = 1;
export const SHRINK = -1;
export const NO_CHANGE = 0;

export class WindowGhosts {
  private readonly mask: number;
  /** Hashes of candidates that lost admission (0: empty). */
  private readonly rejected: Int32Array;
  /** Hashes of main-space entries evicted by a candidate (0: empty). */
  private readonly displaced: Int32Array;
  /**
   * Request counts (wrapped to 32 bits; differences are taken in 32 bits too): a rejected
   * candidate's last access in the window, a displaced entry's eviction.
   */
  private readonly rejectedAt: Int32Array;
  private readonly displacedAt: Int32Array;
  /** A return later than this many requests says nothing. */
  private readonly horizon: number;

  /** @param expectedEntries - the number of entries the cache is sized for. */
  constructor(expectedEntries: number) {
    let size = MIN_GHOSTS;
    while (size < expectedEntries * GHOST_SHARE && size < 1 << 24) size *= 2;
    this.mask = size - 1;
    this.rejected = new Int32Array(size);
    this.displaced = new Int32Array(size);
    this.rejectedAt = new Int32Array(size);
    this.displacedAt = new Int32Array(size);
    this.horizon = expectedEntries;
  }

  /** A candidate with this hash, last accessed at request `accessedAt`, lost its admission contest clearly. */
  rejectedOne(hash: number, accessedAt: number): void {
    this.rejected[hash & this.mask] = hash;
    this.rejectedAt[hash & this.mask] = accessedAt;
  }

  /**
   * A main-space entry with this hash, accessed while cached, was evicted in favour of a
   * candidate at request `now`.
   */
  displacedOne(hash: number, now: number): void {
    this.displaced[hash & this.mask] = hash;
    this.displacedAt[hash & this.mask] = now;
  }

  /**
   * A key with this hash is being inserted at request `now`: {@link GROW} when it was rejected
   * within the horizon, {@link SHRINK} when it was displaced from main within it, else
   * {@link NO_CHANGE}. The ghost is used up either way.
   */
  returning(hash: number, now: number): number {
    if (hash === 0) return NO_CHANGE; // indistinguishable from an empty slot
    const index = hash & this.mask;
    if (this.rejected[index] === hash) {
      this.rejected[index] = 0;
      return ((now - this.rejectedAt[index]!) | 0) <= this.horizon ? GROW : NO_CHANGE;
    }
    if (this.displaced[index] === hash) {
      this.displaced[index] = 0;
      return ((now - this.displacedAt[index]!) | 0) <= this.horizon ? SHRINK : NO_CHANGE;
    }
    return NO_CHANGE;
  }
}
