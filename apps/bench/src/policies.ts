/**
 * Hit ratio of every local-cache policy against the best JavaScript peers and the optimum, over
 * the trace suite (`traces/suite.ts`) at capacities 1k / 10k / 100k, on 3 seeds:
 * raw `lru-cache` (LRU), the default SIEVE tier (`SieveCache`), `@synced-cache/lfu`, `transitory`
 * (W-TinyLFU) and `spica` (DWC), and Bélády's MIN.
 *
 * Seeds come in two sets: `A` (1, 2, 3) is for tuning, `B` (11, 12, 13) for the report. Every
 * request is a get followed by a set on a miss. transitory evicts in batches (it may exceed its
 * size by 1 % between maintenance runs); `cleanUp()` after each set holds it to its size like
 * the others.
 *
 *   cd apps/bench && node --import tsx src/policies.ts --seeds B            # writes docs/benchmarks/policies.md
 *   cd apps/bench && node --import tsx src/policies.ts --seeds A --quick    # tuning: 300k requests, 1k/10k
 *   … --only lfu,lru-cache   (run some policies only; prints, writes nothing)
 *   … --json rows.json       (also save the rows); --from-json rows.json (render the report from saved rows)
 */
import './spica-assert.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SieveCache } from '@synced-cache/core';
import { createLfuCache } from '@synced-cache/lfu';
import { LRUCache } from 'lru-cache';
import { Cache as SpicaCache } from 'spica/cache';
import { newCache } from 'transitory';
import { nextUseIndices, optimalHits } from './traces/belady.js';
import { suite } from './traces/suite.js';
import type { Trace } from './traces/traces.js';

const ENTRY = Object.freeze({ value: 1, version: 1 });
const SEED_SETS: Record<string, number[]> = { A: [1, 2, 3], B: [11, 12, 13] };
const POLICIES = ['lru-cache', 'sieve', 'lfu', 'transitory', 'spica', 'optimum'] as const;
export type Policy = (typeof POLICIES)[number];
/** A loss of at most this many points counts as a tie. */
const TIE_POINTS = 0.3;

/** Replays `keys` (get, set on a miss) and returns the hits. */
export function replay(policy: Policy, keys: string[], capacity: number, seed: number): number {
  let hits = 0;
  switch (policy) {
    case 'lru-cache': {
      const cache = new LRUCache<string, object>({ max: capacity });
      for (const key of keys) {
        if (cache.get(key) !== undefined) hits++;
        else cache.set(key, ENTRY);
      }
      return hits;
    }
    case 'sieve': {
      const cache = new SieveCache<object>({ maxSize: capacity });
      for (const key of keys) {
        if (cache.get(key) !== undefined) hits++;
        else cache.set(key, ENTRY);
      }
      return hits;
    }
    case 'lfu': {
      const cache = createLfuCache<object>({ maxEntries: capacity, randomSeed: seed });
      for (const key of keys) {
        if (cache.get(key) !== undefined) hits++;
        else cache.set(key, ENTRY);
      }
      return hits;
    }
    case 'transitory': {
      const cache = newCache<string, object>().maxSize(capacity).build();
      for (const key of keys) {
        if (cache.getIfPresent(key) !== null) hits++;
        else {
          cache.set(key, ENTRY);
          cache.cleanUp();
        }
      }
      return hits;
    }
    case 'spica': {
      const cache = new SpicaCache<string, object>(capacity);
      for (const key of keys) {
        if (cache.get(key) !== undefined) hits++;
        else cache.set(key, ENTRY);
      }
      return hits;
    }
    default:
      throw new Error(`no replay for ${policy}`);
  }
}

/** Hit ratios (percent) of one trace at one capacity and seed. */
export interface PolicyRow {
  trace: string;
  capacity: number;
  seed: number;
  requests: number;
  ratios: Partial<Record<Policy, number>>;
}

function keysOf(trace: Trace, seed: number): string[] {
  const names: string[] = new Array(trace.idBound);
  const keys: string[] = new Array(trace.ids.length);
  for (let index = 0; index < trace.ids.length; index++) {
    const id = trace.ids[index]!;
    let name = names[id];
    if (name === undefined) {
      name = `s${seed}:${id}`;
      names[id] = name;
    }
    keys[index] = name;
  }
  return keys;
}

export function run(options: {
  seeds: number[];
  capacities: number[];
  length: number;
  policies: readonly Policy[];
  log?: (line: string) => void;
}): PolicyRow[] {
  const rows: PolicyRow[] = [];
  for (const make of suite(options.length)) {
    for (const capacity of options.capacities) {
      for (const seed of options.seeds) {
        const trace = make(capacity, seed);
        const keys = keysOf(trace, seed);
        const ratios: PolicyRow['ratios'] = {};
        for (const policy of options.policies) {
          const hits =
            policy === 'optimum'
              ? optimalHits(trace, capacity, nextUseIndices(trace))
              : replay(policy, keys, capacity, seed);
          ratios[policy] = (100 * hits) / keys.length;
        }
        const row = { trace: trace.name, capacity, seed, requests: keys.length, ratios };
        rows.push(row);
        options.log?.(
          `${trace.name.padEnd(15)} ${String(capacity).padStart(6)} seed ${String(seed).padStart(2)}  ${options.policies
            .map((policy) => `${policy} ${ratios[policy]!.toFixed(2)}`)
            .join('  ')}`,
        );
      }
    }
  }
  return rows;
}

