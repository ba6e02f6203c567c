import { describe, expect, it } from 'vitest';
import { natsRunFailures, runNatsConvergence } from './convergence.js';

// CI-sized: one seed, five faults drawn from every kind (bus cut, refuse, freeze, server restart,
// slow consumer), the same schedule in both modes. The soak script runs more seeds.
const SEED = 11;

describe('randomized faults with NATS as the bus, pods in child processes', () => {
  it('core mode: converges after the faults heal, and the faults cost resyncs (flushes)', async () => {
    const report = await runNatsConvergence({ seed: SEED, replay: false, episodes: 5 });
    expect(natsRunFailures(report)).toEqual([]);
    expect(report.resyncs.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  }, 240_000);

  it('replay mode: converges after the same faults without a single flush', async () => {
    const report = await runNatsConvergence({ seed: SEED, replay: true, episodes: 5 });
    expect(natsRunFailures(report)).toEqual([]);
    expect(report.resyncs, JSON.stringify(report.episodes)).toEqual([0, 0, 0]);
  }, 240_000);
});
