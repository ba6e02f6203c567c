/**
 * A/B of `@synced-cache/lfu`'s speed: the class at a git revision against the working tree's,
 * alternating in one process, so the shared machine's swings hit both alike. Both are loaded from
 * their TypeScript sources (through tsx), the old one extracted with `git archive` under
 * `node_modules/.cache/lfu-ab/<revision>`. Each round replays one trace (get, then set on a miss)
 * on a fresh cache of each and times it by the process's CPU time; the report is the median and
 * quartiles of new ÷ old per round, and both hit ratios (equal unless the policy changed).
 *
 *   cd apps/bench && node --import tsx src/lfu-ab.ts <revision> [trace] [capacity] [rounds]
 *   e.g. node --import tsx src/lfu-ab.ts 6413acf zipf-0.99 10000 21
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from './traces/suite.js';

interface Replayable {
  get(key: string): unknown;
  set(key: string, value: number): unknown;
}
type Create = (options: { maxEntries: number; randomSeed: number }) => Replayable;

const here = dirname(fileURLToPath(import.meta.url));
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: here, encoding: 'utf8' }).trim();

/** The lfu sources at `revision`, extracted once. */
function extract(revision: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', revision], { cwd: repo, encoding: 'utf8' }).trim();
  const target = join(here, '..', 'node_modules', '.cache', 'lfu-ab', sha);
  const index = join(target, 'packages', 'lfu', 'src', 'index.ts');
  if (!existsSync(index)) {
    mkdirSync(target, { recursive: true });
    const archive = execFileSync('git', ['archive', sha, 'packages/lfu/src'], { cwd: repo });
    execFileSync('tar', ['-x', '-C', target], { input: archive });
  }
  return index;
}

async function load(index: string): Promise<Create> {
  const module = (await import(pathToFileURL(index).href)) as { createLfuCache: Create };
  return module.createLfuCache;
}

/** CPU nanoseconds per request and hit ratio of one replay on a fresh cache. */
function replay(create: Create, keys: readonly string[], capacity: number): [number, number] {
  const cache = create({ maxEntries: capacity, randomSeed: 1 });
  let hits = 0;
  const started = process.cpuUsage();
  for (const key of keys) {
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, 1);
  }
  const used = process.cpuUsage(started);
  return [((used.user + used.system) * 1000) / keys.length, hits / keys.length];
}

async function main(): Promise<void> {
  const [revision, traceName = 'zipf-0.99', capacityText = '10000', roundsText = '21'] =
    process.argv.slice(2);
  if (revision === undefined) throw new Error('usage: lfu-ab.ts <revision> [trace] [capacity] [rounds]');
  const capacity = Number(capacityText);
  const rounds = Number(roundsText);
  const make = suite(1_000_000).find((maker) => maker(capacity, 1).name === traceName);
  if (make === undefined) throw new Error(`no trace named ${traceName}`);
  const keys = Array.from(make(capacity, 1).ids, (id) => `k:${id}`);
  const older = await load(extract(revision));
  const newer = await load(join(repo, 'packages', 'lfu', 'src', 'index.ts'));
  const ratios: number[] = [];
  let hitRatios: [number, number] = [0, 0];
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer or colder machine.
    const [first, second] = round % 2 === 0 ? [newer, older] : [older, newer];
    const a = replay(first, keys, capacity);
    const b = replay(second, keys, capacity);
    const [n, o] = round % 2 === 0 ? [a, b] : [b, a];
    ratios.push(n[0] / o[0]);
    hitRatios = [n[1], o[1]];
  }
  ratios.sort((x, y) => x - y);
  const at = (share: number) => ratios[Math.min(ratios.length - 1, Math.floor(share * ratios.length))]!;
  console.log(
    `${traceName} at ${capacity} entries, ${keys.length.toLocaleString('en-US')} requests, ${rounds} rounds: ` +
      `working tree ÷ ${revision} CPU per request median ${at(0.5).toFixed(3)}x ` +
      `(quartiles ${at(0.25).toFixed(3)}–${at(0.75).toFixed(3)}); ` +
      `hit ratio ${(100 * hitRatios[0]).toFixed(2)} % vs ${(100 * hitRatios[1]).toFixed(2)} %`,
  );
}

await main();
