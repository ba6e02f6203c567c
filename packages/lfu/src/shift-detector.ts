/**
 * Workload-shift detection for {@link LfuLocalCache}: the statistics only. The cache calls
 * {@link ShiftDetector.sample} every {@link ShiftDetector.period} requests and carries out what it
 * answers (forget the learned popularity on `'shift'`, judge the idle entries on `'judge'`).
 *
 * The sampled hit ratio is compared with a baseline (a moving mean and variance of earlier
 * samples, {@link SHIFT_BASELINE_WEIGHT}); when it stays below the baseline by more than both
 * {@link SHIFT_MIN_DROP} and {@link SHIFT_DROP_DEVIATIONS} standard deviations for
 * {@link SHIFT_LOW_SAMPLES} samples in a row, the popularity the cache learned is presumed
 * outdated (`'shift'`). After {@link SHIFT_OBSERVED_SAMPLES} more samples (2 × the entries) the
 * main entries not referenced once in that time lose their standing (`'judge'`), provided at least
 * {@link SHIFT_MIN_OBSERVED_HIT_RATE} of those requests hit (not a pure scan). Comparing with the
 * previous sample alone fired dozens of times on stationary traces (a scan, or noise, in one
 * sample); the baseline and the persistence rule keep it silent there.
 *
 * @internal
 */

/** The hit ratio is sampled every `expected entries / SHIFT_SAMPLE_DIVISOR` requests. */
const SHIFT_SAMPLE_DIVISOR = 2;
/** A shift is a drop below the baseline hit ratio of at least this much … */
const SHIFT_MIN_DROP = 0.02;
/** … and at least this many standard deviations (of the baseline, or of the sample if larger) … */
const SHIFT_DROP_DEVIATIONS = 4;
/** … in this many consecutive samples. */
const SHIFT_LOW_SAMPLES = 3;
/** Samples that form a baseline before drops below it are looked for. */
const SHIFT_BASELINE_SAMPLES = 4;
/** Weight of each new sample in the baseline's moving mean and variance. */
const SHIFT_BASELINE_WEIGHT = 0.125;
/** Samples with fewer requests for known keys than this are skipped (too noisy). */
const SHIFT_MIN_SAMPLED = 32;
/** Samples observed after a shift before idle entries lose their standing (2 × the entries). */
const SHIFT_OBSERVED_SAMPLES = 4;
/**
 * Idle entries are judged only if at least this share of the observed requests hit: a one-time
 * scan also drops the hit ratio (to about zero), and must not flush the hot set it interrupts.
 */
const SHIFT_MIN_OBSERVED_HIT_RATE = 0.01;
/**
 * Samples observed after a shift declared by the cache's recency shadow, before the idle entries
 * are judged: half of a detected shift's. The shadow reacts within a fraction of a capacity's
 * requests, to hot sets that may last only a few capacities (4 cost shift-fast at 1,000 entries
 * 0.4–0.8 points on the tuning seeds; 1 cost OLTP-like traces up to 2.5).
 */
const DECLARED_OBSERVED_SAMPLES = 2;

/** What the cache should do after a sample. */
export type ShiftVerdict = 'none' | 'shift' | 'judge';

export class ShiftDetector {
  /** Requests between two samples. */
  readonly period: number;
  /** The request count at which the next sample is due. */
  due: number;
  /** Shifts detected so far. */
  shifts = 0;
  private sampleHits = 0;
  private sampleRequests = 0;
  private baselineMean = 0;
  private baselineVariance = 0;
  /** Samples in the baseline since it (re)started; it is trusted from SHIFT_BASELINE_SAMPLES on. */
  private baselineSamples = 0;
  /** Consecutive samples below the baseline by more than the drop threshold. */
  private lowSamples = 0;
  /** Samples left to observe after a detected shift before the idle entries are judged (0: none). */
  private observeLeft = 0;
  private hitsAtShift = 0;
  private requestsAtShift = 0;

  /** @param sampleSize - the frequency sketch's sample size (10 × the expected entries). */
  constructor(sampleSize: number) {
    this.period = Math.max(16, Math.floor(sampleSize / (10 * SHIFT_SAMPLE_DIVISOR)));
    this.due = this.period;
  }

  /** Takes a sample at the cache's running totals of hits and requests. */
  sample(hits: number, requests: number): ShiftVerdict {
    const sampleHits = hits - this.sampleHits;
    const sampled = requests - this.sampleRequests;
    this.sampleHits = hits;
    this.sampleRequests = requests;
    this.due = requests + this.period;
    if (this.observeLeft > 0) {
      if (--this.observeLeft > 0) return 'none';
      const observedHitRate = (hits - this.hitsAtShift) / (requests - this.requestsAtShift);
      return observedHitRate >= SHIFT_MIN_OBSERVED_HIT_RATE ? 'judge' : 'none';
    }
    if (sampled < SHIFT_MIN_SAMPLED) return 'none';
    const hitRate = sampleHits / sampled;
    if (this.baselineSamples < SHIFT_BASELINE_SAMPLES) {
      this.updateBaseline(hitRate);
      return 'none';
    }
    // A shift is a drop below the stationary baseline (not merely below the previous sample) that
    // persists: sampling noise and a single burst (a scan of known keys) do not qualify.
    const mean = this.baselineMean;
    const deviation = Math.sqrt(Math.max(this.baselineVariance, (mean * (1 - mean)) / sampled));
    if (mean - hitRate <= Math.max(SHIFT_MIN_DROP, SHIFT_DROP_DEVIATIONS * deviation)) {
      this.lowSamples = 0;
      this.updateBaseline(hitRate);
      return 'none';
    }
    if (++this.lowSamples < SHIFT_LOW_SAMPLES) return 'none';
    this.startObserving(SHIFT_OBSERVED_SAMPLES, hits, requests);
    return 'shift';
  }

  /** The stationary hit ratio the samples are compared with (0 until the first sample). */
  get baseline(): number {
    return this.baselineMean;
  }

  /** Whether a shift is being observed (its judgement not yet due). */
  get observing(): boolean {
    return this.observeLeft > 0;
  }

  /**
   * A shift found by other means (the cache's recency shadow): observed and judged as a detected
   * one. False, and nothing changes, while a shift is still being observed.
   */
  declare(hits: number, requests: number): boolean {
    if (this.observeLeft > 0) return false;
    this.startObserving(DECLARED_OBSERVED_SAMPLES, hits, requests);
    return true;
  }

  /** A shift: counted, the baseline restarted, and `samples` samples observed before the verdict. */
  private startObserving(samples: number, hits: number, requests: number): void {
    this.lowSamples = 0;
    this.baselineSamples = 0;
    this.shifts++;
    this.observeLeft = samples;
    this.hitsAtShift = hits;
    this.requestsAtShift = requests;
  }

  private updateBaseline(hitRate: number): void {
    if (this.baselineSamples++ === 0) {
      this.baselineMean = hitRate;
      this.baselineVariance = 0;
      return;
    }
    const difference = hitRate - this.baselineMean;
    this.baselineMean += SHIFT_BASELINE_WEIGHT * difference;
    this.baselineVariance =
      (1 - SHIFT_BASELINE_WEIGHT) * (this.baselineVariance + SHIFT_BASELINE_WEIGHT * difference * difference);
  }
}
