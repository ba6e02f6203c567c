import {
  CONTRACT_VERSION,
  InvalidConfigError,
  type LocalCache,
  type LocalCacheMetrics,
  type LocalCacheSetOptions,
} from '@synced-cache/core';
import { FrequencySketch, HALVED, SATURATED } from './frequency-sketch.js';
import { hashKey, nextRandom } from './hash.js';
import { HillClimber } from './hill-climber.js';
import { HotSetWatch } from './hot-set-watch.js';
import { type LfuCacheOptions, type ResolvedLfuOptions, resolveLfuOptions } from './options.js';
import { RecencyShadow } from './recency-shadow.js';
import {
  FIRST_SLOT,
  FRESH,
  HOT,
  LIST_BITS,
  NONE,
  PROBATION,
  PROTECTED,
  RECENT,
  SAMPLED,
  Segments,
  WINDOW,
} from './segments.js';
import { ShiftDetector } from './shift-detector.js';
import { GHOST_STEP, GROW, SHRINK, WindowGhosts } from './window-ghosts.js';

/** Keys the LFU cache accepts. `1` and `'1'` are different keys. */
export type LfuKey = string | number;

/** Counters of an {@link LfuLocalCache}: the contract's metrics plus policy details. */
export interface LfuCacheMetrics extends LocalCacheMetrics {
  /** Entries dropped because their TTL had passed (not counted in `evictions`). */
  expirations: number;
  /**
   * Entries that lost the frequency contest when leaving the admission window (TinyLFU said
   * no). Counted in `evictions`, or in `rejections` when it happened within the entry's own `set`
   * (which then returned false).
   */
  admissionRejections: number;
  /**
   * Current capacity of the admission window, in weight units (moved by hill climbing and ghost
   * feedback).
   */
  windowCapacity: number;
  /**
   * Workload shifts detected: by the hit ratio's drop or the recency shadow (each halves the learned
   * frequencies twice), or by the hot-set watch (hot entries going unread at once; frequencies
   * kept). See the architecture notes.
   */
  shifts: number;
}

/**
 * A recency verdict (see `recency-shadow.ts`) grows the window by this share of the capacity. The
 * hill climber's step is 1/16, once per 10 × the capacity in requests; a hot set that lasts a few
 * capacities is gone before it moves.
 */
const RECENCY_WINDOW_STEP = 0.1;
/**
 * A recency verdict made on a larger lead of LRU's grows the window by up to this many steps
 * (`RECENCY_WINDOW_STEP` times the lead over the shadow's limit). A lead that went on growing while
 * no dip allowed a verdict is a working set the cache keeps losing to LRU: on a hot set replaced
 * every 3 capacities such leads reached 2–8 times the limit, on stationary and slowly shifting
 * traces verdicts come at the limit. Chosen on the tuning seeds (set A): 2 +2.47 points summed
 * against 1 (shift-fast at 10,000 entries +0.20 to +0.39, shift-slow at 1,000 +0.12 to +0.66),
 * 3 +1.84, 4 +1.66, 8 +0.94 (one oltp-recency seed at 1,000 entries −0.79: its lone false verdict
 * came at 31 times the limit).
 */
const RECENCY_MAX_STEPS = 2;
/**
 * The window a recency verdict added is lent: after each climbing period without a verdict, this
 * share of the capacity of it is given back. On a hot set replaced every 3 capacities verdicts keep
 * coming and the window stays large; after a single move of the hot set (`zipf-shifting` at 1k in
 * `hit-ratio.md`, 250 capacities per phase) it returns within ~8 periods. Kept instead, that row lost
 * 2.2 points (the climber's dead band held the large window); given back at once after a few
 * capacities, shift-fast lost what the growth had won.
 */
const RECENCY_LOAN_RETURN = 0.125;
/**
 * A victim at most this frequent, not read since the sketch's last halving, counts one more against
 * a candidate read since ({@link LfuLocalCache.admit}). The halving's rounding decides contests
 * between low counts (2 becomes 1); above that one unit is noise, and old favourites that stopped
 * being read keep high counts for several halvings. Tried on set A: no limit +11.2 points summed
 * against no bonus, 2 +7.5, 4 +11.6, 7 +11.4.
 */
const HALVING_BONUS_LIMIT = 4;
/**
 * Shift-detector samples in a row (each half the capacity in requests) without an insertion that
 * made room, after which the cache counts as quiet (see `LfuLocalCache.movedOnRead`): two
 * capacities. A loop longer than the cache hits in runs of up to a capacity between its misses,
 * and after one quiet sample it already lost 0.4 points on a set-B seed (loop-1.25x at 1k).
 */
const QUIET_SAMPLES = 4;
/** Candidates at least this frequent are admitted at random 1 time in 128 when they lose (hash flooding). */
const ADMIT_HASHDOS_THRESHOLD = 6;
const INITIAL_SLOTS = 1024;

// Workload-shift detection (see ShiftDetector and HotSetWatch). Marks kept per entry in
// `referenced`, in its two lowest bits (bit 0 set: referenced since the marks were last cleared):
/** Not referenced since the marks were last cleared. */
const IDLE = 0;
/**
 * Referenced (read or written) since the marks were cleared and, for a slot the hot-set watch
 * samples, since it last counted.
 */
const REFERENCED = 1;
/** Idle through the whole observation period after a shift: loses every admission contest. */
const STALE = 2;
/** Referenced since the marks were cleared, but not since the hot-set watch last counted (sampled slots only). */
const SEEN = 3;
/**
 * Flag beside REFERENCED: the entry's frequency counters were all at the maximum when it was last
 * read, and none has been halved since, so a read skips the sketch (recording it would change
 * nothing). Cleared for every entry by each halving and by a shift.
 */
const COUNTERS_FULL = 4;
/**
 * Flag: the entry won an admission contest as the victim and has not been accessed since. Such a
 * victim is spared the random admission ({@link LfuLocalCache.admit}).
 */
const CONTESTED = 8;
/** The mark's IDLE / REFERENCED / STALE / SEEN state. */
const STATE_BITS = 0x03;
/** The mark of an entry with full counters read since the watch last counted: a read then writes nothing. */
const FULL_READ = REFERENCED | COUNTERS_FULL;
/** The mark's low bits: the state, COUNTERS_FULL and CONTESTED. */
const MARK_BITS = 0x0f;
/**
 * The high 4 bits of the same byte count the slot's reads not yet recorded in the sketch (see
 * `defer`): the count is the byte shifted right this far, and one read adds `PENDING_READ`.
 */
