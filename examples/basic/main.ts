/**
 * Basic use: two pods of one service share values through Redis, and a write on one pod reaches
 * the other's local tier. Pod A is built in one call (`createIoredisCache`); pod B is composed from
 * parts (`createCache` with a store and a synchronizer), the library's two ways in.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx basic/main.ts
 */
import { createCache } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore, createIoredisSynchronizer } from '@synced-cache/ioredis';
import { redisUrl, waitUntil } from '../shared/env.js';

interface User {
  name: string;
  plan: string;
}

const url = redisUrl();
const namespace = 'example-basic';
const podA = await createIoredisCache<User>(url, { podId: 'pod-a', namespace, ttlMs: 60_000 });
const podB = await createCache<User>({
  podId: 'pod-b',
  namespace,
  ttlMs: 60_000,
  store: createIoredisStore(url),
  synchronizer: createIoredisSynchronizer(url),
});

// 1. A set on pod A travels with its value: pod B serves it from its local tier.
await podA.set('user:1', { name: 'Ada', plan: 'free' });
await waitUntil('user:1 on pod B', () => podB.peek('user:1') !== undefined);
console.log('pod-b read user:1 =', JSON.stringify(await podB.get('user:1')), '(local hit, pushed by pod-a)');

// 2. setWithInvalidate only tells pod B to drop its copy: its next get reads Redis (a remote hit).
await podA.setWithInvalidate('user:1', { name: 'Ada', plan: 'pro' });
await waitUntil('pod B to drop user:1', () => podB.peek('user:1')?.plan !== 'free');
console.log('pod-b read user:1 =', JSON.stringify(await podB.get('user:1')), '(remote hit, then cached)');
console.log('pod-b read user:1 =', JSON.stringify(await podB.get('user:1')), '(local hit)');

// 3. A key nobody wrote is a miss on both tiers.
console.log('pod-b read user:404 =', await podB.get('user:404'), '(local miss, remote miss)');

// 4. A delete on pod B removes the key from Redis and from pod A.
await podB.set('user:2', { name: 'Grace', plan: 'team' });
await waitUntil('user:2 on pod A', () => podA.peek('user:2') !== undefined);
await podB.delete('user:1');
await waitUntil('pod A to drop user:1', () => podA.peek('user:1') === undefined);
console.log('pod-a read user:1 after pod-b deleted it =', await podA.get('user:1'));

for (const [name, pod] of [
  ['pod-a', podA],
  ['pod-b', podB],
] as const) {
  const { localHits, localMisses, remoteHits, remoteMisses, localSize } = pod.stats();
  console.log(
    `${name} stats: localHits=${localHits} localMisses=${localMisses} remoteHits=${remoteHits} remoteMisses=${remoteMisses} localSize=${localSize}`,
  );
}
await Promise.all([podA.close(), podB.close()]);
