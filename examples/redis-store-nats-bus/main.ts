/**
 * Redis as the store, NATS as the bus: values live in Redis, change events travel on a NATS
 * subject (`synced-cache.cache:invalidate:<namespace>`), and Redis sees no pub/sub traffic at all.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 NATS_URL=nats://127.0.0.1:4222 npx tsx redis-store-nats-bus/main.ts
 */
import { createCache, type SyncedCache } from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import { createNatsSynchronizer } from '@synced-cache/nats';
import { redisUrl, waitUntil } from '../shared/env.js';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const namespace = 'example-nats-bus';

/** One pod: its own Redis connection for the store and its own NATS connection for the bus. */
function pod(podId: string): Promise<SyncedCache<{ stock: number }>> {
  return createCache({
    podId,
    namespace,
    store: createIoredisStore(redisUrl()),
    synchronizer: createNatsSynchronizer({ servers: natsUrl }),
  });
}

const [podA, podB] = await Promise.all([pod('pod-a'), pod('pod-b')]);
for (const stock of [3, 2, 1]) {
  const started = performance.now();
  await podA.set('item:42', { stock });
  await waitUntil(`stock ${stock} on pod B`, () => podB.peek('item:42')?.stock === stock);
  console.log(
    `pod-b sees item:42 stock=${stock} ${(performance.now() - started).toFixed(1)} ms after pod-a's set began`,
  );
}
await podB.delete('item:42');
await waitUntil('the delete on pod A', () => podA.peek('item:42') === undefined);
console.log(`pod-a after pod-b's delete: item:42=${await podA.get('item:42')}`);
const { eventsApplied } = podA.stats();
console.log(`pod-a stats: eventsApplied=${eventsApplied}`);
await Promise.all([podA.close(), podB.close()]);
