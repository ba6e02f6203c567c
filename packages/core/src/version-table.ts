/**
 * What a pod knows about versions: the highest version seen per key (from events, fills and its
 * own writes), bounded in size, plus a `floor` below which every version counts as stale.
 *
 * Forgetting a key raises the floor to that key's version, so knowledge only ever gets more
 * conservative: a late event can be mistaken for stale (and dropped, which is safe) but never for
 * fresh. Deleted keys stay here as tombstones until the bound pushes them out.
 *
 * @internal
 */
export class VersionTable {
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
    const own = this.versions.get(key);
    return own === undefined || own < this.floor ? this.floor : own;
  }

  /** The key's own recorded version (ignoring the floor), 0 when none. */
  own(key: string): number {
    return this.versions.get(key) ?? 0;
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
    const current = this.versions.get(key);
    if (current !== undefined) {
      if (current >= version) return current === version;
      this.versions.delete(key);
    }
    this.insert(key, version);
    return true;
  }

  private insert(key: string, version: number): void {
    this.versions.set(key, version);
    if (this.versions.size > this.maxKeys) {
      const oldest = this.versions.entries().next().value;
      if (oldest !== undefined) {
        this.versions.delete(oldest[0]);
        if (oldest[1] > this.floor) this.floor = oldest[1];
      }
    }
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
      const own = this.versions.get(key);
      if (own !== undefined && own > plausible) this.versions.set(key, plausible);
    }
    if (this.floor > plausible) {
      this.floor = plausible;
      for (const [other, own] of this.versions) if (own > plausible) this.versions.set(other, plausible);
    }
  }

  /** Raises the floor (after a clear or a detected loss); keys at or below it are forgotten. */
  raiseFloor(version: number): void {
    if (version <= this.floor) return;
    this.floor = version;
    for (const [key, own] of this.versions) if (own <= version) this.versions.delete(key);
  }

  get size(): number {
    return this.versions.size;
  }
}