/** Goal check: lfu ≥ max(transitory, spica) − tie on every row; lfu ≥ lru on shifting traces. */
export function verdicts(rows: PolicyRow[]): { losses: string[]; rowsMissed: number; rowsChecked: number } {
  const losses: string[] = [];
  // A row can miss both ways (below the best peer and below LRU): it counts once.
  let rowsMissed = 0;
  for (const row of rows) {
    const before = losses.length;
    const { lfu, transitory, spica } = row.ratios;
    if (lfu === undefined || transitory === undefined || spica === undefined) continue;
    const best = Math.max(transitory, spica);
    if (lfu < best - TIE_POINTS) {
      losses.push(
        `${row.trace} @ ${row.capacity} seed ${row.seed}: lfu ${lfu.toFixed(2)} < ${best === transitory ? 'transitory' : 'spica'} ${best.toFixed(2)} (${(lfu - best).toFixed(2)} pt)`,
      );
    }
    const lru = row.ratios['lru-cache'];
    if (row.trace.startsWith('shift') && lru !== undefined && lfu < lru - TIE_POINTS) {
      losses.push(
        `${row.trace} @ ${row.capacity} seed ${row.seed}: lfu ${lfu.toFixed(2)} < lru ${lru.toFixed(2)}`,
      );
    }
    if (losses.length > before) rowsMissed++;
  }
  return { losses, rowsMissed, rowsChecked: rows.length };
}

function report(rows: PolicyRow[], seeds: number[], command: string, length: number): string {
  const { losses, rowsMissed } = verdicts(rows);
  const lines = [
    '# Policies: hit ratio against the best JavaScript peers',
    '',
    `Generated by \`${command}\` (Node ${process.version}). Seeds ${seeds.join(', ')} (set B; the lfu tuning used set A: 1, 2, 3). ${length.toLocaleString('en-US')} requests per trace (loops: at least 3 passes). Every request is a get followed by a set on a miss; no TTL. Peers: transitory 2.2.0 (W-TinyLFU; \`cleanUp()\` after each set so it holds exactly its size), spica 0.0.810 (\`spica/cache\`, DWC). \`sieve\` is the default local tier of \`@synced-cache/core\`. The optimum is Bélády's MIN with bypass. Hit ratios in percent, mean of the 3 seeds; "lfu − best peer" is the worst seed.`,
    '',
    `**Goal** (lfu ≥ max(transitory, spica) on every trace × capacity × seed, a loss ≤ ${TIE_POINTS} pt a tie; lfu ≥ LRU on shifting traces): ${losses.length === 0 ? 'met on every row' : `missed on ${rowsMissed} of ${rows.length} rows (listed below)`}.`,
    '',
  ];
  const capacities = [...new Set(rows.map((row) => row.capacity))];
  for (const capacity of capacities) {
    lines.push(
      `## Capacity ${capacity.toLocaleString('en-US')}`,
      '',
      '| trace | lru-cache | sieve | lfu | transitory | spica | optimum | lfu − best peer (worst seed) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    const traces = [...new Set(rows.filter((row) => row.capacity === capacity).map((row) => row.trace))];
    for (const trace of traces) {
      const group = rows.filter((row) => row.capacity === capacity && row.trace === trace);
      const mean = (policy: Policy): string =>
        `${(group.reduce((sum, row) => sum + (row.ratios[policy] ?? Number.NaN), 0) / group.length).toFixed(2)}`;
      const worst = Math.min(
        ...group.map((row) => row.ratios.lfu! - Math.max(row.ratios.transitory!, row.ratios.spica!)),
      );
      lines.push(
        `| ${trace} | ${mean('lru-cache')} | ${mean('sieve')} | ${mean('lfu')} | ${mean('transitory')} | ${mean('spica')} | ${mean('optimum')} | ${worst >= 0 ? '+' : ''}${worst.toFixed(2)} pt |`,
      );
    }
    lines.push('');
  }
  if (losses.length > 0)
    lines.push('## Rows where the goal is missed', '', ...losses.map((loss) => `- ${loss}`), '');
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const quick = argv.includes('--quick');
  const seedSet = value('--seeds') ?? 'B';
  const seeds = SEED_SETS[seedSet];
  if (seeds === undefined) throw new Error(`--seeds A or B, not ${seedSet}`);
  const only = value('--only')?.split(',') as Policy[] | undefined;
  const capacities =
    value('--capacities')?.split(',').map(Number) ?? (quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]);
  const length = Number(value('--length') ?? (quick ? 300_000 : 2_000_000));
  const started = Date.now();
  const saved = value('--from-json');
  const rows: PolicyRow[] =
    saved === undefined
      ? run({ seeds, capacities, length, policies: only ?? POLICIES, log: (line) => console.log(line) })
      : (JSON.parse(readFileSync(saved, 'utf8')) as PolicyRow[]);
  const { losses } = verdicts(rows);
  console.log(
    `\n${losses.length} goal misses:\n${losses.join('\n')}\n(${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  if (value('--json') !== undefined) writeFileSync(value('--json')!, JSON.stringify(rows));
  if (only === undefined && !quick) {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const flags = ['--length', '--capacities'].filter((flag) => value(flag) !== undefined);
    const command = `cd apps/bench && node --import tsx src/policies.ts --seeds ${seedSet}${flags.map((flag) => ` ${flag} ${value(flag)}`).join('')}`;
    writeFileSync(join(root, 'docs', 'benchmarks', 'policies.md'), report(rows, seeds, command, length));
  }
}
