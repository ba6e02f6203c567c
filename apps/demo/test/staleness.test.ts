import { describe, expect, it } from 'vitest';
import { StalenessCheck } from '../src/staleness.js';

describe('StalenessCheck', () => {
  it('accepts a read that started before the bound passed, whatever it returned', () => {
    const check = new StalenessCheck(100);
    check.acknowledgeSet('k', 2, 1000);
    check.read('k', 1099, 1);
    check.read('k', 1050, undefined);
    expect(check.judge(10_000, true)).toEqual([]);
    expect(check.checked).toBe(2);
  });

  it('reports an older value read after the bound as stale', () => {
    const check = new StalenessCheck(100);
    check.acknowledgeSet('k', 1, 900);
    check.acknowledgeSet('k', 2, 1000);
    check.read('k', 1100, 1);
    const [stale] = check.judge(10_000, true);
    expect(stale).toMatchObject({ key: 'k', got: 1, expected: 'seq ≥ 2', lateByMs: 100 });
  });

  it('accepts the acknowledged value and anything newer, acknowledged or still in flight', () => {
    const check = new StalenessCheck(100);
    check.acknowledgeSet('k', 2, 1000);
    check.read('k', 1200, 2);
    check.read('k', 1200, 3);
    expect(check.judge(10_000, true)).toEqual([]);
  });

  it('reports nothing read after an acknowledged set as stale, unless a clear came later', () => {
    const check = new StalenessCheck(100);
    check.acknowledgeSet('k', 2, 1000);
    check.read('k', 1200, undefined);
    expect(check.judge(1300)).toEqual([]);
    expect(check.pending).toBe(1);
    // The clear's acknowledgement arrives after the read, before the verdict: it explains it.
    check.acknowledgeClear(1150, [['k', 2]]);
    expect(check.judge(10_000)).toEqual([]);
    check.read('k', 1300, undefined);
    check.read('k', 20_000, undefined);
    expect(check.judge(30_000, true)).toEqual([]);
  });

  it('after an acknowledged clear, reports a value written before it as stale', () => {
    const check = new StalenessCheck(100);
    check.acknowledgeSet('k', 5, 1000);
    check.acknowledgeClear(2000, [['k', 5]]);
    check.read('k', 2200, 5);
    check.read('k', 2200, 6);
    const found = check.judge(10_000, true);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ got: 5, expected: 'nothing or seq > 5' });
  });

  it('ignores keys nobody acknowledged a write for', () => {
    const check = new StalenessCheck(100);
    check.read('stampede:1', 5000, 0);
    expect(check.checked).toBe(0);
    expect(check.judge(10_000, true)).toEqual([]);
  });

  it('keeps its history bounded on long runs without losing the verdicts', () => {
    const check = new StalenessCheck(100);
    for (let seq = 1; seq <= 10_000; seq++) check.acknowledgeSet('k', seq, seq * 10);
    check.judge(200_000);
    check.read('k', 100_200, 9_000);
    expect(check.judge(200_000, true)).toHaveLength(1);
    check.read('k', 100_200, 10_000);
    expect(check.judge(200_000, true)).toEqual([]);
  });
});
