/**
 * Randomized convergence soak for the redis adapter: pods in child processes behind fault proxies,
 * random faults from a seeded PRNG, then heal, quiesce and compare (see runConvergence in
 * @synced-cache/test-servers). Run: `pnpm --filter @synced-cache/redis soak -- --runs 20 --seed 1`;
 * the CI-sized run is `--ci`. Exit code 1 when any run found a failure.
 */
import { fileURLToPath } from 'node:url';
import { soakMain } from '@synced-cache/test-servers';

await soakMain({
  adapter: 'redis',
  podScript: fileURLToPath(new URL('./child/convergence-pod.ts', import.meta.url)),
  argv: process.argv.slice(2),
});