const PENDING_SHIFT = 4;
const PENDING_READ = 1 << PENDING_SHIFT;
/**
 * Reads of one slot deferred at most before they are recorded together: one more than the reads
 * that fill a key's counters from zero (a doorkeeper sighting and 15 increments), and one more
 * than the 4 bits hold.
 */
const MAX_PENDING = 16;
/**
 * The hot-set watch counts every this-many-th slot: the quiet share is a statistic, and a pass over
 * every slot (branches on each slot's list and mark) measured ~7.5 ns per slot, i.e. per request.
 */
const WATCH_STRIDE = 8;
/**
 * An entry's counters hold between half and all of its reads over a sketch period (they are halved
 * once per period), so its read rate is taken as its frequency over this share of a period.
 */
const COUNTED_SHARE = 0.75;
/**
 * After a shift declared by the hot-set watch, an entry not read during the observed period loses
 * its standing if its frequency said it would be read at least this often in that period.
 */
const QUIET_JUDGE_READS = 0.5;
/** Frequency halvings applied when a shift is detected. */
const SHIFT_HALVINGS = 2;
/**
 * Frequency halvings applied when the recency shadow declares a shift: one more than for a shift
 * the hit ratio shows, since plain LRU already did better with no history at all. On the tuning
 * seeds (set A) 3 gained +0.86 points summed (shift-slow at 1k +0.16 to +0.18, shift-fast at 10k
 * +0.02 to +0.06, no row lower by 0.05); 2 is the detected shifts' count, 4 gained +1.07 but cost
 * shift-slow at 1k 0.14 on one seed, 1 lost 1.65.
 */
const DECLARED_SHIFT_HALVINGS = 3;

function isNonNegativeFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * A W-TinyLFU local cache (the Caffeine design): a small LRU admission window in front of a
 * segmented LRU main space (probation and protected, 80 % protected). An entry leaving the
 * window enters the main space only if the frequency sketch says it is more popular than the
 * entry it would evict; the window's share of the capacity is tuned at run time by hill climbing
 * on the hit ratio and by ghost feedback (keys that come back soon after losing an eviction, see
 * `WindowGhosts`).
 *
 * Entries live in flat typed arrays indexed by slot (index-linked lists), with a `Map` from key
 * to slot; every operation is O(1) amortized and a hit allocates nothing.
 *
 * Create it with {@link createLfuCache} or {@link lfuCacheFactory}.
 *
 * @typeParam E - the entry type (core stores its own entry objects).
 */
/** Reads of one clock reading at most (see `now()`). */
const READS_PER_READING = 1024;

export class LfuLocalCache<E = unknown> implements LocalCache<E> {
  /** The contract version this cache implements. */
  readonly contractVersion = CONTRACT_VERSION;
  /** Maximum number of entries (`Infinity` when only `maxCost` bounds the cache). */
  readonly maxEntries: number;
  /** Capacity in weight units: `maxCost` when set, else `maxEntries`. */
  readonly maximumWeight: number;

  private readonly slotOf = new Map<LfuKey, number>();
  private keys: Array<LfuKey | undefined> = [];
  private values: Array<E | undefined> = [];
  /** The window, probation and protected lists over the slots, and their weights and bounds. */
  private readonly segments: Segments;
  /** The segments' queue tags (the same array), read directly by every hit; replaced on growth. */
  private queue: Uint8Array;
  private hashes: Int32Array;
  private costs: Float64Array | undefined;
  private expiresAt: Float64Array;
  /**
   * Per slot, the request count (wrapped to 32 bits) of its last access while in the window: its
   * insertion or a window hit. A candidate that loses its admission contest is remembered from
   * then (WindowGhosts), not from the contest: an entry can sit in the window through thousands of
   * hits elsewhere before a miss pushes it out.
   */
  private accessedAt: Int32Array;
  /**
   * Per slot, in the low bits ({@link MARK_BITS}): IDLE, REFERENCED or STALE, set to REFERENCED on
   * every access (one store), with COUNTERS_FULL beside REFERENCED when the counters are known
   * full and CONTESTED on a victim that won an admission contest (cleared by its next access); in
   * the high 4 bits, the reads not yet recorded in the sketch (see
   * {@link LfuLocalCache.defer}). One byte, so a hit reads and writes one place.
   */
  private referenced: Uint8Array;
  /** Deferred reads in all slots. */
  private pendingHits = 0;
  /** Every deferred read is recorded when `pendingHits` reaches this (see {@link LfuLocalCache.flushPending}). */
  private flushAt = 0;
  /** Admission contests since every deferred read was last recorded (see {@link LfuLocalCache.defer}). */
  private contestsSinceFlush = 0;
  private slotCapacity: number;
  private readonly slotLimit: number;
  private unusedSlot = FIRST_SLOT;
  private freeSlot = NONE;

  private readonly sketch: FrequencySketch;
  private readonly costMode: boolean;
  private readonly internalCost: number;
  private readonly defaultTtlMs: number;
  private readonly hashSeed: number;
  private randomState: number;
  private hasExpiring = false;
  /** `Date.now()` reused for up to 1 ms or {@link READS_PER_READING} reads; reading it on every hit is slow. */
  private cachedNow = 0;
  private readsLeft = 0;
  /** When the pending 1 ms timer was armed (0 = none). */
  private armedAt = 0;
  private readonly forgetNow = (): void => {
    this.readsLeft = 0;
    this.armedAt = 0;
  };
  /** The slot being inserted by the running `set`; if it loses admission at once, that is a rejection. */
  private insertingSlot = NONE;

