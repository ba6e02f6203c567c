import { createCache } from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import { type NatsServer, type RedisServer, startNats, startRedis } from '@synced-cache/test-servers';
import { describeLateWrites, describeSyncedCache } from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { createNatsSynchronizer } from '../src/index.js';

// A mixed deployment: values and versions in a private Redis, events on a private NATS. No fused
// write-and-publish here (a Redis script cannot publish on NATS): core publishes every event itself,
// after its write returned.
let redis: RedisServer;
let nats: NatsServer;
beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
});
afterAll(async () => {
  await Promise.allSettled([redis?.stop(), nats?.stop()]);
});

describeSyncedCache('ioredis store + nats bus', () => ({
  store: createIoredisStore(redis.url),
  synchronizer: createNatsSynchronizer({ servers: nats.url }),
}));

// Redis stalls (SIGSTOP) while writes are in flight, longer than the pods' timeout, and then runs
// them: the writer drops its copy at once, and afterwards every pod agrees with the store.
describeLateWrites('ioredis store + nats bus (the README composition)', () => ({
  createPod: (options) =>
    createCache<string>({
      ...options,
      store: createIoredisStore(redis.url, { commandTimeoutMs: options.timeoutMs }),
      synchronizer: createNatsSynchronizer({ servers: nats.url }),
    }),
  stall: () => redis.pause(),
  wake: () => redis.resume(),
}));
