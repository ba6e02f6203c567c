/**
 * CI-sized randomized convergence test for the redis adapter: the runs of `pnpm soak -- --ci`
 * (seeds 112-117, 3 fault episodes each, together covering every fault kind and close state) as
 * vitest cases, plus one run that empties the store under the pods (`server-flush`,
 * `server-restart-empty`). Pods run in child processes behind fault proxies. Each case asserts
 * that after the faults heal and a quiesce no pod holds a value other than the store's, every pod
 * serves the store's values and later writes, stale windows stay within the bound, the server
 * shows one subscriber connection per pod, and every pod exits after close().
 *
 * Named so vitest does not pick it up (`include: test/**\/*.test.ts`): it fails on the current code
 * (the soak baseline lists why). Once the fixes land and `pnpm soak -- --ci` passes, enable it with
 * `git mv test/convergence-ci.ts test/convergence.test.ts`.
 */
import { fileURLToPath } from 'node:url';
import { CI_SOAK, CI_STORE_LOSS, describeRun, runConvergence, runFailures } from '@synced-cache/test-servers';
import { describe, expect, it } from 'vitest';

const podScript = fileURLToPath(new URL('./child/convergence-pod.ts', import.meta.url));
const seeds = Array.from({ length: CI_SOAK.runs }, (_, index) => CI_SOAK.seed + index);

describe('randomized faults, pods in child processes (redis)', () => {
  it.each(seeds)(
    'seed %i: converges after the faults heal, every pod live, one subscriber each, close exits',
    async (seed) => {
      const report = await runConvergence({ adapter: 'redis', podScript, seed, episodes: CI_SOAK.episodes });
      expect(runFailures(report), describeRun(report)).toEqual([]);
    },
    120_000,
  );

  it('the store loses every key under the pods (server-flush, server-restart-empty): no pod keeps serving lost keys', async () => {
    const report = await runConvergence({ adapter: 'redis', podScript, ...CI_STORE_LOSS });
    expect(runFailures(report), describeRun(report)).toEqual([]);
  }, 120_000);
});
