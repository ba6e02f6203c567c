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
 * @internal
 */
export class VersionTable {
  /** The version per key; negative (-version) while the key is referenced since CLOCK last passed it. */
  private readonly versions = new Map<string, number>();
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
    const stored = this.versions.get(key);
    return stored === undefined ? 0 : Math.abs(stored);
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
    const stored = this.versions.get(key);
    const current = stored === undefined ? 0 : Math.abs(stored);
    if (strictly ? version <= current : version < current) return false;
    if (stored === undefined) this.insert(key, version);
    // Already referenced at this version (a key read or announced again unchanged): nothing to
    // write, and no second hash lookup.
    else if (stored !== referenced(version)) this.versions.set(key, referenced(version));
    return true;
  }

  private insert(key: string, version: number): void {
    const versions = this.versions;
    // Make room first, so the key being noted is never the one forgotten. Each pass over a
    // referenced key unmarks it, so this ends within size + 1 visits.
    while (versions.size >= this.maxKeys) {
      const oldest = versions.entries().next().value;
      if (oldest === undefined) break;
      const [victim, stored] = oldest;
      versions.delete(victim);
      if (stored < 0) {
        versions.set(victim, -stored);
      } else if (stored > this.floor) {
        this.floor = stored;
      }
    }
    versions.set(key, version);
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
    const versions = this.versions;
    if (key !== undefined && this.own(key) > plausible) versions.set(key, plausible);
    if (this.floor > plausible) {
      this.floor = plausible;
      for (const [other, stored] of versions) {
        if (Math.abs(stored) > plausible) versions.set(other, plausible);
      }
    }
  }

  /** Raises the floor (after a clear or a detected loss); keys at or below it are forgotten. */
  raiseFloor(version: number): void {
    if (version <= this.floor) return;
    this.floor = version;
    const versions = this.versions;
    for (const [key, stored] of versions) if (Math.abs(stored) <= version) versions.delete(key);
  }

  get size(): number {
    return this.versions.size;
  }
}

/** A version stored as referenced: negated (`0 - 0` is +0, so version 0 never becomes -0). */
function referenced(version: number): number {
  return 0 - version;
}
