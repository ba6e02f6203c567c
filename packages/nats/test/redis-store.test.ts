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
  [redis, nats] = await Promise.all([startRedis(), startNats({ jetstream: true })]);
});
afterAll(async () => {
  await Promise.allSettled([redis?.stop(), nats?.stop()]);
});

for (const mode of ['core', 'replay'] as const) {
  const bus = () =>
    createNatsSynchronizer({ servers: nats.url, ...(mode === 'replay' ? { replay: true } : {}) });

  describeSyncedCache(`ioredis store + nats bus (${mode} mode)`, () => {
    const store = createIoredisStore(redis.url);
    const synchronizer = bus();
    // Nothing fused: core publishes every event itself.
    if (store.publishesTo?.(synchronizer) !== false) throw new Error('expected publishesTo to be false');
    return { store, synchronizer };
  });

  // Redis stalls (SIGSTOP) while writes are in flight, longer than the pods' timeout, and then runs
  // them: the writer drops its copy at once, and afterwards every pod agrees with the store.
  describeLateWrites(`ioredis store + nats bus, ${mode} mode (the README composition)`, () => ({
    createPod: (options) =>
      createCache<string>({
        ...options,
        store: createIoredisStore(redis.url, { commandTimeoutMs: options.timeoutMs }),
        synchronizer: bus(),
      }),
    stall: () => redis.pause(),
    wake: () => redis.resume(),
  }));
}
