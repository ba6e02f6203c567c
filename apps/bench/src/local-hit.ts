/**
 * Local-hit speed as a user gets it: every entry carries the store TTL (`ttlMs`, as core sets it on
 * the local tier), 10,000 and 100,000 keys, Zipf 0.99 and uniform access, for the default SIEVE
 * tier and the `lru` / `lfu` tiers. `await cache.get(k)` is compared with the floor for any
 * promise-returning get (`await (async () => map.get(k))()`), and `peek(k)` with raw `lru-cache`
 * holding the same keys with the same TTL — side by side in one run, as ratios. A second table
 * compares the peers' local hits (BentoCache memory tier, cache-manager) at 10k keys.
 *
 *   cd apps/bench && node --expose-gc --import tsx src/main.ts local-hit
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Cache, createCache, type LocalCache } from '@synced-cache/core';
import { lfuCacheFactory } from '@synced-cache/lfu';
import { lruCacheFactory } from '@synced-cache/lru';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { createCache as createCacheManager } from 'cache-manager';
import { LRUCache } from 'lru-cache';
import { type Candidate, compare, consume, type Result, table } from './harness.js';
import { createRandom } from './traces/prng.js';
import { ZipfSampler } from './traces/zipf.js';

const VALUE = { id: 1, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true };
/** The store TTL every entry carries (long enough that nothing expires during the run). */
const TTL_MS = 600_000;
/** Length of the precomputed access sequence (a power of two, replayed cyclically). */
const SEQUENCE = 1 << 16;
const SEQUENCE_MASK = SEQUENCE - 1;

type Tier = 'sieve (default)' | 'lru' | 'lfu';
const TIERS: readonly Tier[] = ['sieve (default)', 'lru', 'lfu'];

interface Setting {
  keyCount: number;
  distribution: 'zipf-0.99' | 'uniform';
}

function accessSequence(setting: Setting, keys: readonly string[]): string[] {
  const random = createRandom(setting.keyCount + (setting.distribution === 'uniform' ? 1 : 2));
  const zipf = setting.distribution === 'uniform' ? undefined : new ZipfSampler(setting.keyCount, 0.99);
  // Zipf ranks are spread over the key space so popular keys are not also the oldest insertions.
  const stride = 7919;
  const sequence: string[] = [];
  for (let i = 0; i < SEQUENCE; i++) {
    const rank =
      zipf === undefined ? Math.floor(random() * setting.keyCount) : zipf.sample(random()) * stride;
    sequence.push(keys[rank % setting.keyCount]!);
  }
  return sequence;
}

async function tierCache(
  tier: Tier,
  keyCount: number,
): Promise<Cache<object> & { peek(k: string): unknown }> {
  let localCache: (() => LocalCache<object>) | undefined;
  if (tier === 'lru') localCache = lruCacheFactory({ maxEntries: keyCount });
  if (tier === 'lfu') localCache = lfuCacheFactory({ maxEntries: keyCount });
  return createCache<object>({
    heartbeatMs: 0,
    ttlMs: TTL_MS,
    ...(localCache === undefined ? { localCacheConfig: { maxSize: keyCount } } : { localCache }),
  });
}

interface SettingResult {
  setting: Setting;
  tier: Tier;
  asyncResults: Result[];
  syncResults: Result[];
}

/** One tier at one setting, against the floor and lru-cache, in this process. */
async function measure(setting: Setting, tier: Tier): Promise<SettingResult> {
  const keys = Array.from({ length: setting.keyCount }, (_, i) => `user:${i}`);
  const sequence = accessSequence(setting, keys);
  const map = new Map<string, unknown>();
  const lru = new LRUCache<string, object>({ max: setting.keyCount, ttl: TTL_MS });
  const cache = await tierCache(tier, setting.keyCount);
  for (const key of keys) {
    map.set(key, VALUE);
    lru.set(key, VALUE);
    await cache.set(key, VALUE);
  }
  // Every key must be a local hit, or the ratios measure misses.
  for (const key of keys) if (cache.peek(key) === undefined) throw new Error(`${tier} lost ${key}`);
  const asyncCandidates: Candidate[] = [
    {
      name: 'floor: await (async () => map.get(k))()',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) consume(await (async () => map.get(sequence[i & SEQUENCE_MASK]!))());
      },
    },
    {
      name: `${tier}: await cache.get(k)`,
      run: async (ops) => {
        for (let j = 0; j < ops; j++) consume(await cache.get(sequence[j & SEQUENCE_MASK]!));
      },
    },
  ];
  const syncCandidates: Candidate[] = [
    {
      name: 'lru-cache (ttl): lru.get(k)',
      run: (ops) => {
        for (let i = 0; i < ops; i++) consume(lru.get(sequence[i & SEQUENCE_MASK]!));
      },
    },
    {
      name: `${tier}: cache.peek(k)`,
      run: (ops) => {
        for (let j = 0; j < ops; j++) consume(cache.peek(sequence[j & SEQUENCE_MASK]!));
      },
    },
  ];
  const asyncResults = await compare(asyncCandidates, { ops: 50_000, rounds: ROUNDS, cpuTime: true });
  const syncResults = await compare(syncCandidates, { ops: 200_000, rounds: ROUNDS, cpuTime: true });
  await cache.close();
  return { setting, tier, asyncResults, syncResults };
}