  private totalWeight = 0;
  private totalCost = 0;
  private readonly recency: RecencyShadow;
  private readonly recencySampleShift: number;
  /** Request count at which {@link LfuLocalCache.periodic} runs next. */
  private due = 0;
  /** Window weight added by recency verdicts and not yet given back. */
  private lentToWindow = 0;
  /**
   * The lists whose entries a read moves: the window and probation (a read promotes a probation
   * entry to protected, which demotes protected's least recently used one), or only the window
   * while the cache is quiet: no insertion has had to make room (evict, reject, or move the
   * window's overflow) for {@link QUIET_SAMPLES} shift-detector periods. The lists' order only decides
   * victims, so while none is taken a read of a probation entry marks it RECENT, as a read of a
   * protected one does, and the next insertion that makes room first promotes the marked entries
   * it finds at probation's least recently used end ({@link Segments.settleProbation}). A cache
   * that holds every key it is asked for (all hits) then moves no entry at all: under uniform
   * reads, ~0.2 promotions per read, each with a demotion, were a fifth of a hit's time.
   */
  private movedOnRead = PROBATION;
  /** Whether an insertion made room since the last shift-detector sample (see `movedOnRead`). */
  private madeRoom = false;
  /** Shift-detector samples in a row without an insertion that made room. */
  private roomlessSamples = 0;
  /** Recency verdicts in the current climbing period. */
  private recencyVerdicts = 0;

  /** Request count at the sketch's last periodic halving, and the requests between the last two. */
  private lastHalving = 0;
  private halvingSpan = 0;
  /** 1 when the next odd count of deferred reads halved in place rounds up (see `halveInPlace`). */
  private roundUp = 0;
  private hitsInSample = 0;
  private missesInSample = 0;

  private readonly climber: HillClimber;
  private readonly shift: ShiftDetector;
  private readonly watch: HotSetWatch;
  private readonly ghosts: WindowGhosts;

  private hits = 0;
  private misses = 0;
  private sets = 0;
  private evictions = 0;
  private rejections = 0;
  private expirations = 0;
  private admissionRejections = 0;
  private closed = false;

  /**
   * @param options - see {@link LfuCacheOptions}.
   * @throws InvalidConfigError when an option is out of range.
   */
  constructor(options?: LfuCacheOptions) {
    const resolved: ResolvedLfuOptions = resolveLfuOptions(options);
    this.maxEntries = resolved.maxEntries;
    this.maximumWeight = resolved.maximumWeight;
    this.costMode = resolved.costMode;
    this.internalCost = resolved.internalCost;
    this.defaultTtlMs = resolved.defaultTtlMs;
    this.hashSeed = resolved.randomSeed;
    this.randomState = nextRandom(resolved.randomSeed) || 1;
    this.sketch = new FrequencySketch(resolved.counters, resolved.sampleSize);
    // One entry beyond the bound exists transiently: it is inserted before the eviction.
    this.slotLimit = Number.isFinite(resolved.maxEntries)
      ? resolved.maxEntries + 1 + FIRST_SLOT
      : Number.MAX_SAFE_INTEGER;
    this.slotCapacity = Math.min(this.slotLimit, INITIAL_SLOTS + FIRST_SLOT);
    // Weights differ from 1 only when capacity is counted in cost, and costs only when a caller
    // gives one (or `internalCost` is set): otherwise neither array exists (16 bytes per slot).
    this.segments = new Segments(this.maximumWeight, this.slotCapacity, this.costMode);
    this.queue = this.segments.queue;
    this.hashes = new Int32Array(this.slotCapacity);
    this.expiresAt = new Float64Array(this.slotCapacity);
    this.accessedAt = new Int32Array(this.slotCapacity);
    this.referenced = new Uint8Array(this.slotCapacity);
    this.setFlushAt();

    const maximum = this.maximumWeight;
    // sampleSize is 10 × the expected number of entries.
    this.shift = new ShiftDetector(this.sketch.sampleSize);
    this.climber = new HillClimber(maximum, this.sketch.sampleSize);
    this.ghosts = new WindowGhosts(this.sketch.sampleSize / 10);
    this.recency = new RecencyShadow(this.sketch.sampleSize / 10);
    this.recencySampleShift = this.recency.sampleShift;
    this.watch = new HotSetWatch(this.sketch.sampleSize / 10);
  }

  /** Entries currently held (expired entries count until they are read or evicted). */
  get size(): number {
    return this.slotOf.size;
  }

  /** The entry, or `undefined` when absent or expired. Counts a hit or a miss. */
  get(key: LfuKey): E | undefined {
    const slot = this.slotOf.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    if (this.hasExpiring) {
      const expiresAt = this.expiresAt[slot]!;
      if (expiresAt !== 0 && expiresAt < this.now()) {
        this.removeSlot(slot);
        this.expirations++;
        this.misses++;
        return undefined;
      }
    }
    this.hits++;
    this.hitsInSample++;
    const tag = this.queue[slot]!;
    if ((tag & SAMPLED) !== 0) this.sampleHit(slot);
    const mark = this.referenced[slot]!;
    if (mark !== FULL_READ) this.defer(slot, mark);
    // Most hits are on protected entries: they are only marked (see RECENT and FRESH), not moved;
    // so are probation entries while the cache is quiet (see movedOnRead; list tags are ordered).
    if ((tag & LIST_BITS) <= this.movedOnRead) this.onAccess(slot);
    else if ((tag & (RECENT | FRESH)) !== (RECENT | FRESH)) this.queue[slot] = tag | RECENT | FRESH;
    // Sampled on hits too: a run of hits is the baseline a later drop is measured against.
    if (this.hits + this.misses >= this.due) this.periodic();
    return this.values[slot];
  }

