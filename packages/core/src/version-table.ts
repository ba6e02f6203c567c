import { OldestKey } from './oldest-key.js';

/** Slots per chunk of versions: 8 KiB each. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * What a pod knows about versions: the highest version seen per key (from events, fills and its
 * own writes), bounded in size, plus a `floor` below which every version counts as stale.
 *
 * Forgetting a key raises the floor to that key's version, so knowledge only ever gets more
 * conservative: a late event can be mistaken for stale (and dropped, which is safe) but never for
 * fresh. Deleted keys stay here as tombstones until the bound pushes them out.
 *
 * Which key is forgotten follows CLOCK (second chance), an approximation of least recently noted:
 * a key is appended once, and noting it again only updates it in place and marks it referenced
 * (its version is stored negated). When the bound is exceeded, the oldest keys are visited in
 * order: a referenced one is moved behind the others, unmarked; the first unmarked one is
 * forgotten. Moving every noted key to the back (delete and re-insert, exact LRU) cost about
 * 0.3 µs per received event in V8's `Map`, against 0.04 µs for the update in place.
 *
 * The versions live in fixed-size `Float64Array` chunks indexed by a slot the `Map` holds per key:
 * a version is a microsecond timestamp (beyond V8's small integers), so as a `Map` value each one
 * was a 16-byte heap number, and noting a key again allocated another. A slot is a small integer
 * stored in the `Map` itself, and a note writes 8 bytes in place, after one lookup. The slots in
 * use are always 0 … size − 1: a forgotten key's slot goes to the key that pushed it out, and
 * {@link VersionTable.raiseFloor}, the only other removal, renumbers the rest.
 *
 * @internal
 */
export class VersionTable {
  /** Per key, its slot in {@link VersionTable.chunks}, in CLOCK order (oldest first). */
  private readonly slots = new Map<string, number>();
  /**
   * Per slot, the key's version; negative (-version) while the key is referenced since CLOCK last
   * passed it. Chunks of {@link CHUNK} slots, added as the table grows: at most one chunk unused.
   */
  private chunks: Float64Array[] = [];
  /** CLOCK's hand: the oldest key in {@link VersionTable.slots}. */
  private readonly hand = new OldestKey(this.slots);
  /** Every version at or below this is stale for every key. */
  floor = 0;
  /**
   * The highest version the store itself gave this pod (its write results, reads and clock), as
   * opposed to versions that merely arrived in events: the yardstick for implausible ones.
   */
  clock = 0;

  constructor(private readonly maxKeys: number) {}

  /** The version an event must exceed to be applied: the key's own, or the floor. */
  threshold(key: string): number {
    const own = this.own(key);
    return Math.max(own, this.floor);
  }

  /** The key's own recorded version (ignoring the floor), 0 when none. */
  own(key: string): number {
    const slot = this.slots.get(key);
    return slot === undefined ? 0 : Math.abs(this.chunks[slot >>> CHUNK_BITS]![slot & CHUNK_MASK]!);
  }

  /** Records that `version` of `key` was seen. Keeps the highest; recently noted keys are kept longest. */
  note(key: string, version: number): void {
    this.noteUnlessOlder(key, version);
  }

  /**
   * `version >= own(key)` and, when it is, `note(key, version)`, with one lookup (a store read
   * that is not older than what this pod knows may fill the local tier).
   */
  noteUnlessOlder(key: string, version: number): boolean {
    return this.noteFrom(key, version, false);
  }

  /**
   * `version > own(key)` and, when it is, `note(key, version)`, with one lookup (an event is
   * applied only when it is newer than the key's own version).
   */
  noteIfNewer(key: string, version: number): boolean {
    return this.noteFrom(key, version, true);
  }

  /** Notes `version` when it is at least (`strictly`: above) the key's own, 0 for an unknown key. */
  private noteFrom(key: string, version: number, strictly: boolean): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      if (strictly ? version <= 0 : version < 0) return false;
      this.insert(key, version);
      return true;
    }
    const chunk = this.chunks[slot >>> CHUNK_BITS]!;
    const current = Math.abs(chunk[slot & CHUNK_MASK]!);
    if (strictly ? version <= current : version < current) return false;
    chunk[slot & CHUNK_MASK] = referenced(version);
    return true;
  }

  private insert(key: string, version: number): void {
    const slots = this.slots;
    let slot = slots.size;
    // Make room first, so the key being noted is never the one forgotten. Each pass over a
    // referenced key unmarks it, so this ends within size + 1 visits.
    while (slots.size >= this.maxKeys) {
      const victim = this.hand.take();
      if (victim === undefined) break;
      const victimSlot = slots.get(victim)!;
      const chunk = this.chunks[victimSlot >>> CHUNK_BITS]!;
      const stored = chunk[victimSlot & CHUNK_MASK]!;
      slots.delete(victim);
      if (stored < 0) {
        chunk[victimSlot & CHUNK_MASK] = -stored;
        slots.set(victim, victimSlot);
      } else {
        if (stored > this.floor) this.floor = stored;
        slot = victimSlot;
      }
    }
    appendVersion(this.chunks, slot, version);
    slots.set(key, slot);
  }

  /** Records a version the store returned (see {@link VersionTable.clock}). */
  vouch(version: number): void {
    if (version > this.clock) this.clock = version;
  }

  /**
   * A version above `plausible` turned out to be forged (it is beyond the store's clock): the key's
   * version, and the floor if one pushed it up, go back to `plausible`, so genuine writes (all at or
   * below the store's clock, then above it) are applied again. Knowledge only gets less precise,
   * never wrong: every genuine version seen is at or below `plausible`.
   */
  distrust(key: string | undefined, plausible: number): void {
    if (key !== undefined) {
      const slot = this.slots.get(key);
      if (slot !== undefined) this.lower(slot, plausible);
    }
    if (this.floor > plausible) {
      this.floor = plausible;
      for (const slot of this.slots.values()) this.lower(slot, plausible);
    }
  }

  /** Lowers the slot's version to `plausible` (unreferenced) when it is above it. */
  private lower(slot: number, plausible: number): void {
    const chunk = this.chunks[slot >>> CHUNK_BITS]!;
    if (Math.abs(chunk[slot & CHUNK_MASK]!) > plausible) chunk[slot & CHUNK_MASK] = plausible;
  }

  /** Raises the floor (after a clear or a detected loss); keys at or below it are forgotten. */
  raiseFloor(version: number): void {
    if (version <= this.floor) return;
    this.floor = version;
    // The kept keys are renumbered 0 … size − 1 in their order, into new chunks; `set` on a key
    // the Map holds keeps its place in the order.
    const slots = this.slots;
    const chunks = this.chunks;
    const kept: Float64Array[] = [];
    let next = 0;
    for (const [key, slot] of slots) {
      const stored = chunks[slot >>> CHUNK_BITS]![slot & CHUNK_MASK]!;
      if (Math.abs(stored) <= version) {
        slots.delete(key);
        continue;
      }
      appendVersion(kept, next, stored);
      slots.set(key, next++);
    }
    this.chunks = kept;
    this.hand.reset();
  }

  get size(): number {
    return this.slots.size;
  }
}

/** Stores `version` at `slot`, a slot in use or the first after them (which may need a chunk). */
function appendVersion(chunks: Float64Array[], slot: number, version: number): void {
  if (slot >>> CHUNK_BITS === chunks.length) chunks.push(new Float64Array(CHUNK));
  chunks[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = version;
}

/** A version stored as referenced: negated (`0 - 0` is +0, so version 0 never becomes -0). */
function referenced(version: number): number {
  return 0 - version;
}
