/**
 * A/B of `@synced-cache/lfu`'s hit path: the class at a git revision against the working tree's,
 * every read a hit. Each cache holds every key (one object per key) with a TTL, as a pod's local
 * tier does; reads follow a precomputed sequence (uniform, or Zipf 0.99 with ranks scattered over
 * the keys). `lfu-ab.ts` measures a replay with misses; this one only hits, where the policy's
 * bookkeeping per read shows.
 *
 * Each class runs in its own processes, as a user's process holds one class: with both in one
 * process the ratio at 100,000 keys moved by up to 15 % against what the processes alone gave
 * (same code). Processes alternate (A B A B …, {@link PROCESSES} each); in each, the class's CPU
 * time per read is the median of alternating rounds beside raw `lru-cache` (the harness's
 * `compare`), and the report is the ratio of the two classes' medians over their processes, with
 * each side's `lru-cache` for scale.
 *
 *   cd apps/bench && node --expose-gc --import tsx src/lfu-hit-ab.ts <revision> [keys] [uniform|zipf] [rounds]
 *   e.g. node --expose-gc --import tsx src/lfu-hit-ab.ts 3e985c2 100000 zipf 15
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';
import { compare, consume, median } from './harness.js';
import { extract, load, workingTree } from './lfu-revision.js';
import { createRandom } from './traces/prng.js';
import { ZipfSampler } from './traces/zipf.js';

const TTL_MS = 600_000;
/** Length of the precomputed read sequence (a power of two, replayed cyclically). */
const SEQUENCE = 1 << 16;
/** Processes per class. */
const PROCESSES = 5;

interface Setting {
  /** An lfu `index.ts` to load. */
  index: string;
  keyCount: number;
  distribution: 'uniform' | 'zipf';
  rounds: number;
}

/** In a child: the class at `index` and raw `lru-cache`, alternating; ns per read of each. */
async function measure(setting: Setting): Promise<{ lfu: number; lru: number }> {
  const { keyCount, distribution } = setting;
  const keys = Array.from({ length: keyCount }, (_, index) => `user:${index}`);
  const random = createRandom(7);
  const zipf = new ZipfSampler(keyCount, 0.99);
  const sequence = Array.from(
    { length: SEQUENCE },
    () =>
      keys[
        distribution === 'uniform'
          ? Math.floor(random() * keyCount)
          : (zipf.sample(random()) * 7919) % keyCount
      ]!,
  );
  const create = await load(setting.index);
  const cache = create({ maxEntries: keyCount, defaultTtlMs: TTL_MS, randomSeed: 1 });
  const lru = new LRUCache<string, object>({ max: keyCount, ttl: TTL_MS });
  for (const key of keys) {
    const value = { key };
    lru.set(key, value);
    cache.set(key, value);
  }
  for (const key of keys) if (cache.get(key) === undefined) throw new Error(`${key} is not held`);
  const mask = SEQUENCE - 1;
  const [lfu, raw] = await compare(
    [
      {
        name: 'lfu',
        run: (ops) => {
          for (let i = 0; i < ops; i++) consume(cache.get(sequence[i & mask]!));
        },
      },
      {
        name: 'lru-cache',
        run: (ops) => {
          for (let i = 0; i < ops; i++) consume(lru.get(sequence[i & mask]!));
        },
      },
    ],
    { ops: 200_000, rounds: setting.rounds, cpuTime: true },
  );
  return { lfu: lfu!.nsPerOp, lru: raw!.nsPerOp };
}

function inChild(setting: Setting): { lfu: number; lru: number } {
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(setting)],
    { encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!) as { lfu: number; lru: number };
}

async function main(): Promise<void> {
  const [revision, keysText = '10000', distribution = 'uniform', roundsText = '15'] = process.argv.slice(2);
  if (revision === undefined || (distribution !== 'uniform' && distribution !== 'zipf')) {
    throw new Error('usage: lfu-hit-ab.ts <revision> [keys] [uniform|zipf] [rounds]');
  }
  const base = { keyCount: Number(keysText), distribution, rounds: Number(roundsText) } as const;
  const older = extract(revision);
  const newer: Array<{ lfu: number; lru: number }> = [];
  const old: Array<{ lfu: number; lru: number }> = [];
  for (let run = 0; run < PROCESSES; run++) {
    newer.push(inChild({ ...base, index: workingTree }));
    old.push(inChild({ ...base, index: older }));
  }
  const newMedian = median(newer.map((result) => result.lfu));
  const oldMedian = median(old.map((result) => result.lfu));
  const each = (results: Array<{ lfu: number }>) => results.map((result) => result.lfu.toFixed(1)).join(', ');
  console.log(
    `${base.keyCount.toLocaleString('en-US')} keys, ${distribution}, all hits, TTL on, ${PROCESSES} processes each: ` +
      `working tree ÷ ${revision} CPU per read (medians) ${(newMedian / oldMedian).toFixed(3)}x ` +
      `(${newMedian.toFixed(1)} / ${oldMedian.toFixed(1)} ns; working tree ${each(newer)}; ${revision} ${each(old)}; ` +
      `raw lru-cache beside them ${median(newer.map((result) => result.lru)).toFixed(1)} / ${median(old.map((result) => result.lru)).toFixed(1)} ns)`,
  );
}

const child = process.argv.indexOf('--child');
if (child === -1) await main();
else console.log(JSON.stringify(await measure(JSON.parse(process.argv[child + 1]!) as Setting)));
