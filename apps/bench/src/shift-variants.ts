/**
 * Robustness check beside the hit-ratio benchmark: `lfu` against `lru-cache` on shifting-Zipf
 * traces whose shift size and speed differ from the benchmark's `zipf-shifting` (8 phases of
 * 10,000 ranks), so a policy tuned on that one trace shows where it stops winning.
 *
 *   cd apps/bench && npx tsx src/shift-variants.ts      # about a minute, deterministic
 */
import { createLfuCache } from '@synced-cache/lfu';
import { LRUCache } from 'lru-cache';
import { shiftingZipfTrace } from './traces/traces.js';

const ENTRY = Object.freeze({ value: 1 });
const VARIANTS: ReadonlyArray<readonly [phases: number, shift: number]> = [
  [4, 20_000],
  [8, 2_000],
  [16, 5_000],
  [32, 10_000],
];

console.log('| phases × shift | capacity | lru-cache | lfu | lfu − lru |');
console.log('|---|---:|---:|---:|---:|');
for (const [phases, shift] of VARIANTS) {
  const trace = shiftingZipfTrace(2_000_000, phases, shift, 7);
  const keys = Array.from(trace.ids, (id) => `key:${id}`);
  for (const capacity of [10_000, 100_000]) {
    const lru = new LRUCache<string, object>({ max: capacity });
    const lfu = createLfuCache<object>({ maxEntries: capacity, randomSeed: 0x5eed });
    let lruHits = 0;
    let lfuHits = 0;
    for (const key of keys) {
      if (lru.get(key) !== undefined) lruHits++;
      else lru.set(key, ENTRY);
      if (lfu.get(key) !== undefined) lfuHits++;
      else lfu.set(key, ENTRY);
    }
    const pct = (hits: number) => (hits / keys.length) * 100;
    console.log(
      `| ${phases} × ${shift.toLocaleString('en-US')} | ${capacity.toLocaleString('en-US')} | ${pct(lruHits).toFixed(2)}% | ${pct(lfuHits).toFixed(2)}% | ${(pct(lfuHits) - pct(lruHits)).toFixed(2)} pt |`,
    );
  }
}
