import { type RedisCluster, startRedisCluster } from '@synced-cache/test-servers';
import { describeStore, describeSyncedCache, describeSynchronizer } from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { clusterClient, listUnderKey, MAJORS, owningStore, owningSynchronizer } from './helpers.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

for (const major of MAJORS) {
  const client = () => clusterClient(major, cluster.nodes);
  describeStore(`ioredis ${major} cluster`, () => owningStore(client()), { breakKey: listUnderKey(client) });
  describeSynchronizer(`ioredis ${major} cluster (sharded pub/sub)`, () => owningSynchronizer(client()));
  describeSyncedCache(
    `ioredis ${major} cluster`,
    () => ({
      store: owningStore(client()),
      synchronizer: owningSynchronizer(client()),
    }),
    { timeoutMs: 10_000 },
  ); // several servers per topology: leave room for a loaded CI machine
}
describeSynchronizer('ioredis 6 cluster (plain pub/sub)', () =>
  owningSynchronizer(clusterClient(6, cluster.nodes), { sharded: false }),
);
