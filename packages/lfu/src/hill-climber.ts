/**
 * The hill climber of {@link LfuLocalCache}'s adaptive window (Caffeine's design): once per sample
 * period it compares the hit ratio with the previous period's and keeps moving the window size in
 * the direction that helped, with a step that decays, or turns around; a large change restarts
 * the step at its full size. The statistics only: the cache moves the entries.
 *
 * @internal
 */

const HILL_CLIMBER_RESTART_THRESHOLD = 0.05;
/**
 * A hit-ratio change smaller than this between two samples is noise: the window stays and the step
 * decays. Caffeine moves on any change; on a loop (whose hit ratio is flat) a blip of a few hundredths
 * of a point turned the climber round, the move itself then changed the hit ratio by more than
 * the restart threshold, and the window made full-size excursions every few samples (loop-1.25x at
 * 1k: 1–3 points lost). Chosen on the tuning seeds (set A, `apps/bench/src/lfu-tune.ts`).
 */
const HILL_CLIMBER_DEAD_BAND = 0.01;
const HILL_CLIMBER_STEP_PERCENT = 0.0625;
const HILL_CLIMBER_STEP_DECAY_RATE = 0.98;
/** The hit ratio is sampled every this many × the expected entries requests … */
const CLIMB_SAMPLE_ENTRIES = 10;
/** … but never fewer than this (a smaller sample is mostly noise). */
const CLIMB_MIN_SAMPLE = 1000;

export class HillClimber {
  /** Requests between two steps. */
  readonly period: number;
  private previousHitRate = 0;
  private stepSize: number;

  /**
   * @param maximumWeight - the cache's capacity in weight units.
   * @param sampleSize - the frequency sketch's sample size (10 × the expected entries).
   */
  constructor(
    private readonly maximumWeight: number,
    sampleSize: number,
  ) {
    this.stepSize = -HILL_CLIMBER_STEP_PERCENT * maximumWeight;
    this.period = Math.max(CLIMB_MIN_SAMPLE, Math.floor((sampleSize / 10) * CLIMB_SAMPLE_ENTRIES));
  }

  /**
   * The window size change (in weight units; > 0 grows it) for a sample of `hits` and `misses`,
   * or `undefined` while the sample is still smaller than {@link HillClimber.period} (keep counting).
   */
  adjustment(hits: number, misses: number): number | undefined {
    const requests = hits + misses;
    if (requests < this.period) return undefined;
    const hitRate = hits / requests;
    const change = hitRate - this.previousHitRate;
    if (Math.abs(change) < HILL_CLIMBER_DEAD_BAND) {
      this.stepSize *= HILL_CLIMBER_STEP_DECAY_RATE;
      this.previousHitRate = hitRate;
      return 0;
    }
    const amount = change >= 0 ? this.stepSize : -this.stepSize;
    this.stepSize =
      Math.abs(change) >= HILL_CLIMBER_RESTART_THRESHOLD
        ? HILL_CLIMBER_STEP_PERCENT * this.maximumWeight * (amount >= 0 ? 1 : -1)
        : HILL_CLIMBER_STEP_DECAY_RATE * amount;
    this.previousHitRate = hitRate;
    return Math.trunc(amount);
  }
}
