/**
 * Randomized convergence soak with NATS as the bus (see `convergence.ts`): every seed runs in core
 * mode and in replay mode with the same fault schedule. Run:
 * `pnpm --filter @synced-cache/nats soak -- --runs 5 --seed 1 --episodes 5`. Prints one line per
 * run and a summary; exit code 1 when any run diverged, failed liveness or left a pod running.
 */
import { parseArgs } from 'node:util';
import { natsRunFailures, runNatsConvergence } from './convergence.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    episodes: { type: 'string', default: '5' },
    verbose: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const first = Number(values.seed);
const episodes = Number(values.episodes);
let failed = 0;
const totals = { core: { runs: 0, resyncs: 0, faults: 0 }, replay: { runs: 0, resyncs: 0, faults: 0 } };
for (let seed = first; seed < first + runs; seed++) {
  for (const replay of [false, true]) {
    const report = await runNatsConvergence({
      seed,
      replay,
      episodes,
      log: values.verbose ? console.log : undefined,
    });
    const failures = natsRunFailures(report);
    const total = totals[report.mode];
    total.runs++;
    total.faults += report.episodes.length;
    total.resyncs += report.resyncs.reduce((sum, count) => sum + count, 0);
    const faults = report.episodes.map((episode) => episode.kind).join(',');
    console.log(
      `seed ${seed} ${report.mode.padEnd(6)} ${failures.length === 0 ? 'converged' : 'FAILED'}; resyncs per pod ${report.resyncs.join('/')}; faults ${faults}; stale windows ${report.episodes.map((episode) => episode.staleWindowMs ?? '∞').join('/')} ms; subscribers ${report.subscribers.counts.join('/')}; ${Math.round(report.durationMs / 1000)} s`,
    );
    for (const episode of report.episodes) {
      if (episode.reasons.length > 0)
        console.log(`  ${episode.kind} on ${episode.targets.join(',')}: ${episode.reasons.join(', ')}`);
    }
    for (const failure of failures) console.log(`  ${failure}`);
    if (failures.length > 0) failed++;
  }
}
for (const [mode, total] of Object.entries(totals)) {
  console.log(
    `${mode}: ${total.runs} runs, ${total.faults} faults, ${total.resyncs} resyncs (pod flushes) in all`,
  );
}
console.log(failed === 0 ? 'all runs converged' : `${failed} run(s) failed`);
process.exit(failed === 0 ? 0 : 1);
