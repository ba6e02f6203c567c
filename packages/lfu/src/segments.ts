/**
 * W-TinyLFU's segmented space over the cache's slots: three lists (the admission window, probation
 * and protected), their weights and bounds, and every move between them. It knows slots, links and
 * weights; the cache (`lfu-cache.ts`) owns keys, values, expiry and frequencies, and decides what to
 * admit, what to evict and when to resize the window.
 */

// Queue tags and, as slot numbers, the sentinel heads of the three circular lists. In each list
// the head's next link is the least recently used entry and its previous link the most recently
// used one.
export const WINDOW = 0;
export const PROBATION = 1;
export const PROTECTED = 2;
/** The queue tag of a slot that holds no entry. */
export const FREE = 3;
/** The first slot that holds entries (the ones below are the lists' heads). */
export const FIRST_SLOT = 3;
/** The queue tag's bits; the bit above marks a key the recency shadow samples (see `recency-shadow.ts`). */
export const LIST_BITS = 0x03;
export const SAMPLED = 0x04;
/**
 * Above those, a protected entry read since it was last placed in its list (lazy promotion: the
 * read sets the bit instead of moving the entry; see {@link Segments.protectedFirst}), or a
 * probation entry read while the cache evicted nothing (see {@link Segments.settleProbation}).
 * Any move to a list clears it.
 */
export const RECENT = 0x08;
/**
 * Above that, an entry among the hottest: its frequency counters were found full since the cache's
 * hot-set watch last found it unread for a whole period (see `hot-set-watch.ts`). Moves keep it.
 */
export const HOT = 0x10;
/**
 * Above that, an entry read or written since the sketch last halved its counters (set on insertion
 * and access, cleared for every slot by the periodic halving). In an admission contest a victim
 * without it, facing a candidate with it, counts one more: its count was halved since its last
 * read, the candidate's reads since then were not (see `LfuLocalCache.admit`).
 */
export const FRESH = 0x20;
/** The bits a move to another list keeps. */
const KEPT_BITS = SAMPLED | HOT | FRESH;
export const NONE = -1;

/**
 * Entries read since they were placed that one look at protected's least recently used end
 * moves to its other end before it takes the entry it stands on anyway (bounds the pause).
 */
const SECOND_CHANCES = 256;
const PERCENT_MAIN = 0.99;
const PERCENT_MAIN_PROTECTED = 0.8;
/** The most entries one resize or demotion moves. */
const QUEUE_TRANSFER_THRESHOLD = 1000;
/**
 * The share of the capacity the probation segment keeps when a recency verdict grows the window
 * past protected's share. Classic W-TinyLFU stops at window + probation (80 % at most); on hot sets
 * replaced every 3 capacities even that kept lfu 0.6–1 point below LRU, since a main space of 20 %
 * still held the previous hot set's favourites.
 */
const MIN_PROBATION_SHARE = 0.01;

/**
 * The three lists, as typed arrays indexed by slot, and the segments' weights and bounds.
 *
 * @internal
 */
export class Segments {
  /**
   * The list links of slot s: the previous entry at 2s, the next at 2s + 1 (side by side, so a
   * move reads and writes one cache line for the slot itself instead of two). A free slot's next
   * link chains the cache's free slots.
   */
  links: Int32Array;
  /** Per slot, its list ({@link LIST_BITS}) or FREE, and the SAMPLED and RECENT bits. */
  queue: Uint8Array;
  /** Per slot, its weight, when capacity is counted in cost (otherwise every weight is 1). */
  weights: Float64Array | undefined;
  windowWeight = 0;
  protectedWeight = 0;
  windowMaximum: number;
  protectedMaximum: number;
  /** windowMaximum + protectedMaximum at construction: hill climbing moves weight between the two. */
  readonly segmentsMaximum: number;
  /** The most windowMaximum + protectedMaximum may reach when a recency verdict lends the window probation's share. */
  readonly lendingLimit: number;

  /**
   * @param maximumWeight - the cache's capacity in weight units.
   * @param slotCapacity - slots to allocate now (see {@link Segments.grow}).
   * @param weighted - whether entries have weights other than 1.
   */
  constructor(maximumWeight: number, slotCapacity: number, weighted: boolean) {
    this.links = new Int32Array(slotCapacity * 2);
    this.queue = new Uint8Array(slotCapacity);
    if (weighted) this.weights = new Float64Array(slotCapacity);
    this.resetLists();
    this.windowMaximum = maximumWeight - Math.floor(PERCENT_MAIN * maximumWeight);
    this.protectedMaximum = Math.floor(PERCENT_MAIN_PROTECTED * (maximumWeight - this.windowMaximum));
    this.segmentsMaximum = this.windowMaximum + this.protectedMaximum;
    this.lendingLimit = maximumWeight - Math.max(1, Math.floor(maximumWeight * MIN_PROBATION_SHARE));
  }

