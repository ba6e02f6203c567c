/**
 * `Date.now()` for expiry checks on the local-hit path, read at most once per millisecond instead
 * of on every hit (a clock read cost about as much as the rest of a SIEVE hit).
 *
 * A reading is reused until either a 1 ms unref'd timer retires it or {@link READS_PER_READING}
 * expiry checks have used it, whichever comes first. The read bound matters when timers cannot run:
 * a long synchronous stretch or a chain of awaited local hits (microtasks only) never reaches the
 * timer phase, and without it the clock would stand still for the whole stretch.
 *
 * Granularity, as documented for the local tier: an entry is never treated as expired before its
 * deadline by `Date.now()`, and is served past it only while the reading is reused: at most 1 ms
 * of event-loop time, or {@link READS_PER_READING} reads.
 *
 * The clock is read at call time (never captured at load), so fake `Date` in tests controls it;
 * one timer at a time per cache, never one per entry.
 *
 * @internal
 */
export const READS_PER_READING = 1024;

/** One per cache, so a cache never inherits a reading from another clock (fake timers in tests). */
export class CoarseClock {
  private reading = 0;
  private readsLeft = 0;
  /** When the pending retire timer was armed (0 = none armed). */
  private armedAt = 0;
  private readonly retire = (): void => {
    this.readsLeft = 0;
    this.armedAt = 0;
  };

  /** `Date.now()`, possibly reused from a reading at most 1 ms or {@link READS_PER_READING} reads old. */
  now(): number {
    if (this.readsLeft > 0) {
      this.readsLeft--;
      return this.reading;
    }
    return this.freshReading();
  }

  private freshReading(): number {
    const now = Date.now();
    this.reading = now;
    this.readsLeft = READS_PER_READING;
    // A timer armed long ago and not yet run was lost (fake timers uninstalled with it pending) or
    // is held up behind a long synchronous stretch; arming another costs one timer per budget at most.
    if (this.armedAt === 0 || now - this.armedAt > 1) {
      this.armedAt = now;
      const timer = setTimeout(this.retire, 1);
      if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();
    }
    return now;
  }
}
