/**
 * The oldest key of a `Map` used as a queue (insertion order), in O(1) amortized. Every caller
 * takes the oldest key and deletes it (or deletes and sets it again, which moves it to the back).
 *
 * `map.keys().next()` is not O(1): a new iterator starts at the Map's first slot and steps over
 * every entry deleted since V8 last compacted the table, and a queue deletes at its front. Asked
 * once per insertion into a full queue of 10,000, that was ~6 µs per insertion, ~46 µs at 100,000
 * (probe: delete the oldest, set a new key). This keeps one iterator from call to call: a Map
 * iterator stays valid through deletions, compaction and growth, and sees the keys set behind it.
 * Because each key it returns is deleted before the next call, no live key is ever behind it, so
 * it is always at the oldest one.
 *
 * An iterator keeps alive every table V8 replaced (grew, shrank or compacted) since it last moved,
 * to find its place in the new one. So it is made at the first `take` (a queue that never reaches
 * its bound has none; one made at once held a chain of tables as large as the Map's own while the
 * Map filled: ~40 bytes per entry of a version table at 10,000 keys), and {@link OldestKey.reset}
 * drops it when the caller empties the Map. Between two `take`s it holds at most the tables
 * replaced since the first.
 *
 * @internal
 */
export class OldestKey<K> {
  private hand: MapIterator<K> | undefined;

  constructor(private readonly map: Map<K, unknown>) {}

  /**
   * The oldest key, or `undefined` when the Map is empty. The caller deletes it before the next
   * call (else the next call returns the key after it).
   */
  take(): K | undefined {
    let visit = this.hand?.next();
    // An iterator that reached the end stays done, even when keys are set afterwards.
    if (visit === undefined || visit.done === true) {
      this.hand = this.map.keys();
      visit = this.hand.next();
    }
    return visit.value;
  }

  /** Drops the iterator (the caller cleared the Map, or removed most of it). */
  reset(): void {
    this.hand = undefined;
  }
}
