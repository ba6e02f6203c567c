/**
 * Watches the cache's hot entries for a shift the hit ratio does not show. When the hot set moves
 * in a large cache, the keys that went cold are a small share of it and the new hot keys were
 * mostly cached already, so the hit ratio hardly dips and `ShiftDetector` never fires; but the
 * old favourites keep their counts and their place in the main space, and with each move more of
 * the cache is held by keys nobody reads (`zipf-shifting` at 100,000 entries: 59 % of the cache by
 * the eighth phase, below plain LRU). What does show is that entries whose counters were full stop
 * being read, many at once.
 *
 * Once per period (the expected number of entries, in requests) the cache counts, in a fixed sample
 * of its slots (every 8th), its hot main entries (counters found full since the entry was last
 * found quiet) and the hot ones not read during the period. In a stationary workload that share is
 * small and steady; the watch keeps a moving baseline of it and declares a shift when it jumps well
 * above (three times the baseline plus four standard deviations, and at least 30 %) while the hit
 * ratio has not fallen (a scan, an outage or a new workload also silences the hot keys, but then
 * the hits go with them: that is `ShiftDetector`'s case). After a declared shift the cache observes
 * one more period with its access marks cleared and then judges: entries not read in it whose
 * frequency said they should have been lose their standing (see `LfuLocalCache`). The frequencies
 * themselves are not halved: most of what the sketch learned (the keys that stayed) is still true.
 *
 * @internal
 */

/** Fewest hot entries a sample needs before its quiet share means anything. */
const MIN_HOT = 32;
/** A quiet share below this is never a shift. */
const MIN_QUIET_SHARE = 0.3;
/** A shift's quiet share exceeds the baseline's this many times over... */
const BASELINE_MULTIPLE = 3;
/** ...plus this many binomial standard deviations of a sample of its size. */
const BASELINE_DEVIATIONS = 4;
/** Samples that form the baseline before any verdict. */
const BASELINE_SAMPLES = 4;
/** Weight of a new sample in the baseline (an exponential moving average). */
const BASELINE_WEIGHT = 0.125;
/** The period's hit ratio may be at most this far below `ShiftDetector`'s baseline for a verdict. */
const MAX_HIT_RATIO_DIP = 0.05;

/** What the cache does when the watch is due: count its hot entries, or judge after a shift. */
export type WatchStep = 'count' | 'judge';

/** See the module comment. @internal */
export class HotSetWatch {
  /** Requests between samples. */
  readonly period: number;
  /** Request count at which the next sample is due. */
  due: number;
  /** Shifts declared. */
  shifts = 0;
  private judgeNext = false;
  private baseline = 0;
  private samples = 0;
  private hitsAt = 0;
  private requestsAt = 0;
  private hitRatio = 0;

  /** @param expectedEntries - the cache's expected number of entries. */
  constructor(expectedEntries: number) {
    this.period = Math.max(64, Math.floor(expectedEntries));
    this.due = this.period;
  }

  /**
   * Due: the next sample is a period away. Returns 'judge' when a declared shift's observation
   * ends now, else 'count' (the cache counts and calls {@link HotSetWatch.verdict}).
   */
  step(hits: number, requests: number): WatchStep {
    this.due = requests + this.period;
    this.hitRatio = (hits - this.hitsAt) / Math.max(1, requests - this.requestsAt);
    this.hitsAt = hits;
    this.requestsAt = requests;
    if (!this.judgeNext) return 'count';
    this.judgeNext = false;
    return 'judge';
  }

  /**
   * Whether `quiet` of `hot` entries going unread for a period is a shift (the cache then clears
   * its access marks, and the next step is 'judge'). `hitBaseline` is `ShiftDetector`'s.
   */
  verdict(hot: number, quiet: number, hitBaseline: number): boolean {
    if (hot < MIN_HOT) return false;
    const share = quiet / hot;
    const baseline = this.baseline;
    const limit = Math.max(
      MIN_QUIET_SHARE,
      BASELINE_MULTIPLE * baseline + BASELINE_DEVIATIONS * Math.sqrt((baseline * (1 - baseline)) / hot),
    );
    if (this.samples < BASELINE_SAMPLES || share < limit) {
      this.baseline = this.samples++ === 0 ? share : baseline + BASELINE_WEIGHT * (share - baseline);
      return false;
    }
    if (this.hitRatio < hitBaseline - MAX_HIT_RATIO_DIP) return false;
    this.shifts++;
    this.judgeNext = true;
    return true;
  }

  /**
   * The access marks were cleared for another reason (a shift `ShiftDetector` or the recency
   * shadow found, or its judgement): the next sample is a full period away, and a pending
   * judgement is dropped (the other shift's own judgement covers it).
   */
  restart(hits: number, requests: number): void {
    this.due = requests + this.period;
    this.judgeNext = false;
    this.hitsAt = hits;
    this.requestsAt = requests;
  }
}