  /**
   * Whether `key` holds an unexpired entry. Counts nothing and does not touch the policy (no
   * frequency increment, no reordering).
   */
  has(key: LfuKey): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    const expiresAt = this.expiresAt[slot]!;
    return expiresAt === 0 || expiresAt >= this.now();
  }

  /**
   * Stores an entry. A new entry enters the admission window (so it is always readable right
   * after `set`); when it later leaves the window, TinyLFU decides whether it replaces a main
   * entry.
   *
   * @returns false (and counts a rejection) when the entry is not held after the call: its
   *   weight alone exceeds the capacity, or it lost admission at once (a cache so small or so
   *   full of zero-weight entries that the window could not keep it), or after `close()`. Any
   *   previous entry for the key is then removed.
   * @throws InvalidConfigError when `cost` or `ttlMs` is negative or not finite, or when `entry`
   *   is `undefined` (it would be indistinguishable from a miss).
   */
  set(key: LfuKey, entry: E, options?: LocalCacheSetOptions): boolean {
    if (entry === undefined) throw new InvalidConfigError('entry', entry, 'a value other than undefined');
    if (this.closed) return false;
    let cost = 1;
    let ttlMs = this.defaultTtlMs;
    if (options !== undefined) {
      if (options.cost !== undefined) {
        if (!isNonNegativeFinite(options.cost)) {
          throw new InvalidConfigError('cost', options.cost, 'a finite number >= 0');
        }
        cost = options.cost;
      }
      if (options.ttlMs !== undefined) {
        if (!isNonNegativeFinite(options.ttlMs)) {
          throw new InvalidConfigError('ttlMs', options.ttlMs, 'a finite number >= 0');
        }
        ttlMs = options.ttlMs;
      }
    }
    cost += this.internalCost;
    const weight = this.costMode ? cost : 1;
    let expiresAt = 0;
    if (ttlMs > 0) {
      expiresAt = this.now() + ttlMs;
      this.hasExpiring = true;
    }
    this.sets++;

    let slot = this.slotOf.get(key);
    if (weight > this.maximumWeight) {
      if (slot !== undefined) this.removeSlot(slot);
      this.rejections++;
      return false;
    }
    if (slot !== undefined) {
      this.values[slot] = entry;
      this.expiresAt[slot] = expiresAt;
      this.totalCost += cost - this.costOf(slot);
      this.setCost(slot, cost);
      this.totalWeight += this.segments.reweigh(slot, weight);
      const mark = this.referenced[slot]!;
      if (mark !== FULL_READ) this.defer(slot, mark);
      this.onAccess(slot);
    } else {
      const hash = hashKey(key, this.hashSeed);
      const sampled = hash >>> this.recencySampleShift === 0;
      if (sampled && this.recency.queue(~hash, this.hits, this.hits + this.misses)) this.due = 0;
      this.recordHash(hash, 1);
      // A key back soon after it lost an eviction moves the window's boundary its way (by its
      // weight: a zero-weight entry moves nothing, and must not start a transfer of entries).
      const returning = this.ghosts.returning(hash, this.hits + this.misses);
      if (weight > 0) {
        if (returning === GROW) this.segments.increaseWindow(GHOST_STEP * weight);
        else if (returning === SHRINK) this.segments.decreaseWindow(GHOST_STEP * weight);
      }
      slot = this.allocateSlot();
      this.keys[slot] = key;
      this.values[slot] = entry;
      this.hashes[slot] = hash;
      this.referenced[slot] = IDLE;
      this.setCost(slot, cost);
      this.expiresAt[slot] = expiresAt;
      this.accessedAt[slot] = this.hits + this.misses;
      this.slotOf.set(key, slot);
      this.segments.insert(slot, weight, sampled);
      this.totalWeight += weight;
      this.totalCost += cost;
      this.missesInSample++;
    }
    if (
      this.segments.windowWeight > this.segments.windowMaximum ||
      this.totalWeight > this.maximumWeight ||
      this.slotOf.size > this.maxEntries
    ) {
      this.insertingSlot = slot;
      this.evictEntries();
      this.insertingSlot = NONE;
    }
    if (this.hitsInSample + this.missesInSample >= this.climber.period) this.climb();
    if (this.hits + this.misses >= this.due) this.periodic();
    return this.slotOf.get(key) === slot;
  }

  /** Removes a key; returns whether it was present (an expired entry counts as absent). */
  delete(key: LfuKey): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    const expiresAt = this.expiresAt[slot]!;
    this.removeSlot(slot);
    if (expiresAt !== 0 && expiresAt < this.now()) {
      this.expirations++;
      return false;
    }
    return true;
  }

  /** Removes every entry. Frequency history and counters are kept. */
  clear(): void {
    this.flushPending();
    this.slotOf.clear();
    this.keys = [];
    this.values = [];
    this.unusedSlot = FIRST_SLOT;
    this.freeSlot = NONE;
    this.segments.clear();
    this.totalWeight = 0;
    this.totalCost = 0;
    this.hasExpiring = false;
  }

  /** Current counters; see {@link LfuCacheMetrics}. */
  metrics(): LfuCacheMetrics {
    return {
      hits: this.hits,
      misses: this.misses,
      sets: this.sets,
      evictions: this.evictions,
      rejections: this.rejections,
      size: this.slotOf.size,
      cost: this.totalCost,
      expirations: this.expirations,
      admissionRejections: this.admissionRejections,
      windowCapacity: this.segments.windowMaximum,
      shifts: this.shift.shifts + this.watch.shifts,
    };
  }

  /** Drops every entry; later `set` calls return false. Idempotent. */
  close(): void {
    this.closed = true;
    this.clear();
  }

  /**
   * The wall clock (`Date.now()`, the clock core uses), reused until a 1 ms unref'd timer retires
   * the reading or {@link READS_PER_READING} reads have used it, whichever comes first: one timer
   * per cache at a time, never one per entry. The read bound matters when timers cannot run (a
   * long synchronous stretch, a chain of awaited hits): the clock would otherwise stand still and
   * expired entries be served for the whole stretch. Same rule as core's default tier.
   */
  private now(): number {
    if (this.readsLeft > 0) {
      this.readsLeft--;
      return this.cachedNow;
    }
    const now = Date.now();
    this.cachedNow = now;
    this.readsLeft = READS_PER_READING;
    // A timer armed over 1 ms ago that has not run is held up (or was lost with fake timers):
    // arm another, at most one per reading.
    if (this.armedAt === 0 || now - this.armedAt > 1) {
      this.armedAt = now;
      const timer = setTimeout(this.forgetNow, 1);
      if (typeof timer === 'object') timer.unref();
    }
    return now;
  }

  // -------------------------------------------------------------------------------------------
  // Lists and slots
  // -------------------------------------------------------------------------------------------

  private allocateSlot(): number {
    const free = this.freeSlot;
    if (free !== NONE) {
      this.freeSlot = this.segments.links[(free << 1) | 1]!;
      return free;
    }
    if (this.unusedSlot === this.slotCapacity) this.grow();
    return this.unusedSlot++;
  }

  private grow(): void {
    const capacity = Math.min(this.slotLimit, this.slotCapacity * 2);
    const grow32 = (old: Int32Array): Int32Array => {
      const array = new Int32Array(capacity);
      array.set(old);
      return array;
    };
    const grow64 = (old: Float64Array): Float64Array => {
      const array = new Float64Array(capacity);
      array.set(old);
      return array;
    };
    this.segments.grow(capacity);
    this.queue = this.segments.queue;
    this.hashes = grow32(this.hashes);
    const referenced = new Uint8Array(capacity);
    referenced.set(this.referenced);
    this.referenced = referenced;
    if (this.costs !== undefined) this.costs = grow64(this.costs);
    this.expiresAt = grow64(this.expiresAt);
    this.accessedAt = grow32(this.accessedAt);
    this.slotCapacity = capacity;
  }

  private costOf(slot: number): number {
    return this.costs === undefined ? 1 : this.costs[slot]!;
  }

  /** Records a slot's cost; the array appears with the first cost other than 1. */
  private setCost(slot: number, cost: number): void {
    if (this.costs === undefined) {
      if (cost === 1) return;
      this.costs = new Float64Array(this.slotCapacity).fill(1);
    }
    this.costs[slot] = cost;
  }

  private removeSlot(slot: number): void {
    // The key's reads stay in the sketch's history, for when it comes back.
    if (this.referenced[slot]! >= PENDING_READ) this.flushSlot(slot);
    this.totalWeight -= this.segments.weightOf(slot);
    this.segments.remove(slot);
    this.totalCost -= this.costOf(slot);
    this.slotOf.delete(this.keys[slot]!);
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.segments.links[(slot << 1) | 1] = this.freeSlot;
    this.freeSlot = slot;
  }

  // -------------------------------------------------------------------------------------------
  // Policy
  // -------------------------------------------------------------------------------------------

  private onAccess(slot: number): void {
    const segments = this.segments;
    const tag = this.queue[slot]! | FRESH;
    this.queue[slot] = tag;
    const list = tag & LIST_BITS;
    if (list === WINDOW) {
      if (segments.touchWindow(slot)) this.accessedAt[slot] = this.hits + this.misses;
    } else if (list <= this.movedOnRead) segments.promote(slot);
    else this.queue[slot] = tag | RECENT;
  }

  /**
   * Every {@link ShiftDetector.period} requests: on a detected shift every frequency is halved
   * {@link SHIFT_HALVINGS} times and the access marks are cleared; at the end of the observation
   * that follows, the idle entries are judged ({@link judgeIdleEntries}). The cost is one pass over
   * the entries per shift.
   */
  private detectShift(): void {
    const verdict = this.shift.sample(this.hits, this.hits + this.misses);
    if (verdict === 'shift') this.forgetHistory();
    else if (verdict === 'judge') this.judgeIdleEntries();
  }

  /** A hit on a key the recency shadow samples: queued for it (a full queue brings `periodic` forward). */
  private sampleHit(slot: number): void {
    if (this.recency.queue(this.hashes[slot]!, this.hits, this.hits + this.misses)) this.due = 0;
  }

  /**
   * The work get and set leave for later, due every {@link ShiftDetector.period} requests or when
   * the recency shadow's queue is full (one check on the hit path for both): the shadow plays its
   * queue and may declare a shift, and the detector takes its sample when due. The shadow is first
   * sized to the entries the cache holds (fewer than expected when entries cost more than 1).
   */
  private periodic(): void {
    this.recency.fit(this.slotOf.size);
    if (this.recency.drain()) this.recencyLed();
    if (this.hits + this.misses >= this.shift.due) {
      this.roomlessSamples = this.madeRoom ? 0 : this.roomlessSamples + 1;
      this.movedOnRead = this.roomlessSamples >= QUIET_SAMPLES ? WINDOW : PROBATION;
      this.madeRoom = false;
      this.detectShift();
    }
    if (this.hits + this.misses >= this.watch.due) this.watchHotSet();
    this.due = Math.min(this.shift.due, this.watch.due);
  }

  /**
   * The recency shadow's verdict: LRU would have served the cache's own requests better while its
   * hit ratio dipped, so the frequency history is stale. The window is lent a share of the capacity
   * (past the usual bound if need be), and the shift is handled as a detected one unless one is
   * already being observed.
   */
  private recencyLed(): void {
    const before = this.segments.windowMaximum;
    const steps = Math.min(RECENCY_MAX_STEPS, this.recency.verdictStrength);
    let wanted = Math.floor(this.maximumWeight * RECENCY_WINDOW_STEP * steps);
    // Each call moves a bounded number of entries; a verdict gets all it asked for.
    while (wanted > 0) {
      const from = this.segments.windowMaximum;
      this.segments.increaseWindow(wanted, true);
      const grown = this.segments.windowMaximum - from;
      if (grown <= 0) break;
      wanted -= grown;
    }
    this.lentToWindow += this.segments.windowMaximum - before;
    this.recencyVerdicts++;
    if (!this.shift.declare(this.hits, this.hits + this.misses)) return;
    this.forgetHistory(DECLARED_SHIFT_HALVINGS);
  }

  /** A shift: every frequency is halved `halvings` times and the access marks cleared. */
  private forgetHistory(halvings = SHIFT_HALVINGS): void {
    this.flushPending();
    for (let halving = 0; halving < halvings; halving++) this.sketch.reset();
    this.setFlushAt();
    this.clearReferenced();
    this.watch.restart(this.hits, this.hits + this.misses);
  }

  /**
   * The hot-set watch is due ({@link HotSetWatch}): while a shift found otherwise is observed, it
   * waits; after its own verdict's observation, the quiet entries are judged; else it counts the
   * hot main entries and those unread since it last counted (turning REFERENCED marks to SEEN as
   * it goes), over every {@link WATCH_STRIDE}th slot in slot order, once per period of the expected
   * entries. The other slots' marks stay REFERENCED.
   */
  private watchHotSet(): void {
    const requests = this.hits + this.misses;
    if (this.shift.observing) {
      this.watch.restart(this.hits, requests);
      return;
    }
    if (this.watch.step(this.hits, requests) === 'judge') {
      this.judgeQuietEntries();
      return;
    }
    const referenced = this.referenced;
    const queue = this.queue;
    let hot = 0;
    let quiet = 0;
    for (let slot = FIRST_SLOT; slot < this.unusedSlot; slot += WATCH_STRIDE) {
      const tag = queue[slot]!;
      const list = tag & LIST_BITS;
      if (list !== PROTECTED && list !== PROBATION) continue;
      const mark = referenced[slot]!;
      const state = mark & STATE_BITS;
      if (state === REFERENCED) {
        referenced[slot] = mark | SEEN;
        if ((tag & HOT) !== 0) hot++;
      } else if ((tag & HOT) !== 0 && state !== STALE) {
        // Counted quiet once: it is hot again when its counters are next found full on a read.
        hot++;
        quiet++;
        queue[slot] = tag & ~HOT;
      }
    }
    if (this.watch.verdict(hot, quiet, this.shift.baseline)) this.clearReferenced();
  }

  /**
   * End of the observation after the watch's verdict: a main entry not read during it whose
   * frequency said it would have been read at least {@link QUIET_JUDGE_READS} times goes to the
   * least recently used end of probation (from protected) and is marked STALE, as after a shift the
   * hit ratio shows ({@link judgeIdleEntries}); the rarely read tail, which a period says nothing
   * about, keeps its standing. The frequencies are looked up for the idle entries only, once per
   * verdict.
   */
  private judgeQuietEntries(): void {
    const span = Math.max(
      this.sketch.sampleSize,
      this.halvingSpan,
      this.hits + this.misses - this.lastHalving,
    );
    const minimum = Math.ceil((QUIET_JUDGE_READS * COUNTED_SHARE * span) / this.watch.period);
    const referenced = this.referenced;
    const queue = this.queue;
    for (let slot = FIRST_SLOT; slot < this.unusedSlot; slot++) {
      const list = queue[slot]! & LIST_BITS;
      if (list !== PROTECTED && list !== PROBATION) continue;
      if ((referenced[slot]! & STATE_BITS) !== IDLE || this.frequency(slot) < minimum) continue;
      if (list === PROTECTED) this.segments.demoteToVictims(slot);
      referenced[slot] = (referenced[slot]! & ~STATE_BITS) | STALE;
    }
  }

  /**
   * Turns REFERENCED and SEEN marks back to IDLE (STALE ones stay), dropping COUNTERS_FULL and
   * CONTESTED with them.
   */
  private clearReferenced(): void {
    const referenced = this.referenced;
    for (let slot = FIRST_SLOT; slot < this.unusedSlot; slot++) {
      const mark = referenced[slot]!;
      if ((mark & REFERENCED) !== 0) referenced[slot] = (mark & ~MARK_BITS) | IDLE;
    }
  }

  /**
   * The sketch's periodic halving happened (recorded, or in place): its span is noted; no entry's
   * counters are known to be full any more, and none has been read since (FRESH). Only this
   * periodic halving clears FRESH, not a shift's: after a shift the entries not read since would
   * count one more in a contest, protecting the old hot set the shift is meant to let go (clearing
   * it there too cost 2.5 points summed on set A).
   */
  private afterHalving(): void {
    const now = this.hits + this.misses;
    this.halvingSpan = now - this.lastHalving;
    this.lastHalving = now;
    const referenced = this.referenced;
    const queue = this.queue;
    for (let slot = FIRST_SLOT; slot < this.unusedSlot; slot++) {
      referenced[slot] = referenced[slot]! & ~COUNTERS_FULL;
      queue[slot] = queue[slot]! & ~FRESH;
    }
  }

  /**
   * End of the observation after a shift: protected entries not referenced since the shift go to
   * the least recently used end of probation, and those and the idle probation entries are marked
   * STALE, so they are the next victims and lose the admission contest however frequent they
   * were (a read or write clears the mark).
   */
  private judgeIdleEntries(): void {
    const referenced = this.referenced;
    let slot = this.segments.first(PROTECTED);
    while (slot !== NONE) {
      const after = this.segments.following(slot);
      if ((referenced[slot]! & STATE_BITS) === IDLE) {
        this.segments.demoteToVictims(slot);
        referenced[slot] = referenced[slot]! | STALE;
      }
      slot = after;
    }
    for (slot = this.segments.first(PROBATION); slot !== NONE; slot = this.segments.following(slot)) {
      if ((referenced[slot]! & STATE_BITS) === IDLE) referenced[slot] = referenced[slot]! | STALE;
    }
    this.clearReferenced();
    this.watch.restart(this.hits, this.hits + this.misses);
  }

  private isOverCapacity(): boolean {
    return this.totalWeight > this.maximumWeight || this.slotOf.size > this.maxEntries;
  }

  /**
   * Makes room after an insertion: the window's overflow moves to probation, and while the cache is
   * over capacity its candidates contest probation's least recently used entries. Entries read
   * while the cache was quiet and still waiting at that end are promoted first (see `movedOnRead`);
   * a victim further along is contested as it is (its reads are in its frequency).
   */
  private evictEntries(): void {
    this.movedOnRead = PROBATION;
    this.madeRoom = true;
    this.segments.settleProbation();
    const candidate = this.segments.evictFromWindow();
    if (this.isOverCapacity()) this.evictFromMain(candidate);
  }

  /**
   * Evicts until the cache fits: each candidate (an entry that just left the window) competes
   * with the probation segment's least recently used entry; the less frequent one goes.
   */
  private evictFromMain(candidate: number): void {
    let victimQueue = PROBATION;
    let candidateQueue = PROBATION;
    let victim = this.segments.first(PROBATION);
    const now = this.hasExpiring ? this.now() : 0;
    while (this.isOverCapacity()) {
      if (candidate === NONE && candidateQueue === PROBATION) {
        candidate = this.segments.first(WINDOW);
        candidateQueue = WINDOW;
      }
      if (candidate === NONE && victim === NONE) {
        if (victimQueue === PROBATION) {
          victim = this.segments.protectedFirst();
          victimQueue = PROTECTED;
          continue;
        }
        if (victimQueue === PROTECTED) {
          victim = this.segments.first(WINDOW);
          victimQueue = WINDOW;
          continue;
        }
        break;
      }
      if (victim === NONE) {
        const evicted = candidate;
        candidate = this.segments.following(candidate);
        this.evict(evicted, now);
        continue;
      }
      if (candidate === NONE) {
        const evicted = victim;
        victim = this.segments.following(victim);
        this.evict(evicted, now);
        continue;
      }
      if (candidate === victim) {
        victim = this.segments.following(victim);
        this.evict(candidate, now);
        candidate = NONE;
        continue;
      }
      if (this.segments.weightOf(candidate) > this.maximumWeight || this.isExpired(candidate, now)) {
        const evicted = candidate;
        candidate = this.segments.following(candidate);
        this.evict(evicted, now);
        continue;
      }
      const victimExpired = this.isExpired(victim, now);
      if (victimExpired || this.admit(candidate, victim)) {
        const evicted = victim;
        // Only an entry accessed while cached (read or set again, since the last shift) says
        // the main space was too small: one never accessed was a poor admission, not a casualty
        // of the window (nor is an expired one).
        if (!victimExpired && victimQueue !== WINDOW && (this.referenced[victim]! & REFERENCED) !== 0) {
          this.ghosts.displacedOne(this.hashes[victim]!, this.hits + this.misses);
        }
        victim = this.segments.following(victim);
        this.evict(evicted, now);
        candidate = this.segments.following(candidate);
      } else {
        const evicted = candidate;
        candidate = this.segments.following(candidate);
        this.admissionRejections++;
        this.evict(evicted, now);
      }
    }
  }

  private isExpired(slot: number, now: number): boolean {
    const expiresAt = this.expiresAt[slot]!;
    return expiresAt !== 0 && expiresAt < now;
  }

  /** Removes an entry to make room; an expired one counts as an expiration instead. */
  private evict(slot: number, now: number): void {
    if (this.isExpired(slot, now)) this.expirations++;
    else if (slot === this.insertingSlot) this.rejections++;
    else this.evictions++;
    this.removeSlot(slot);
  }

  /**
   * TinyLFU admission: the candidate wins when more frequent, or when the victim is STALE (idle
   * since a detected shift). A warm candidate that loses is still admitted 1 time in 128 at
   * random, so an attacker who keeps residents at the top frequency cannot pin them and block
   * every newcomer; but not against a victim that already won a contest and has not been accessed
   * since (CONTESTED): on a loop longer than the cache the probation head wins hundreds of
   * contests in a row untouched, and those random admissions only churned the keys the cache
   * could keep (4–8 points on a loop of 1.25 × the capacity). A victim kept frequent by being
   * accessed, as an attacker's are, meets the random admission after every access. A candidate
   * that loses clearly (at most 2/3 of the victim's frequency) is remembered by WindowGhosts; the
   * caller evicts it.
   *
   * A victim not read since the sketch last halved its counters, facing a candidate read since,
   * counts one more if its count is low ({@link HALVING_BONUS_LIMIT}; see FRESH): the halving cut
   * the victim's count (rounding down) but not the candidate's reads after it, so two keys read
   * equally often compare unequal whenever a halving falls between their reads. On a loop longer
   * than the cache, where every key is read equally often, that asymmetry alone made candidates
   * win and evict the keys about to be read: a loop of 10 × the capacity hit 5–9 % where 10 % is
   * possible, now 9.6–10 %. The ghosts' "clear loss" is judged on the counts as they are: with the
   * bonus in it, more losses counted as clear and grew the window (zipf+scans at 1k in
   * `hit-ratio.md` −0.6).
   */
  private admit(candidate: number, victim: number): boolean {
    if (this.pendingHits !== 0 && ++this.contestsSinceFlush >= this.unusedSlot >>> 3) this.flushPending();
    const candidateFrequency = this.frequency(candidate);
    if ((this.referenced[victim]! & STATE_BITS) === STALE) return true;
    const victimFrequency = this.frequency(victim);
    // Counts were halved since the victim was last read, but not since the candidate was.
    const halvedBetween = (this.queue[victim]! & FRESH) === 0 && (this.queue[candidate]! & FRESH) !== 0;
    const contested =
      halvedBetween && victimFrequency <= HALVING_BONUS_LIMIT ? victimFrequency + 1 : victimFrequency;
    if (candidateFrequency > contested) return true;
    if (candidateFrequency >= ADMIT_HASHDOS_THRESHOLD && (this.referenced[victim]! & CONTESTED) === 0) {
      this.randomState = nextRandom(this.randomState);
      if ((this.randomState & 127) === 0) return true;
    }
    this.referenced[victim] = this.referenced[victim]! | CONTESTED;
    if (victimFrequency > 0 && candidateFrequency * 3 <= victimFrequency * 2) {
      this.ghosts.rejectedOne(this.hashes[candidate]!, this.accessedAt[candidate]!);
    }
    return false;
  }

  /** The sketch's estimate for a slot's key, its deferred reads included. */
  private frequency(slot: number): number {
    if (this.referenced[slot]! >= PENDING_READ) this.flushSlot(slot);
    return this.sketch.frequency(this.hashes[slot]!);
  }

  /**
   * Counts a read of a slot whose counters are not known to be full, without touching the sketch:
   * reads accumulate per slot and are recorded together (one {@link FrequencySketch.recordMany})
   * when the slot's frequency is compared in an admission contest, when the slot is removed, when
   * it has {@link MAX_PENDING} reads waiting, and all of them before anything that could halve the
   * counters or clear the doorkeeper. So every read is counted, aged and admitted as if recorded
   * at once, except where keys share counters: a key's waiting reads do not yet raise the
   * estimates of the keys it collides with. All are also recorded every capacity / 8 admission
   * contests, which bounds that lag (without such a bound, lfu lost up to 2.5 points on shift-fast
   * at 1k entries; see docs/architecture.md). While the cache is quiet (no contest is decided), a
   * halving halves the waiting reads in place instead of recording them first ({@link
   * halveInPlace}), within one read of the exact count.
   *
   * The sketch's block is rarely in the CPU cache; with 10,000 keys read uniformly this saves
   * ~20 ns of a ~75 ns hit (see docs/architecture.md).
   */
  private defer(slot: number, mark: number): void {
    if ((mark & COUNTERS_FULL) !== 0) {
      // A contest winner (CONTESTED) or an entry the watch counted read again: its counters are
      // still full, nothing to record; it is hot (again).
      this.referenced[slot] = FULL_READ;
      this.queue[slot] = this.queue[slot]! | HOT;
      return;
    }
    // The access also marks the slot REFERENCED (clearing STALE and CONTESTED); its counters are
    // not known full.
    const count = mark >>> PENDING_SHIFT;
    if (count === MAX_PENDING - 1) {
      this.referenced[slot] = REFERENCED;
      this.pendingHits -= count;
      this.recordHash(this.hashes[slot]!, MAX_PENDING, slot);
      return;
    }
    this.referenced[slot] = (count + 1) * PENDING_READ + REFERENCED;
    if (++this.pendingHits >= this.flushAt) {
      if (this.movedOnRead === WINDOW) this.halveInPlace();
      else this.flushPending();
    }
  }

  /**
   * The deferred reads would complete the sketch's period while the cache is quiet (see
   * `movedOnRead`): the counters are halved and so is every slot's count of reads still
   * deferred, in place, instead of recording each slot's reads first. Recording is what a pass
   * costs (at 10k keys read uniformly each halving period records ~every slot once, 0.23 sketch
   * updates per read, ~18 ns of a ~65 ns hit); no contest is decided while the cache is quiet, and
   * the halved counts are recorded when the slot is next contested, removed or reaches 16 reads.
   * Not exact as recording first is: a halved count loses its odd read, so odd counts round up
   * and down in turn (the error stays within one read per slot, and none accumulates), and a
   * count recorded later is capped at the counters' maximum after the halving rather than before.
   */
  private halveInPlace(): void {
    this.sketch.age();
    this.afterHalving();
    const referenced = this.referenced;
    let pending = 0;
    let roundUp = this.roundUp;
    for (let slot = FIRST_SLOT; slot < this.unusedSlot; slot++) {
      const mark = referenced[slot]!;
      const count = mark >>> PENDING_SHIFT;
      if (count === 0) continue;
      let half = count >>> 1;
      if ((count & 1) !== 0) {
        half += roundUp;
        roundUp ^= 1;
      }
      referenced[slot] = (mark & MARK_BITS) | (half << PENDING_SHIFT);
      pending += half;
    }
    this.roundUp = roundUp;
    this.pendingHits = pending;
    this.setFlushAt();
  }

  /** Records one slot's deferred reads. */
  private flushSlot(slot: number): void {
    const mark = this.referenced[slot]!;
    const count = mark >>> PENDING_SHIFT;
    this.referenced[slot] = mark & MARK_BITS;
    this.pendingHits -= count;
    this.recordHash(this.hashes[slot]!, count, slot);
  }

  /**
   * Records every slot's deferred reads, in slot order: a pass over the slots, whose arrays are
   * read in sequence (a list of the slots read, in the order read, measured ~2x slower per hit at
   * 100,000 keys read uniformly: each entry then misses the CPU cache three times).
   */
  private flushPending(): void {
    // Zero first: the recordings below must not flush again.
    this.pendingHits = 0;
    this.contestsSinceFlush = 0;
    const referenced = this.referenced;
    for (let slot = FIRST_SLOT; slot < this.unusedSlot; slot++) {
      const mark = referenced[slot]!;
      if (mark < PENDING_READ) continue;
      referenced[slot] = mark & MARK_BITS;
      this.recordHash(this.hashes[slot]!, mark >>> PENDING_SHIFT, slot);
    }
    this.setFlushAt();
  }

  /**
   * The next pass is due when the deferred reads would complete the sketch's period, but not
   * before 1/16 of the slots' worth of reads has been deferred: near the end of a period whose
   * reads change nothing (keys already at the maximum), passes would otherwise follow each other.
   * So a halving may count up to that many reads made just after it, of a period of 10 × the
   * capacity's reads.
   */
  private setFlushAt(): void {
    this.flushAt = Math.max(this.sketch.untilHalving(), this.unusedSlot >>> 4);
  }

  /**
   * Records `times` occurrences of a key (held in `slot`, or NONE); marks the slot's counters full
   * when they are. Deferred reads of other keys are recorded first when this could halve the
   * counters or clear the doorkeeper, so they are aged (and remembered) as they would have been.
   */
  private recordHash(hash: number, times: number, slot = NONE): void {
    if (this.pendingHits !== 0 && this.sketch.wouldReset(hash, times)) this.flushPending();
    const recorded = this.sketch.recordMany(hash, times);
    if (recorded === SATURATED) {
      if (slot !== NONE) {
        const mark = this.referenced[slot]!;
        if (mark === REFERENCED || mark === SEEN) {
          this.referenced[slot] = mark | COUNTERS_FULL;
          this.queue[slot] = this.queue[slot]! | HOT;
        }
      }
    } else if (recorded === HALVED) {
      this.afterHalving();
    }
    this.setFlushAt();
  }

  /** Once per sample period: the {@link HillClimber} says how far to move the window's size. */
  private climb(): void {
    const adjustment = this.climber.adjustment(this.hitsInSample, this.missesInSample);
    if (adjustment !== undefined) {
      this.hitsInSample = 0;
      this.missesInSample = 0;
    }
    this.segments.demoteFromProtected();
    if (adjustment === undefined) return;
    // Window lent by recency verdicts is given back while none comes (see RECENCY_LOAN_RETURN).
    if (this.recencyVerdicts > 0) this.recencyVerdicts = 0;
    else if (this.lentToWindow > 0) {
      const returned = Math.min(
        this.lentToWindow,
        Math.max(1, Math.floor(this.maximumWeight * RECENCY_LOAN_RETURN)),
      );
      this.lentToWindow -= returned;
      this.segments.decreaseWindow(returned);
    }
    if (adjustment > 0) this.segments.increaseWindow(adjustment);
    else if (adjustment < 0) this.segments.decreaseWindow(-adjustment);
  }
}

