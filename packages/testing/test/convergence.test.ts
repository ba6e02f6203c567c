import {
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type SyncedCache,
} from '@synced-cache/core';
import { type ChaosSynchronizer, chaosSynchronizer, mulberry32, waitForSync } from '@synced-cache/testing';
import { afterEach, describe, expect, it } from 'vitest';

// The chaos wrappers in their intended use: pods write under drops, duplicates, reordering, delays
// and a disconnect; after heal() every pod's local tier must agree with the store (or be empty).

const caches: Array<SyncedCache<string>> = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

async function pods(count: number, seed: number) {
  const store = new MemoryStore();
  const bus = new MemoryBus();
  const synchronizers: ChaosSynchronizer[] = [];
  const created: Array<SyncedCache<string>> = [];
  for (let i = 0; i < count; i++) {
    const synchronizer = chaosSynchronizer(new MemorySynchronizer({ bus }), { seed: seed * 100 + i });
    synchronizers.push(synchronizer);
    const cache = await createCache<string>({
      store,
      synchronizer,
      namespace: 'chaos',
      podId: `pod-${i}`,
      heartbeatMs: 20,
    });
    created.push(cache);
    caches.push(cache);
  }
  // A pod started after the writes has an empty local tier, so its first get reads the store.
  const observe = async (): Promise<SyncedCache<string>> => {
    const observer = await createCache<string>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      namespace: 'chaos',
      podId: 'observer',
    });
    caches.push(observer);
    return observer;
  };
  return { pods: created, synchronizers, observe };
}

describe('convergence under chaos', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    it(`every pod agrees with the store after heal (seed ${seed})`, async () => {
      const { pods: cluster, synchronizers, observe } = await pods(3, seed);
      for (const synchronizer of synchronizers) {
        synchronizer.configure({ drop: 0.2, duplicate: 0.2, reorder: 0.2, delayMs: 5 });
      }
      const random = mulberry32(seed);
      const keys = ['a', 'b', 'c'];
      await Promise.all(
        cluster.map(async (pod, p) => {
          for (let i = 0; i < 30; i++) {
            const key = keys[Math.floor(random() * keys.length)]!;
            const roll = random();
            if (roll < 0.5) await pod.set(key, `p${p}-${i}`);
            else if (roll < 0.65) await pod.setWithInvalidate(key, `p${p}-${i}i`);
            else if (roll < 0.75) await pod.delete(key);
            else if (roll < 0.78) await pod.clear();
            else await pod.get(key);
            if (p === 1 && i === 10) synchronizers[1]!.disconnect();
            if (p === 1 && i === 20) synchronizers[1]!.reconnect();
            // Let the bus deliver between writes (a macrotask), so events and writes interleave.
            if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
      const faults = (): number =>
        synchronizers.reduce(
          (sum, synchronizer) =>
            sum +
            synchronizer.counts.dropped +
            synchronizer.counts.duplicated +
            synchronizer.counts.reordered,
          0,
        );
      await waitForSync(() => faults() > 10, { message: 'the run really injected faults' });
      await Promise.all(synchronizers.map((synchronizer) => synchronizer.heal()));
      const observer = await observe();
      const truth = new Map<string, string | undefined>();
      for (const key of keys) truth.set(key, await observer.get(key));
      await waitForSync(
        () => {
          for (const [p, pod] of cluster.entries()) {
            for (const key of keys) {
              const local = pod.peek(key);
              if (local !== undefined) expect(local, `pod ${p} ${key}`).toBe(truth.get(key));
            }
          }
          return true;
        },
        { timeoutMs: 5000, message: `pods converge (seed ${seed})` },
      );
      for (const pod of cluster) for (const key of keys) expect(await pod.get(key)).toBe(truth.get(key));
    });
  }
});
