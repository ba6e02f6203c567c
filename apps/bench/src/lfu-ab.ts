/**
 * A/B of `@synced-cache/lfu`'s speed: the class at a git revision against the working tree's,
 * alternating in one process, so the shared machine's swings hit both alike. Both are loaded from
 * their TypeScript sources (through tsx), the old one extracted with `git archive` under
 * `node_modules/.cache/lfu-ab/<revision>`. Each round replays one trace (get, then set on a miss)
 * on a fresh cache of each, timed by the process's CPU time (the harness's `compare`: alternating
 * order, a GC before each batch, warm-up rounds); the report is the ratio of the median CPU per
 * request, and both hit ratios (equal unless the policy changed).
 *
 *   cd apps/bench && node --expose-gc --import tsx src/lfu-ab.ts <revision> [trace] [capacity] [rounds]
 *   e.g. node --expose-gc --import tsx src/lfu-ab.ts 6413acf zipf-0.99 10000 21
 */
import { compare, consume } from './harness.js';
import { type Create, extract, load, workingTree } from './lfu-revision.js';
import { suite } from './traces/suite.js';

/** Replays `keys` (get, then set on a miss) on a fresh cache; returns the hits. */
function replay(create: Create, keys: readonly string[], capacity: number): number {
  const cache = create({ maxEntries: capacity, randomSeed: 1 });
  let hits = 0;
  for (const key of keys) {
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, 1);
  }
  return hits;
}

async function main(): Promise<void> {
  const [revision, traceName = 'zipf-0.99', capacityText = '10000', roundsText = '21'] =
    process.argv.slice(2);
  if (revision === undefined) throw new Error('usage: lfu-ab.ts <revision> [trace] [capacity] [rounds]');
  const capacity = Number(capacityText);
  const make = suite(1_000_000).find((maker) => maker(capacity, 1).name === traceName);
  if (make === undefined) throw new Error(`no trace named ${traceName}`);
  const keys = Array.from(make(capacity, 1).ids, (id) => `k:${id}`);
  const older = await load(extract(revision));
  const newer = await load(workingTree);
  const [newResult, oldResult] = await compare(
    [
      { name: 'working tree', run: () => consume(replay(newer, keys, capacity)) },
      { name: revision, run: () => consume(replay(older, keys, capacity)) },
    ],
    { ops: keys.length, rounds: Number(roundsText), cpuTime: true },
  );
  const hitRatio = (create: Create) => ((100 * replay(create, keys, capacity)) / keys.length).toFixed(2);
  console.log(
    `${traceName} at ${capacity} entries, ${keys.length.toLocaleString('en-US')} requests, ${roundsText} rounds: ` +
      `working tree ÷ ${revision} CPU per request (medians) ${(newResult!.nsPerOp / oldResult!.nsPerOp).toFixed(3)}x ` +
      `(${newResult!.nsPerOp.toFixed(1)} / ${oldResult!.nsPerOp.toFixed(1)} ns); ` +
      `hit ratio ${hitRatio(newer)} % vs ${hitRatio(older)} %`,
  );
}

await main();
