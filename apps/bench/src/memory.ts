/**
 * Memory per entry: what a pod holds for each cached key, against raw `lru-cache` holding the same
 * decoded values with the same TTL.
 *
 * - `redis-backed pod`: a pod on a private `redis-server` (never the shared one) that read every
 *   key once (a store fill, as a reader pod gets them): local tier, core's entry, version table,
 *   decoded value. The store's bytes live in Redis, not in the pod.
 * - `embedded pod`: a pod on the embedded `MemoryStore` that wrote every key: the same plus the
 *   store's copy of the encoded bytes.
 *
 * Bytes per entry = growth of `heapUsed + arrayBuffers` (after forced GCs) over the fill, divided
 * by the number of keys; keys `user:<i>` and ~100-byte JSON values, created the same way for
 * every candidate. Needs `--expose-gc`:
 *
 *   cd apps/bench && node --expose-gc --import tsx src/main.ts memory
 */
import { createCache, type LocalCache, MemoryStore } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore } from '@synced-cache/ioredis';
import { lfuCacheFactory } from '@synced-cache/lfu';
import { lruCacheFactory } from '@synced-cache/lru';
import { startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

const TTL_MS = 600_000;

function valueJson(i: number): string {
  // ~100 bytes encoded, a typical small record.
  return JSON.stringify({
    id: i,
    name: `user number ${i}`,
    email: `user${i}@example.com`,
    roles: ['reader'],
    active: i % 2 === 0,
    bio: 'x'.repeat(20),
  });
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) collect();
}

function reading(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Heap plus array buffers once they hold still: V8 frees the backing stores of collected typed
 * arrays off the main thread, so one reading after a collection could still count a released
 * candidate's sketch tables (256 KiB of lfu's at 10,000 entries, 26 bytes per entry) and not the
 * new one's. Collects and waits until two readings 5 ms apart agree within 1 KiB (at most 40).
 */
async function used(): Promise<number> {
  let last = reading();
  for (let round = 0; round < 40; round++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = reading();
    if (Math.abs(now - last) < 1024) return now;
    last = now;
  }
  return last;
}

/**
 * Heap growth while a candidate is made and filled with `keyCount` keys, per key (`perEntry`:
 * lru-cache allocates its per-entry arrays up front, so creation counts), and the part of it the
 * empty candidate took (`fixed`, in bytes). Everything runs once unmeasured first, so code compiled for the path (JIT
 * code and feedback live in the heap too) is not counted.
 */
async function measure<T>(
  keyCount: number,
  create: () => Promise<T>,
  fill: (candidate: T) => Promise<void>,
): Promise<{ perEntry: number; fixed: number }> {
  const warm = await create();
  await fill(warm);
  await release(warm);
  await settle();
  const empty = await used();
  const candidate = await create();
  await settle();
  const made = await used();
  await fill(candidate);
  await settle();
  const filled = await used();
  await release(candidate);
  return { perEntry: (filled - empty) / keyCount, fixed: made - empty };
}

/**
 * Lets the event loop turn: a fill of awaited calls that resolve as microtasks leaves the bus's
 * deliveries (macrotasks) queued, which is transient, not per-entry memory.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

async function release(held: unknown): Promise<void> {
  if (typeof (held as { close?: unknown }).close === 'function')
    await (held as { close(): Promise<void> }).close();
}

type Tier = 'sieve (default)' | 'lru' | 'lfu';

function localCache(
  tier: Tier,
  keyCount: number,
): { localCache: () => LocalCache<unknown> } | { localCacheConfig: { maxSize: number } } {
  if (tier === 'lru') return { localCache: lruCacheFactory({ maxEntries: keyCount }) };
  if (tier === 'lfu') return { localCache: lfuCacheFactory({ maxEntries: keyCount }) };
  return { localCacheConfig: { maxSize: keyCount } };
}

interface Row {
  keyCount: number;
  candidate: string;
  perEntry: number;
  fixed: number;
}

export async function main(): Promise<string> {
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    for (const keyCount of [10_000, 100_000]) {
      const keys = (): string[] => Array.from({ length: keyCount }, (_, i) => `user:${i}`);
      // Write every key once through a bare store (the pods below only read).
      const writerClient = new Redis({ host: redis.host, port: redis.port });
      const store = createIoredisStore(writerClient);
      await writerClient.flushdb();
      for (let i = 0; i < keyCount; i++) {
        await store.set(`mem:user:${i}`, Buffer.from(valueJson(i)), { ttlMs: TTL_MS });
      }
      await store.close();
      writerClient.disconnect();

      const lru = await measure(
        keyCount,
        async () => new LRUCache<string, object>({ max: keyCount, ttl: TTL_MS }),
        async (cache) => {
          for (const key of keys()) cache.set(key, JSON.parse(valueJson(Number(key.slice(5)))));
        },
      );
      rows.push({ keyCount, candidate: 'lru-cache (raw), same values, ttl', ...lru });
      for (const tier of ['sieve (default)', 'lru', 'lfu'] as const) {
        const pod = await measure(
          keyCount,
          () =>
            createIoredisCache<unknown>(redis.url, {
              namespace: 'mem',
              heartbeatMs: 0,
              ...localCache(tier, keyCount),
            }),
          async (cache) => {
            for (const key of keys()) await cache.get(key);
            const held = cache.stats().localSize;
            if (held !== keyCount) throw new Error(`${tier}: ${held} held`);
          },
        );
        rows.push({ keyCount, candidate: `redis-backed pod, ${tier}`, ...pod });
      }
      const embedded = await measure(
        keyCount,
        () =>
          createCache<unknown>({
            store: new MemoryStore(),
            heartbeatMs: 0,
            ttlMs: TTL_MS,
            localCacheConfig: { maxSize: keyCount },
          }),
        async (cache) => {
          for (const key of keys()) await cache.set(key, JSON.parse(valueJson(Number(key.slice(5)))));
        },
      );
      rows.push({ keyCount, candidate: 'embedded pod (MemoryStore), sieve (default)', ...embedded });
    }
  } finally {
    await redis.stop();
  }
  const lines = [
    '## Memory per entry',
    '',
    `Node ${process.version}; keys \`user:<i>\`, JSON values of ~${Buffer.byteLength(valueJson(50_000))} bytes (decoded objects held), store TTL ${TTL_MS} ms on every entry; bytes/entry = growth of \`heapUsed + arrayBuffers\` (after forced GCs and one event-loop turn) over making the candidate and filling it, per key (lru-cache allocates its per-entry arrays when made); the part the empty candidate took is shown apart; each candidate is built and filled once unmeasured first, so compiled code is not counted. The redis-backed pods read every key once from a private \`redis-server\` (fills); the embedded pod wrote every key (the store's bytes are in its heap).`,
    'Command: `cd apps/bench && node --expose-gc --import tsx src/main.ts memory`.',
    '',
    '| keys | candidate | bytes/entry | vs raw lru-cache | of which the empty candidate |',
    '|---:|---|---:|---:|---:|',
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.keyCount === row.keyCount && r.candidate.startsWith('lru-cache'))!;
    lines.push(
      `| ${row.keyCount.toLocaleString('en-US')} | ${row.candidate} | ${row.perEntry.toFixed(0)} | ${(row.perEntry / base.perEntry).toFixed(2)}x | ${(row.fixed / 1024).toFixed(0)} KiB |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await main());
}
