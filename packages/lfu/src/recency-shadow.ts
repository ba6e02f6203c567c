/**
 * A sampled shadow of plain LRU beside {@link LfuLocalCache}, which tells when recency alone would
 * have served the cache's own requests better than its frequency history does: the sign of a
 * workload whose hot set moves faster than the history ages (a shift the hit-ratio detector
 * cannot see when its samples span several of them).
 *
 * Keys are sampled by hash: the shadow sees the requests of 1 key in 2^k and is an LRU of 1/2^k of
 * the capacity, which approximates the full LRU's hits on the full key set (spatial sampling, as
 * in SHARDS). It aims at ~512 sampled keys (sample rates are powers of two, from 1/2 to 1/64), in
 * typed arrays of ~16 bytes per sampled key: 1.2 bytes per cache entry at 10,000 entries, 0.35 at
 * 100,000. The cache queues its sampled requests (a store on the hit path) and the shadow plays
 * them in batches.
 *
 * The verdict needs two things at once:
 * - **LRU leads.** For each sampled request the cache says whether it hit and the shadow plays the
 *   same request. `lead` counts the shadow's hits minus the cache's, floored at zero (a one-sided
 *   CUSUM without drift): LRU scored {@link RECENCY_LEAD_LIMIT} more hits than the cache since the
 *   two were last level.
 * - **The cache's hit ratio dipped.** Over the last window of a quarter of the capacity in
 *   requests (all requests, not only the sampled ones), or the window under way once half done,
 *   it is {@link RECENCY_DIP} below its usual level (an average over the windows, weighted 1/16 to
 *   the newest).
 *
 * The dip alone is what any new working set causes; the lead alone happens by chance on a
 * stationary workload (a few sampled hot keys make the shadow's count noisy: with the lead alone,
 * OLTP-like traces at 10,000 entries lost 1–3 points to false verdicts on the tuning seeds).
 * Together they mean the cache is adapting to a new working set more slowly than LRU would; the
 * cache then acts as on a detected shift and grows its window.
 *
 * The two rarely come at the same moment: the dip is the new working set's first misses, the lead
 * builds after them, from keys LRU keeps and the frequency filter turns away. So a dip stays in
 * force for {@link DIP_MEMORY} capacities in requests after the window where it began, or until it
 * has served a verdict (one verdict per dip: a shift that dips for several windows makes one).
 * The lead at the verdict ({@link RecencyShadow.verdictStrength}) says how strong the evidence was: a
 * lead that kept growing while no dip allowed a verdict is a working set the cache keeps losing, and
 * at {@link STRONG_LEAD} times the limit it makes a verdict with no dip at all.
 *
 * @internal
 */

/** Sampled keys the shadow aims to hold (the sample rate is a power of two near this ÷ capacity). */
const SHADOW_ENTRIES = 512;
/** At most 1 key in 2^this is sampled (so a large cache keeps a larger shadow). */
const MAX_SAMPLE_BITS = 6;
/** LRU's lead, in hits on sampled requests, that can make a verdict. */
const RECENCY_LEAD_LIMIT = 6;
/** The drop of the cache's hit ratio below its usual level that can make a verdict. */
const RECENCY_DIP = 0.1;
/** Windows of the cache's hit ratio last this many requests per expected entry. */
const WINDOW_PER_ENTRY = 0.25;
/** Requests per window at least. */
const MIN_WINDOW = 64;
/** Weight of the newest window in the usual hit ratio. */
const USUAL_WEIGHT = 1 / 16;
/**
 * A dip can make a verdict for this many capacities in requests after the window where it began.
 * On a hot set replaced every 3 capacities (`shift-fast` at 10,000 entries) the first window of a
 * phase dips and LRU's lead passes the limit a capacity or two later, so about every other phase
 * went without a verdict. Chosen on the tuning seeds (set A, `apps/bench/src/lfu-tune.ts`): 1
 * gained less, 3 the same as 2; kept in force until the next dip instead of used up by one
 * verdict, shift-slow at 1,000 entries lost 0.5–1.5 points to repeated verdicts.
 */
const DIP_MEMORY = 2;
/**
 * A lead of this many times {@link RECENCY_LEAD_LIMIT} makes a verdict without a dip. A hot set
 * that slides (keys rise in popularity and then drop out, as trending items do) has no dip: the new
 * hot keys were cached already, and the hit ratio holds while the keys that dropped out keep their
 * full counts and their place in the main space. LRU then leads steadily: on a hot set shifted by
 * 10,000 ranks every 0.6 capacities at 100,000 entries (`shift-variants.ts`), lfu fell 6 points
 * below LRU and stayed there. A lead that large does not build by chance on the suite's stationary
 * traces: on the tuning seeds (set A) 16 moved no row by more than 0.3 (+0.41 summed) and 8 cost
 * oltp-frequency at 10,000 entries 0.2; on that shifted hot set lfu went from 4.60 to 1.36 points
 * below LRU with 16, 0.94 with 8.
 */