  /** Room for `capacity` slots, keeping every slot's links, tag and weight. */
  grow(capacity: number): void {
    const links = new Int32Array(capacity * 2);
    links.set(this.links);
    this.links = links;
    const queue = new Uint8Array(capacity);
    queue.set(this.queue);
    this.queue = queue;
    if (this.weights !== undefined) {
      const weights = new Float64Array(capacity);
      weights.set(this.weights);
      this.weights = weights;
    }
  }

  /** Empties every list (every slot becomes FREE). */
  clear(): void {
    this.queue.fill(FREE);
    this.resetLists();
    this.windowWeight = 0;
    this.protectedWeight = 0;
  }

  private resetLists(): void {
    for (let head = 0; head < FIRST_SLOT; head++) {
      this.links[head << 1] = head;
      this.links[(head << 1) | 1] = head;
    }
  }

  /** A new entry of `weight` in `slot`, at the window's most recently used end. */
  insert(slot: number, weight: number, sampled: boolean): void {
    if (this.weights !== undefined) this.weights[slot] = weight;
    this.queue[slot] = sampled ? SAMPLED | FRESH : FRESH;
    this.linkLast(WINDOW, slot);
    this.windowWeight += weight;
  }

  /** Takes `slot` out of its list and its segment's weight; the slot is FREE after. */
  remove(slot: number): void {
    this.unlink(slot);
    const weight = this.weightOf(slot);
    const queue = this.queue[slot]! & LIST_BITS;
    if (queue === WINDOW) this.windowWeight -= weight;
    else if (queue === PROTECTED) this.protectedWeight -= weight;
    this.queue[slot] = FREE;
  }

  /** A held entry's weight changed to `weight`; returns the change. */
  reweigh(slot: number, weight: number): number {
    const delta = weight - this.weightOf(slot);
    if (delta !== 0) {
      this.weights![slot] = weight;
      const queue = this.queue[slot]! & LIST_BITS;
      if (queue === WINDOW) this.windowWeight += delta;
      else if (queue === PROTECTED) this.protectedWeight += delta;
    }
    return delta;
  }

  weightOf(slot: number): number {
    return this.weights === undefined ? 1 : this.weights[slot]!;
  }

  linkLast(head: number, slot: number): void {
    const last = this.links[head << 1]!;
    this.links[(last << 1) | 1] = slot;
    this.links[slot << 1] = last;
    this.links[(slot << 1) | 1] = head;
    this.links[head << 1] = slot;
    this.queue[slot] = (this.queue[slot]! & KEPT_BITS) | head;
  }

  linkFirst(head: number, slot: number): void {
    const first = this.links[(head << 1) | 1]!;
    this.links[first << 1] = slot;
    this.links[(slot << 1) | 1] = first;
    this.links[slot << 1] = head;
    this.links[(head << 1) | 1] = slot;
    this.queue[slot] = (this.queue[slot]! & KEPT_BITS) | head;
  }

  unlink(slot: number): void {
    const before = this.links[slot << 1]!;
    const after = this.links[(slot << 1) | 1]!;
    this.links[(before << 1) | 1] = after;
    this.links[after << 1] = before;
  }

  /** The first (least recently used) entry of a list, or NONE. */
  first(head: number): number {
    const slot = this.links[(head << 1) | 1]!;
    return slot === head ? NONE : slot;
  }

  /** The entry after `slot` towards the most recently used end, or NONE. */
  following(slot: number): number {
    const after = this.links[(slot << 1) | 1]!;
    return after < FIRST_SLOT ? NONE : after;
  }

  /** A window entry accessed: to the window's most recently used end; false when already there. */
  touchWindow(slot: number): boolean {
    if (this.links[WINDOW << 1] === slot) return false;
    this.unlink(slot);
    this.linkLast(WINDOW, slot);
    return true;
  }

  /** A probation entry accessed: to protected's most recently used end (room made by demotion). */
  promote(slot: number): void {
    const weight = this.weightOf(slot);
    this.unlink(slot);
    if (weight > this.protectedMaximum) {
      this.linkLast(PROBATION, slot);
      return;
    }
    this.linkLast(PROTECTED, slot);
    this.protectedWeight += weight;
    if (this.protectedWeight > this.protectedMaximum) this.demoteFromProtected();
  }

  /**
   * Promotes the entries marked RECENT at probation's least recently used end (read while the
   * cache did not move probation entries on reads), up to {@link SECOND_CHANCES} of them, so the
   * next victim is taken from the unread ones, as if each read had promoted its entry.
   */
  settleProbation(): void {
    for (let chances = 0; chances < SECOND_CHANCES; chances++) {
      const slot = this.first(PROBATION);
      if (slot === NONE || (this.queue[slot]! & RECENT) === 0) return;
      this.promote(slot);
    }
  }

