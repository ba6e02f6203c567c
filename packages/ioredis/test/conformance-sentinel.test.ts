import { type RedisSentinelSetup, startRedisSentinel } from '@synced-cache/test-servers';
import {
  describeStore,
  describeStorePublication,
  describeSyncedCache,
  describeSynchronizer,
} from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { IoredisSynchronizer } from '../src/synchronizer.js';
import { MAJORS, owningStore, owningSynchronizer, redisClient } from './helpers.js';

let setup: RedisSentinelSetup;
beforeAll(async () => {
  setup = await startRedisSentinel();
}, 60_000);
afterAll(async () => {
  await setup?.stop();
});

for (const major of MAJORS) {
  const client = () => redisClient(major, { sentinels: setup.sentinels, name: setup.masterName });
  describeStore(`ioredis ${major} sentinel`, () => owningStore(client()));
  describeStorePublication(`ioredis ${major} sentinel, one connection`, () => {
    const shared = client();
    return { store: owningStore(shared), synchronizer: new IoredisSynchronizer(shared, false, {}) };
  });
  describeSynchronizer(`ioredis ${major} sentinel`, () => owningSynchronizer(client()));
  describeSyncedCache(
    `ioredis ${major} sentinel`,
    () => ({
      store: owningStore(client()),
      synchronizer: owningSynchronizer(client()),
    }),
    { timeoutMs: 10_000 },
  ); // several servers per topology: leave room for a loaded CI machine
}
