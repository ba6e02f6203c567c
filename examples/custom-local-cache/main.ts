/**
 * A custom local cache: `RandomEvictionCache` (a Map with random eviction and metrics) plugged in
 * through a factory, as the Go library's `LocalCacheFactory`.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx custom-local-cache/main.ts
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { redisUrl } from '../shared/env.js';
import { RandomEvictionCache } from './random-eviction-cache.js';

const capacity = 100;
const written = 300;
let local: RandomEvictionCache<number> | undefined;
const cache = await createIoredisCache<number>(redisUrl(), {
  namespace: 'example-custom-local-cache',
  ttlMs: 60_000,
  // A factory: core calls it once and keeps the cache; we keep a handle to print its metrics.
  localCache: () => {
    local = new RandomEvictionCache<number>(capacity);
    return local;
  },
});

for (let i = 0; i < written; i++) await cache.set(`n:${i}`, i * i);
let wrong = 0;
for (let i = 0; i < written; i++) if ((await cache.get(`n:${i}`)) !== i * i) wrong++;

const { localHits, remoteHits, localSize } = cache.stats();
const metrics = local?.metrics();
console.log(`wrote ${written} keys into a local cache of ${capacity}; wrong reads: ${wrong}`);
console.log(`cache stats: localHits=${localHits} remoteHits=${remoteHits} localSize=${localSize}`);
console.log(
  `local metrics: size=${metrics?.size} sets=${metrics?.sets} evictions=${metrics?.evictions} hits=${metrics?.hits} misses=${metrics?.misses}`,
);
await cache.close();
