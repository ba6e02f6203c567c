import { MemoryStore } from '@synced-cache/core';
import { type NatsServer, startNats } from '@synced-cache/test-servers';
import { describeSyncedCache, describeSynchronizer } from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { createNatsSynchronizer } from '../src/index.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats?.stop();
});

describeSynchronizer('nats (owned connection)', () => createNatsSynchronizer({ servers: nats.url }));
// One MemoryStore shared by the pods of a test (one process), the bus is NATS.
const store = new MemoryStore();
describeSyncedCache('nats bus, embedded store', () => ({
  store,
  synchronizer: createNatsSynchronizer({ servers: nats.url }),
}));
