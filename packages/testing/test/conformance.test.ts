import { jsonMarshaller, MemoryBus, MemoryStore, MemorySynchronizer, SieveCache } from '@synced-cache/core';
import {
  describeLocalCache,
  describeMarshaller,
  describeStore,
  describeStorePublication,
  describeSyncedCache,
  describeSynchronizer,
} from '@synced-cache/testing';
import { publishingPair } from './fixtures/publishing.js';

// Core's embedded implementations must pass every suite they ship with.
const store = new MemoryStore();
const bus = new MemoryBus();

describeLocalCache('SieveCache', (config) => new SieveCache(config), { cost: true, clockReads: 1024 });
describeMarshaller('jsonMarshaller', () => jsonMarshaller);
describeStore('MemoryStore', () => store);
describeSynchronizer('MemorySynchronizer', () => new MemorySynchronizer({ bus }));
describeSyncedCache('MemoryStore + MemorySynchronizer', () => ({
  store,
  synchronizer: new MemorySynchronizer({ bus }),
}));
describeStorePublication('MemoryStore publishing on a MemoryBus (reference)', () =>
  publishingPair(bus, store),
);