const STRONG_LEAD = 16;
/** Windows measured before a dip counts (the first ones include the cache filling up). */
const SETTLING_WINDOWS = 4;

/** Sampled requests queued before the shadow plays them. */
const QUEUE_LENGTH = 16;

const EMPTY = 0;

export class RecencyShadow {
  /** A hash is sampled when `hash >>> sampleShift === 0`. */
  readonly sampleShift: number;
  /** Sampled keys the shadow's arrays can hold. */
  private readonly capacity: number;
  /**
   * Sampled keys the shadow holds at most: the cache's own entries over the sample rate (see
   * {@link RecencyShadow.fit}), never more than `capacity`.
   */
  private limit: number;
  private readonly sampleRate: number;
  /** Open addressing, linear probing (loaded at most 2/3): per bucket a list index (1 … capacity), or EMPTY. */
  private readonly buckets: Int32Array;
  private readonly bucketMask: number;
  /** The hash held at each list index. */
  private readonly hashes: Int32Array;
  /** Doubly linked recency list; index 0 is its head: links[2i] = previous, links[2i + 1] = next. */
  private readonly links: Int32Array;
  private size = 0;
  private lead = 0;
  private readonly queued = new Int32Array(QUEUE_LENGTH);
  private readonly queuedHits = new Float64Array(QUEUE_LENGTH);
  private readonly queuedRequests = new Float64Array(QUEUE_LENGTH);
  private queuedCount = 0;
  private readonly window: number;
  private windows = 0;
  private windowHits = 0;
  private windowStart = 0;
  private usualRate = 0;
  /** Whether the last complete window dipped. */
  private dipped = false;
  /** Requests at the end of the window where the last dip began (−Infinity: none, or used by a verdict). */
  private dippedAt = Number.NEGATIVE_INFINITY;
  /** Requests a dip stays in force for ({@link DIP_MEMORY} capacities). */
  private readonly dipMemory: number;
  /** LRU's lead when the last verdict was made, in units of {@link RECENCY_LEAD_LIMIT} (so at least 1). */
  verdictStrength = 1;

  /** @param expectedEntries - the cache's capacity in entries. */
  constructor(expectedEntries: number) {
    let bits = 1;
    while (bits < MAX_SAMPLE_BITS && expectedEntries >>> (bits + 1) >= SHADOW_ENTRIES) bits++;
    this.sampleShift = 32 - bits;
    this.sampleRate = 2 ** bits;
    this.capacity = Math.max(1, Math.round(expectedEntries / this.sampleRate));
    this.limit = this.capacity;
    this.window = Math.max(MIN_WINDOW, Math.floor(expectedEntries * WINDOW_PER_ENTRY));
    this.dipMemory = DIP_MEMORY * expectedEntries;
    let buckets = 4;
    while (buckets < 1.5 * this.capacity) buckets <<= 1;
    this.buckets = new Int32Array(buckets);
    this.bucketMask = buckets - 1;
    this.hashes = new Int32Array(this.capacity + 1);
    this.links = new Int32Array(2 * (this.capacity + 1));
  }

  /**
   * Queues a sampled request (`hash >>> sampleShift === 0`): `hash` when the cache hit, `~hash`
   * when it missed, with the cache's running totals of hits and requests (every request) at that
   * moment. True when the queue is full: {@link RecencyShadow.drain} it then. Queued, so the
   * cache's hit path only stores three numbers; the shadow's work runs in batches.
   */
  queue(hashOrMiss: number, hits: number, requests: number): boolean {
    const count = this.queuedCount;
    this.queued[count] = hashOrMiss;
    this.queuedHits[count] = hits;
    this.queuedRequests[count] = requests;
    this.queuedCount = count + 1;
    return count + 1 === QUEUE_LENGTH;
  }

  /**
   * Plays the queued requests, in order. True when the verdict is that recency would have done
   * better (the lead then starts again from zero, and the requests still queued are dropped).
   */
  drain(): boolean {
    const count = this.queuedCount;
    this.queuedCount = 0;
    for (let i = 0; i < count; i++) {
      const entry = this.queued[i]!;
      if (this.record(entry >= 0 ? entry : ~entry, entry >= 0, this.queuedHits[i]!, this.queuedRequests[i]!))
        return true;
    }
    return false;
  }

