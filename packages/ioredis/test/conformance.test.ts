import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import {
  describeStore,
  describeStorePublication,
  describeSyncedCache,
  describeSynchronizer,
} from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { IoredisSynchronizer } from '../src/synchronizer.js';
import { listUnderKey, MAJORS, owningStore, owningSynchronizer, redisClient } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

for (const major of MAJORS) {
  const client = () => redisClient(major, { host: redis.host, port: redis.port });
  describeStore(`ioredis ${major} standalone`, () => owningStore(client()), {
    breakKey: listUnderKey(client),
  });
  describeStorePublication(`ioredis ${major} standalone, one connection`, () => {
    const shared = client();
    return { store: owningStore(shared), synchronizer: new IoredisSynchronizer(shared, false, {}) };
  });
  describeSynchronizer(`ioredis ${major} standalone`, () => owningSynchronizer(client()));
  describeSyncedCache(`ioredis ${major} standalone`, () => ({
    store: owningStore(client()),
    synchronizer: owningSynchronizer(client()),
  }));
  // One connection per pod for store and synchronizer, as createIoredisCache builds them: the
  // store's scripts publish each write's event (setAndPublish).
  describeSyncedCache(`ioredis ${major} standalone, events published by the write scripts`, () => {
    const shared = client();
    const store = owningStore(shared);
    const synchronizer = new IoredisSynchronizer(shared, false, {});
    if (!store.publishesTo(synchronizer))
      throw new Error('expected the store to publish for its synchronizer');
    return { store, synchronizer };
  });
}