/**
 * Each tier runs in its own process (with its own floor and lru-cache baseline): a user's process
 * has one tier class, and three in one process would make core's call into the tier polymorphic.
 */
function measureInChild(setting: Setting, tier: Tier): SettingResult {
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify({ setting, tier })],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const line = output.trim().split('\n').at(-1)!;
  return JSON.parse(line) as SettingResult;
}

async function peers(): Promise<Result[]> {
  const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);
  const sequence = accessSequence({ keyCount: 10_000, distribution: 'zipf-0.99' }, keys);
  const cache = await tierCache('sieve (default)', 10_000);
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
  });
  const manager = createCacheManager();
  for (const key of keys) {
    await cache.set(key, VALUE);
    await bento.set({ key, value: VALUE, ttl: TTL_MS });
    await manager.set(key, VALUE, TTL_MS);
  }
  const results = await compare(
    [
      {
        name: 'synced-cache (default): await cache.get(k)',
        run: async (ops) => {
          for (let i = 0; i < ops; i++) consume(await cache.get(sequence[i & SEQUENCE_MASK]!));
        },
      },
      {
        name: 'bentocache: await bento.get({ key })',
        run: async (ops) => {
          for (let i = 0; i < ops; i++) consume(await bento.get({ key: sequence[i & SEQUENCE_MASK]! }));
        },
      },
      {
        name: 'cache-manager: await cache.get(k)',
        run: async (ops) => {
          for (let i = 0; i < ops; i++) consume(await manager.get(sequence[i & SEQUENCE_MASK]!));
        },
      },
    ],
    { ops: 50_000, rounds: 7, cpuTime: true },
  );
  await cache.close();
  await bento.disconnect();
  return results;
}

const ROUNDS = 31;

function summary(results: SettingResult[]): string[] {
  const lines = [
    '| keys | access | tier | await get vs async-Map floor (goal ≥ 0.7x) | peek vs lru-cache.get, same TTL (goal ≥ 0.8x) |',
    '|---:|---|---|---:|---:|',
  ];
  for (const { setting, tier, asyncResults, syncResults } of results) {
    const get = asyncResults[0]!.nsPerOp / asyncResults[1]!.nsPerOp;
    const peek = syncResults[0]!.nsPerOp / syncResults[1]!.nsPerOp;
    lines.push(
      `| ${setting.keyCount.toLocaleString('en-US')} | ${setting.distribution} | ${tier} | ${get.toFixed(2)}x | ${peek.toFixed(2)}x |`,
    );
  }
  return lines;
}

export async function main(): Promise<string> {
  const settings: Setting[] = [];
  for (const keyCount of [10_000, 100_000]) {
    for (const distribution of ['zipf-0.99', 'uniform'] as const) settings.push({ keyCount, distribution });
  }
  const results: SettingResult[] = [];
  for (const setting of settings) {
    for (const tier of TIERS) results.push(measureInChild(setting, tier));
  }
  const peerResults = await peers();
  const lines = [
    '## Local hits',
    '',
    `Node ${process.version}; \`createCache({ ttlMs: ${TTL_MS} })\` so every local entry carries the store TTL, local tier sized to hold every key (all reads are hits); keys \`user:<i>\`, value \`${JSON.stringify(VALUE)}\`; access: a ${SEQUENCE.toLocaleString('en-US')}-request sequence, Zipf 0.99 (ranks scattered over the keys) or uniform, replayed cyclically. Each tier runs in its own process next to its two baselines (a user's process holds one tier class); each ratio: median of ${ROUNDS} alternating rounds (after 3 warm-up rounds), each batch timed by the process's CPU time (the machine is shared beyond its 2 cores; wall time measured the wait for a core), GC before each batch, candidates side by side in one run.`,
    `Command: \`cd apps/bench && node --expose-gc --import tsx src/main.ts local-hit\`.`,
    '',
    '### Summary',
    '',
    ...summary(results),
    '',
  ];
  for (const { setting, tier, asyncResults, syncResults } of results) {
    const title = `${setting.keyCount.toLocaleString('en-US')} keys, ${setting.distribution}, ${tier}`;
    lines.push(`### ${title}: promise-returning get`, '', table(asyncResults, asyncResults[0]!.name), '');
    lines.push(`### ${title}: synchronous read`, '', table(syncResults, syncResults[0]!.name), '');
  }
  lines.push(
    '### Peers: local hit, 10,000 keys, Zipf 0.99, TTL on',
    '',
    table(peerResults, peerResults[0]!.name),
    '',
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const child = process.argv.indexOf('--child');
  if (child === -1) console.log(await main());
  else {
    const { setting, tier } = JSON.parse(process.argv[child + 1]!) as { setting: Setting; tier: Tier };
    console.log(JSON.stringify(await measure(setting, tier)));
  }
}
