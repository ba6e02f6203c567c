/**
 * CI-sized randomized convergence test for the ioredis adapter: the runs of `pnpm soak -- --ci`
 * (seeds 112-117, 3 fault episodes each, together covering every fault kind and close state), plus
 * one run that empties the store under the pods (`server-flush`, `server-restart-empty`). Pods run
 * in child processes behind fault proxies. Each case asserts that after the faults heal and a
 * quiesce no pod holds a value other than the store's, every pod serves the store's values and
 * later writes, stale windows stay within the bound, the server shows one subscriber connection
 * per pod, and every pod exits after close(). The package's `test` script runs this file alone,
 * after the others, so its timing is not shared with another test file.
 */
import { fileURLToPath } from 'node:url';
import { ciRuns, describeRun, runConvergence, runFailures } from '@synced-cache/test-servers';
import { describe, expect, it } from 'vitest';

const podScript = fileURLToPath(new URL('./child/convergence-pod.ts', import.meta.url));

describe('randomized faults, pods in child processes (ioredis)', () => {
  for (const { name, run } of ciRuns()) {
    it(name, async () => {
      const report = await runConvergence({ adapter: 'ioredis', podScript, ...run });
      expect(runFailures(report), describeRun(report)).toEqual([]);
    }, 120_000);
  }
});
