/**
 * Tuning aid for `@synced-cache/lfu` on seed set A (1, 2, 3) only; the report uses set B.
 * Replays lfu over the trace suite (300k requests, capacities 1k and 10k) and compares it with
 * peer results saved by `policies.ts --seeds A --quick --json <file>`.
 *
 *   cd apps/bench && node --import tsx src/policies.ts --seeds A --quick --only lru-cache,transitory,spica --json /tmp/peers-A.json
 *   cd apps/bench && node --import tsx src/lfu-tune.ts /tmp/peers-A.json [trace-name-substring …]
 */
import { readFileSync } from 'node:fs';
import { createLfuCache } from '@synced-cache/lfu';
import type { PolicyRow } from './policies.js';
import { suite } from './traces/suite.js';

const [peerFile, ...filters] = process.argv.slice(2);
if (peerFile === undefined) throw new Error('usage: lfu-tune.ts <peers.json> [trace …]');
const peers = JSON.parse(readFileSync(peerFile, 'utf8')) as PolicyRow[];
const peerOf = (trace: string, capacity: number, seed: number): PolicyRow['ratios'] =>
  peers.find((row) => row.trace === trace && row.capacity === capacity && row.seed === seed)!.ratios;
let misses = 0;
let total = 0;
for (const make of suite(300_000)) {
  for (const capacity of [1_000, 10_000]) {
    const parts: string[] = [];
    let name = '';
    for (const seed of [1, 2, 3]) {
      const trace = make(capacity, seed);
      name = trace.name;
      if (filters.length > 0 && !filters.some((filter) => trace.name.includes(filter))) break;
      const cache = createLfuCache<number>({ maxEntries: capacity, randomSeed: seed });
      let hits = 0;
      for (const id of trace.ids) {
        const key = `s${seed}:${id}`;
        if (cache.get(key) !== undefined) hits++;
        else cache.set(key, 1);
      }
      const lfu = (100 * hits) / trace.ids.length;
      const peer = peerOf(trace.name, capacity, seed);
      const best = Math.max(peer.transitory!, peer.spica!);
      const lost = lfu < best - 0.3 || (trace.name.startsWith('shift') && lfu < peer['lru-cache']! - 0.3);
      if (lost) misses++;
      total++;
      parts.push(
        `${lfu.toFixed(2)} (${(lfu - best).toFixed(2)}, lru ${(lfu - peer['lru-cache']!).toFixed(2)}, shifts ${cache.metrics().shifts})${lost ? ' MISS' : ''}`,
      );
    }
    if (parts.length > 0)
      console.log(`${name.padEnd(15)} ${String(capacity).padStart(6)}  ${parts.join('  ')}`);
  }
}
console.log(`${misses} misses of ${total}`);