  /**
   * Protected's least recently used entry, with lazy promotion: a read marks a protected entry
   * RECENT instead of moving it (the move was most of a hit's cost), and the run of marked entries
   * found at this end goes to the most recently used end, unmarked, as their reads would have
   * moved them (CLOCK's second chance). The run moves in one splice: the list is circular, so
   * moving its first entries behind its last is moving the head past them. Up to
   * {@link SECOND_CHANCES} entries per call; the entry after them is taken, marked or not.
   */
  protectedFirst(): number {
    const queue = this.queue;
    const links = this.links;
    const first = links[(PROTECTED << 1) | 1]!;
    let slot = first;
    for (let chances = 0; chances < SECOND_CHANCES && slot !== PROTECTED; chances++) {
      const tag = queue[slot]!;
      if ((tag & RECENT) === 0) break;
      queue[slot] = tag & ~RECENT;
      slot = links[(slot << 1) | 1]!;
    }
    if (slot === first) return slot === PROTECTED ? NONE : slot;
    // Every entry was marked: the order is the same circle, now unmarked.
    if (slot === PROTECTED) return first;
    const last = links[PROTECTED << 1]!;
    const runEnd = links[slot << 1]!;
    links[(last << 1) | 1] = first;
    links[first << 1] = last;
    links[(runEnd << 1) | 1] = PROTECTED;
    links[PROTECTED << 1] = runEnd;
    links[(PROTECTED << 1) | 1] = slot;
    links[slot << 1] = PROTECTED;
    return slot;
  }

  /**
   * A protected entry judged idle: to probation's least recently used end, the next victim (the
   * shift response's judgement of idle entries).
   */
  demoteToVictims(slot: number): void {
    this.unlink(slot);
    this.linkFirst(PROBATION, slot);
    this.protectedWeight -= this.weightOf(slot);
  }

  /** Moves protected's least recently used entries to probation until protected fits its bound. */
  demoteFromProtected(): void {
    for (
      let moved = 0;
      moved < QUEUE_TRANSFER_THRESHOLD && this.protectedWeight > this.protectedMaximum;
      moved++
    ) {
      const demoted = this.protectedFirst();
      if (demoted === NONE) break;
      this.unlink(demoted);
      this.linkLast(PROBATION, demoted);
      this.protectedWeight -= this.weightOf(demoted);
    }
  }

  /** Moves the window's overflow to the probation segment; returns the first moved entry. */
  evictFromWindow(): number {
    let first = NONE;
    let slot = this.first(WINDOW);
    while (this.windowWeight > this.windowMaximum && slot !== NONE) {
      const after = this.following(slot);
      this.unlink(slot);
      this.linkLast(PROBATION, slot);
      this.windowWeight -= this.weightOf(slot);
      if (first === NONE) first = slot;
      slot = after;
    }
    return first;
  }

  /**
   * Grows the window by up to `amount` weight units, taken from the protected segment's share, and
   * when `fromProbation` (a recency verdict) also from the probation segment's, down to
   * {@link MIN_PROBATION_SHARE} of the capacity. Moves at most {@link QUEUE_TRANSFER_THRESHOLD}
   * entries; the share not filled by moved entries stays where it was.
   */
  increaseWindow(amount: number, fromProbation = false): void {
    const probationRoom = fromProbation
      ? Math.max(0, this.lendingLimit - this.windowMaximum - this.protectedMaximum)
      : 0;
    let quota = Math.min(amount, this.protectedMaximum + probationRoom);
    if (quota <= 0) return;
    const fromProtected = Math.min(quota, this.protectedMaximum);
    this.protectedMaximum -= fromProtected;
    this.windowMaximum += quota;
    this.demoteFromProtected();
    for (let moved = 0; moved < QUEUE_TRANSFER_THRESHOLD; moved++) {
      let candidate = this.first(PROBATION);
      let fromProbationList = true;
      if (candidate === NONE || quota < this.weightOf(candidate)) {
        candidate = this.protectedFirst();
        fromProbationList = false;
      }
      if (candidate === NONE) break;
      const weight = this.weightOf(candidate);
      if (quota < weight) break;
      quota -= weight;
      if (!fromProbationList) this.protectedWeight -= weight;
      this.unlink(candidate);
      this.linkLast(WINDOW, candidate);
      this.windowWeight += weight;
    }
    // The unfilled share goes back, to protected first (as far as it was taken from it).
    this.protectedMaximum += Math.min(quota, fromProtected);
    this.windowMaximum -= quota;
  }

  /**
   * Shrinks the window by up to `amount` weight units. The share goes to the protected segment,
   * but never beyond its usual bound (window + protected as at construction): a window grown into
   * probation's share by a recency verdict gives that back to probation first.
   */
  decreaseWindow(amount: number): void {
    if (this.windowMaximum <= 1) return;
    const requested = Math.min(amount, Math.max(0, this.windowMaximum - 1));
    let quota = requested;
    this.windowMaximum -= quota;
    for (let moved = 0; moved < QUEUE_TRANSFER_THRESHOLD; moved++) {
      const candidate = this.first(WINDOW);
      if (candidate === NONE) break;
      const weight = this.weightOf(candidate);
      if (quota < weight) break;
      quota -= weight;
      this.windowWeight -= weight;
      this.unlink(candidate);
      this.linkLast(PROBATION, candidate);
    }
    this.windowMaximum += quota;
    // While the window still holds more than the usual bound, protected stays empty.
    this.protectedMaximum = Math.max(
      0,
      Math.min(this.protectedMaximum + requested - quota, this.segmentsMaximum - this.windowMaximum),
    );
  }
}
