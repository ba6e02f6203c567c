import { describe, expect, it } from 'vitest';
import { HillClimber } from '../src/hill-climber.js';

describe('HillClimber', () => {
  it('waits for a full sample, then moves the window by 6.25 % of the capacity', () => {
    const climber = new HillClimber(1000, 10_000);
    expect(climber.period).toBe(10_000);
    expect(climber.adjustment(5000, 4999)).toBeUndefined();
    // The first sample's hit ratio rises from 0: keep going the initial way (shrink), full step.
    expect(climber.adjustment(5000, 5000)).toBe(-62);
  });

  it('holds the window while the hit ratio changes by less than a point (a loop, noise)', () => {
    const climber = new HillClimber(1000, 10_000);
    climber.adjustment(5000, 5000);
    expect(climber.adjustment(5090, 4910)).toBe(0); // +0.9 point
    expect(climber.adjustment(5000, 5000)).toBe(0); // -0.9 point
    // A clear drop turns it round.
    expect(climber.adjustment(4800, 5200)).toBeGreaterThan(0);
  });
});
