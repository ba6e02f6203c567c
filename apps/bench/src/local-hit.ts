/**
 * Local-hit speed: `await cache.get(k)` against the floor for any promise-returning get
 * (`await (async () => map.get(k))()`), `peek(k)` against raw `lru-cache`, and the peers'
 * local hits (BentoCache memory tier, cache-manager) — all in one run, as ratios.
 */
import { createCache } from '@synced-cache/core';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { createCache as createCacheManager } from 'cache-manager';
import { LRUCache } from 'lru-cache';
import { type Candidate, compare, consume, table } from './harness.js';

const KEYS = Array.from({ length: 1024 }, (_, i) => `user:${i}`);
const MASK = KEYS.length - 1;
const VALUE = { id: 1, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true };

export async function main(): Promise<string> {
  const map = new Map<string, unknown>();
  const lru = new LRUCache<string, object>({ max: 10_000 });
  const cache = await createCache<object>({ heartbeatMs: 0 });
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
  });
  const manager = createCacheManager();
  for (const key of KEYS) {
    map.set(key, VALUE);
    lru.set(key, VALUE);
    await cache.set(key, VALUE);
    await bento.set({ key, value: VALUE });
    await manager.set(key, VALUE);
  }

  const asyncCandidates: Candidate[] = [
    {
      name: 'floor: await (async () => map.get(k))()',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) consume(await (async () => map.get(KEYS[i & MASK]!))());
      },
    },
    {
      name: 'synced-cache: await cache.get(k)',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) consume(await cache.get(KEYS[i & MASK]!));
      },
    },
    {
      name: 'bentocache: await bento.get({ key })',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) consume(await bento.get({ key: KEYS[i & MASK]! }));
      },
    },
    {
      name: 'cache-manager: await cache.get(k)',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) consume(await manager.get(KEYS[i & MASK]!));
      },
    },
  ];
  const syncCandidates: Candidate[] = [
    {
      name: 'lru-cache: lru.get(k)',
      run: (ops) => {
        for (let i = 0; i < ops; i++) consume(lru.get(KEYS[i & MASK]!));
      },
    },
    {
      name: 'synced-cache: cache.peek(k)',
      run: (ops) => {
        for (let i = 0; i < ops; i++) consume(cache.peek(KEYS[i & MASK]!));
      },
    },
    {
      name: 'Map.get(k)',
      run: (ops) => {
        for (let i = 0; i < ops; i++) consume(map.get(KEYS[i & MASK]!));
      },
    },
  ];

  const asyncResults = await compare(asyncCandidates, { ops: 400_000, rounds: 11 });
  const syncResults = await compare(syncCandidates, { ops: 2_000_000 });
  await cache.close();
  await bento.disconnect();

  const getRatio = asyncResults[0]!.nsPerOp / asyncResults[1]!.nsPerOp;
  const peekRatio = syncResults[0]!.nsPerOp / syncResults[1]!.nsPerOp;
  const report = [
    '## Local hits',
    '',
    `Node ${process.version}, ${KEYS.length} hot keys, value \`${JSON.stringify(VALUE)}\`; median of alternating rounds (9 sync, 11 async), GC before each batch.`,
    '',
    '### Promise-returning get (local hit)',
    '',
    table(asyncResults, asyncResults[0]!.name),
    '',
    `**await cache.get = ${getRatio.toFixed(2)}x the async-Map floor** (goal ≥ 0.5x).`,
    '',
    '### Synchronous local read',
    '',
    table(syncResults, syncResults[0]!.name),
    '',
    `**peek = ${peekRatio.toFixed(2)}x raw lru-cache get** (goal ≥ 0.5x).`,
    '',
  ].join('\n');
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await main());
}