  /** One sampled request, played and weighed (see the class's description). */
  private record(hash: number, cacheHit: boolean, hits: number, requests: number): boolean {
    const shadowHit = this.play(hash);
    if (requests - this.windowStart >= this.window) {
      const rate = (hits - this.windowHits) / (requests - this.windowStart);
      this.usualRate = this.windows++ === 0 ? rate : this.usualRate + (rate - this.usualRate) * USUAL_WEIGHT;
      this.windowHits = hits;
      this.windowStart = requests;
      const dipped = this.windows > SETTLING_WINDOWS && rate < this.usualRate - RECENCY_DIP;
      if (dipped && !this.dipped) this.dippedAt = requests;
      this.dipped = dipped;
    }
    const lead = this.lead + (shadowHit ? 1 : 0) - (cacheHit ? 1 : 0);
    this.lead = Math.max(lead, 0);
    if (lead < RECENCY_LEAD_LIMIT || this.windows <= SETTLING_WINDOWS) return false;
    if (requests - this.dippedAt > this.dipMemory && lead < STRONG_LEAD * RECENCY_LEAD_LIMIT) {
      // No dip in force: the last window, or the one under way once half done, must dip.
      const elapsed = requests - this.windowStart;
      const current = elapsed >= this.window / 2 ? (hits - this.windowHits) / elapsed : 1;
      if (!this.dipped && current >= this.usualRate - RECENCY_DIP) return false;
    }
    this.verdictStrength = lead / RECENCY_LEAD_LIMIT;
    this.lead = 0;
    this.dippedAt = Number.NEGATIVE_INFINITY;
    return true;
  }

  /** One LRU access: true on a hit (moved to the most recent end), else inserted (evicting the oldest). */
  play(hash: number): boolean {
    const buckets = this.buckets;
    const mask = this.bucketMask;
    let bucket = spread(hash) & mask;
    for (let index = buckets[bucket]!; index !== EMPTY; index = buckets[bucket]!) {
      if (this.hashes[index] === hash) {
        if (this.links[1] !== index) {
          this.unlink(index);
          this.linkFirst(index);
        }
        return true;
      }
      bucket = (bucket + 1) & mask;
    }
    // `bucket` is the empty one that ends the hash's probe chain.
    let index: number;
    if (this.size < this.limit) {
      index = ++this.size;
    } else {
      index = this.links[0]!; // the least recently used: the head's previous
      this.unlink(index);
      // The removal may move entries of this hash's chain back: probe again.
      this.removeBucketOf(index);
      bucket = spread(hash) & mask;
      while (buckets[bucket] !== EMPTY) bucket = (bucket + 1) & mask;
    }
    this.hashes[index] = hash;
    buckets[bucket] = index;
    this.linkFirst(index);
    return false;
  }

  /**
   * Sizes the shadow to the cache's `entries`, so it is an LRU of as many keys as the cache holds:
   * a cache bounded by cost holds fewer entries than its expected number when entries cost more
   * than 1 (a shadow of the expected size led by a factor of its extra room), and one whose
   * entries expire holds fewer too. Keys beyond the new size are dropped, least recent first.
   */
  fit(entries: number): void {
    const limit = Math.min(this.capacity, Math.max(1, Math.round(entries / this.sampleRate)));
    this.limit = limit;
    while (this.size > limit) this.dropOldest();
  }

  /** Removes the least recently used key; the last list index moves into its place. */
  private dropOldest(): void {
    const links = this.links;
    const index = links[0]!;
    this.unlink(index);
    this.removeBucketOf(index);
    const last = this.size--;
    if (index === last) return;
    const hash = this.hashes[last]!;
    this.hashes[index] = hash;
    const before = links[last << 1]!;
    const after = links[(last << 1) | 1]!;
    links[index << 1] = before;
    links[(index << 1) | 1] = after;
    links[(before << 1) | 1] = index;
    links[after << 1] = index;
    const buckets = this.buckets;
    let bucket = spread(hash) & this.bucketMask;
    while (buckets[bucket] !== last) bucket = (bucket + 1) & this.bucketMask;
    buckets[bucket] = index;
  }

  /** Empties the bucket of list index `index`; backward-shift deletion keeps every probe chain whole. */
  private removeBucketOf(index: number): void {
    const buckets = this.buckets;
    const mask = this.bucketMask;
    let hole = spread(this.hashes[index]!) & mask;
    while (buckets[hole] !== index) hole = (hole + 1) & mask;
    for (let next = (hole + 1) & mask; buckets[next] !== EMPTY; next = (next + 1) & mask) {
      const home = spread(this.hashes[buckets[next]!]!) & mask;
      // The entry at `next` may move back into the hole unless its home lies after the hole.
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        buckets[hole] = buckets[next]!;
        hole = next;
      }
    }
    buckets[hole] = EMPTY;
  }

  private unlink(index: number): void {
    const links = this.links;
    const before = links[index << 1]!;
    const after = links[(index << 1) | 1]!;
    links[(before << 1) | 1] = after;
    links[after << 1] = before;
  }

  private linkFirst(index: number): void {
    const links = this.links;
    const first = links[1]!;
    links[index << 1] = 0;
    links[(index << 1) | 1] = first;
    links[first << 1] = index;
    links[1] = index;
  }
}

/**
 * A bucket index from a sampled hash, whose top bits are all zero (they chose it) and whose low
 * bits also place it in the cache's other tables: rehashed so neither pattern clusters buckets.
 * All 32 bits are mixed into the low ones (masked by the caller): the table outgrows 2^16 buckets
 * from ~3M entries of capacity on.
 */
function spread(hash: number): number {
  const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return mixed ^ (mixed >>> 16);
}
