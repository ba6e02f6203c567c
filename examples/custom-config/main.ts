/**
 * A production-style configuration: your own ioredis client (address, password, database), a
 * namespace and channel of your choosing, a tuned local tier, TTLs and timeouts, error reporting.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 REDIS_DB=2 npx tsx custom-config/main.ts
 */
import { createCache } from '@synced-cache/core';
import { createIoredisStore, createIoredisSynchronizer } from '@synced-cache/ioredis';
import { lfuCacheFactory } from '@synced-cache/lfu';
import { Redis } from 'ioredis';
import { redisUrl } from '../shared/env.js';

const redis = new Redis(redisUrl(), {
  db: Number(process.env.REDIS_DB ?? 2), // overrides a database in the URL
  password: process.env.REDIS_PASSWORD || undefined,
  connectionName: 'orders-service',
  // What the adapters recommend for a client you pass: fail fast instead of queueing while down.
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 1,
});
await new Promise((resolve, reject) => redis.once('ready', resolve).once('error', reject));

const cache = await createCache<{ id: string; total: number }>({
  podId: process.env.POD_NAME ?? 'orders-1',
  namespace: 'orders',
  channel: 'orders:events', // the bus channel is `<channel>:<namespace>`
  store: createIoredisStore(redis, { tombstoneTtlMs: 30_000 }), // your client: never closed by us
  synchronizer: createIoredisSynchronizer(redis), // subscribes on its own duplicate connection
  // Go's LocalCacheConfig{NumCounters, MaxCost, BufferItems}: ten counters per expected entry.
  localCache: lfuCacheFactory({ maxEntries: 50_000, numCounters: 500_000 }),
  ttlMs: 15 * 60_000, // store TTL
  localTtlMs: 60_000, // a bound on how stale a local copy may get if every event were lost
  timeoutMs: 250, // one deadline for every call
  heartbeatMs: 2000,
  maxEventValueBytes: 16_384, // larger values travel as invalidations
  onError: (error, { operation, key }) => console.error(`cache ${operation} ${key ?? ''}: ${error.code}`),
});

await cache.set('order:1', { id: 'order:1', total: 42 });
console.log('order:1 =', JSON.stringify(await cache.get('order:1')));
const db = Number(redis.options.db);
const pttl = await redis.pttl('orders:order:1');
console.log(`stored in db=${db} key=orders:order:1 pttlMs=${pttl}`);
const channels = await redis.pubsub('CHANNELS', 'orders:*');
console.log(`subscribed channel: ${channels.join(', ')}`);
await cache.close();
redis.disconnect(); // ours to close