/**
 * Creates a W-TinyLFU local cache (Go: `NewLFUCache(config)`).
 *
 * @example
 * ```ts
 * import { createLfuCache } from '@synced-cache/lfu';
 * const local = createLfuCache({ maxEntries: 50_000, defaultTtlMs: 60_000 });
 * ```
 * @throws InvalidConfigError when an option is out of range.
 */
export function createLfuCache<E = unknown>(options?: LfuCacheOptions): LfuLocalCache<E> {
  return new LfuLocalCache<E>(options);
}

/**
 * What {@link lfuCacheFactory} returns (the Go library's `LFUCacheFactory`): a function making a new, empty
 * cache per call, generic in the entry type so it fits core's `localCache` option for any value
 * type.
 */
export type LfuCacheFactory = <E = unknown>() => LfuLocalCache<E>;

/**
 * A factory of W-TinyLFU local caches (Go: `NewLFUCacheFactory(config)`), for core's
 * `localCache` option. Options are validated now, once, so a bad config fails at start-up. The
 * factory makes caches of any entry type, so it fits every `createCache<V>` without a type
 * argument, and one factory can serve caches of different value types.
 *
 * @throws InvalidConfigError when an option is out of range.
 */
export function lfuCacheFactory(options?: LfuCacheOptions): LfuCacheFactory {
  resolveLfuOptions(options);
  return <E = unknown>() => new LfuLocalCache<E>(options);
}
