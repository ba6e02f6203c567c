import { createCache, MemoryBus, MemoryStore, MemorySynchronizer } from '@synced-cache/core';
import { waitForSync } from '@synced-cache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { lruCacheFactory } from '../src/index.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const cache of opened.splice(0)) await cache.close();
});

describe('as the local tier of a SyncedCache', () => {
  it('serves local hits, takes values from other pods and drops invalidated keys', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const podA = await createCache<{ name: string }>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      localCache: lruCacheFactory({ maxEntries: 100 }),
      heartbeatMs: 0,
    });
    const podB = await createCache<{ name: string }>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      localCache: lruCacheFactory({ maxEntries: 100 }),
      heartbeatMs: 0,
    });
    opened.push(podA, podB);
    await podA.set('user:1', { name: 'Ada' });
    expect(await podA.get('user:1')).toEqual({ name: 'Ada' });
    expect(podA.stats().localHits).toBe(1);
    await waitForSync(() => podB.peek('user:1')?.name === 'Ada', {
      timeoutMs: 2000,
      message: 'pod B received the value',
    });
    await podB.setWithInvalidate('user:1', { name: 'Grace' });
    await waitForSync(() => podA.peek('user:1') === undefined, {
      timeoutMs: 2000,
      message: 'pod A dropped its copy',
    });
    expect(await podA.get('user:1')).toEqual({ name: 'Grace' });
    expect(podA.stats().localSize).toBe(1);
  });
});
