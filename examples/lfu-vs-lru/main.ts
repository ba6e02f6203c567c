/**
 * LFU and LRU side by side: two pods with the same local capacity replay the same skewed access
 * pattern against the same Redis, and print their local hit ratios.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx lfu-vs-lru/main.ts
 */
import { createCache, type SyncedCache, type SyncedCacheOptions } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore, createIoredisSynchronizer } from '@synced-cache/ioredis';
import { lfuCacheFactory } from '@synced-cache/lfu';
import { lruCacheFactory } from '@synced-cache/lru';
import { redisUrl } from '../shared/env.js';
import { skewedTraceWithScan } from './trace.js';

const url = redisUrl();
const namespace = 'example-lfu-vs-lru';
const keys = 1000;
const capacity = 50;
const trace = skewedTraceWithScan(keys, 3000, 300);

// Every key is in Redis before the pods start, so a local miss is a remote hit.
const seeder = await createIoredisCache<string>(url, { namespace, ttlMs: 300_000 });
await seeder.setMany([...new Set(trace)].map((key) => [key, `value of ${key}`] as const));
await seeder.close();

/** Replays the trace on a fresh pod with the given local tier; returns its local hit ratio. */
async function replay(name: string, localCache: SyncedCacheOptions<string>['localCache']): Promise<number> {
  const pod: SyncedCache<string> = await createCache<string>({
    podId: name,
    namespace,
    localCache,
    store: createIoredisStore(url),
    synchronizer: createIoredisSynchronizer(url),
  });
  for (const key of trace) {
    if ((await pod.get(key)) === undefined) throw new Error(`${key} missing from Redis`);
  }
  const { localHits, localMisses, remoteHits } = pod.stats();
  await pod.close();
  const ratio = localHits / (localHits + localMisses);
  console.log(
    `${name}: hitRatio=${ratio.toFixed(4)} localHits=${localHits} localMisses=${localMisses} remoteHits=${remoteHits}`,
  );
  return ratio;
}

console.log(
  `${trace.length} reads: Zipf(0.9) over ${keys} keys, a 300-key scan, Zipf again; ${capacity} local entries`,
);
const lfu = await replay('lfu', lfuCacheFactory({ maxEntries: capacity }));
const lru = await replay('lru', lruCacheFactory({ maxSize: capacity }));
console.log(`LFU keeps the hot keys through the scan: ${(lfu / lru).toFixed(2)}x LRU's hit ratio here.`);
console.log(
  'Pick LFU (W-TinyLFU) for skewed, long-lived popularity; LRU when recency is what predicts reuse.',
);
