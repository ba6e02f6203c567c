import { describe, expect, it } from 'vitest';
import { HotSetWatch } from '../src/hot-set-watch.js';

/** Steps the watch one period and returns its verdict on `quiet` of `hot` (hit ratio `hitRatio`). */
function sample(
  watch: HotSetWatch,
  at: { hits: number; requests: number },
  hot: number,
  quiet: number,
  hitRatio = 0.9,
) {
  at.requests += watch.period;
  at.hits += Math.round(hitRatio * watch.period);
  const step = watch.step(at.hits, at.requests);
  return step === 'judge' ? 'judge' : watch.verdict(hot, quiet, 0.9);
}

describe('HotSetWatch', () => {
  it('forms a baseline first, then declares a jump in the quiet share; the next step judges', () => {
    const watch = new HotSetWatch(1000);
    const at = { hits: 0, requests: 0 };
    for (let i = 0; i < 4; i++) expect(sample(watch, at, 200, 4)).toBe(false);
    expect(sample(watch, at, 200, 120)).toBe(true);
    expect(watch.shifts).toBe(1);
    expect(sample(watch, at, 200, 4)).toBe('judge');
    expect(sample(watch, at, 200, 4)).toBe(false);
    expect(watch.due).toBe(at.requests + watch.period);
  });

  it('declares nothing before its baseline has 4 samples', () => {
    const watch = new HotSetWatch(1000);
    const at = { hits: 0, requests: 0 };
    for (let i = 0; i < 3; i++) expect(sample(watch, at, 200, 2)).toBe(false);
    const early = new HotSetWatch(1000);
    const at2 = { hits: 0, requests: 0 };
    for (let i = 0; i < 3; i++) sample(early, at2, 200, 2);
    expect(sample(early, at2, 200, 150)).toBe(false);
    for (let i = 0; i < 4; i++) sample(watch, at, 200, 2);
    expect(sample(watch, at, 200, 150)).toBe(true);
  });

  it('needs the share well above a noisy baseline, at least 30 %, and enough hot entries', () => {
    const watch = new HotSetWatch(1000);
    const at = { hits: 0, requests: 0 };
    // A baseline of 20 % quiet (a flat workload whose "hot" keys are barely hot).
    for (let i = 0; i < 30; i++) expect(sample(watch, at, 50, 10)).toBe(false);
    // 50 % of 50 is within 3 x 20 % + 4 deviations: no verdict.
    expect(sample(watch, at, 50, 25)).toBe(false);
    const quietBaseline = new HotSetWatch(1000);
    const at2 = { hits: 0, requests: 0 };
    for (let i = 0; i < 10; i++) sample(quietBaseline, at2, 500, 0);
    // Below 30 % is never a shift, however low the baseline.
    expect(sample(quietBaseline, at2, 500, 140)).toBe(false);
    // Fewer than 32 hot entries say nothing.
    expect(sample(quietBaseline, at2, 31, 31)).toBe(false);
    expect(sample(quietBaseline, at2, 500, 200)).toBe(true);
  });

  it('declares nothing while the hit ratio is down (a scan or a new workload silences the hot keys too)', () => {
    const watch = new HotSetWatch(1000);
    const at = { hits: 0, requests: 0 };
    for (let i = 0; i < 10; i++) sample(watch, at, 300, 3);
    expect(sample(watch, at, 300, 250, 0.5)).toBe(false);
    expect(sample(watch, at, 300, 250, 0.88)).toBe(true);
  });

  it('restart drops a pending judgement and puts the next sample a full period away', () => {
    const watch = new HotSetWatch(1000);
    const at = { hits: 0, requests: 0 };
    for (let i = 0; i < 10; i++) sample(watch, at, 300, 3);
    expect(sample(watch, at, 300, 250)).toBe(true);
    watch.restart(at.hits + 100, at.requests + 123);
    expect(watch.due).toBe(at.requests + 123 + 1000);
    at.requests += 123;
    at.hits += 100;
    expect(sample(watch, at, 300, 3)).toBe(false);
  });
});
