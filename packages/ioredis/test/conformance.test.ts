import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { describeStore, describeSyncedCache, describeSynchronizer } from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { MAJORS, owningStore, owningSynchronizer, redisClient } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

for (const major of MAJORS) {
  const client = () => redisClient(major, { host: redis.host, port: redis.port });
  describeStore(`ioredis ${major} standalone`, () => owningStore(client()));
  describeSynchronizer(`ioredis ${major} standalone`, () => owningSynchronizer(client()));
  describeSyncedCache(`ioredis ${major} standalone`, () => ({
    store: owningStore(client()),
    synchronizer: owningSynchronizer(client()),
  }));
}
