import type { Stats, Store, SyncedCache, SyncedCacheOptions, Synchronizer } from '@synced-cache/core';
import { CacheClosedError, createCache } from '@synced-cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { randomId } from './random.js';
import { waitForSync } from './wait-for-sync.js';

/** The adapters of one pod, as returned by the `createAdapters` callback of {@link describeSyncedCache}. */
export interface PodAdapters {
  /** A store connection to the shared backend. */
  store: Store;
  /** A synchronizer connection to the shared bus. */
  synchronizer: Synchronizer;
}

/** Options of {@link describeSyncedCache}. */
export interface SyncedCacheSuiteOptions {
  /** Number of pods per test (at least 2). @default 3 */
  pods?: number;
  /** How long to wait for an event to propagate before a test fails, in ms. @default 5000 */
  timeoutMs?: number;
  /**
   * Extra options for every pod's `createCache` call, applied last (so they override the suite's
   * random namespace and `pod-<i>` ids — normally leave those alone).
   */
  cacheOptions?: Partial<SyncedCacheOptions<unknown>>;
}

/** @internal What a multi-pod check receives. */
export interface SyncedCacheCheckContext {
  /** The pods of this test, all on one random namespace. */
  pods: Array<SyncedCache<unknown>>;
  /** The random namespace of this test. */
  namespace: string;
  /** Starts one more pod (closed after the test), by default on the test's namespace. */
  addPod(options?: { namespace?: string; podId?: string }): Promise<SyncedCache<unknown>>;
  /** How long to wait for propagation. */
  timeoutMs: number;
}

/** @internal One behaviour of the multi-pod suite. */
export interface SyncedCacheCheck {
  name: string;
  run(context: SyncedCacheCheckContext): Promise<void>;
}

/** Waits until every listed pod's local tier holds `expected` (deep equality) for `key`. */
async function everyPeek(
  pods: Array<SyncedCache<unknown>>,
  key: string,
  expected: unknown,
  what: string,
  timeoutMs: number,
): Promise<void> {
  await waitForSync(
    () => {
      pods.forEach((pod, i) => {
        expect(pod.peek(key), `pod ${i} peek(${key})`).toEqual(expected);
      });
      return true;
    },
    { timeoutMs, message: what },
  );
}

function counters(stats: Stats): Pick<Stats, 'localHits' | 'localMisses' | 'remoteHits' | 'remoteMisses'> {
  return {
    localHits: stats.localHits,
    localMisses: stats.localMisses,
    remoteHits: stats.remoteHits,
    remoteMisses: stats.remoteMisses,
  };
}

function delta(
  before: Stats,
  after: Stats,
): Pick<Stats, 'localHits' | 'localMisses' | 'remoteHits' | 'remoteMisses'> {
  return {
    localHits: after.localHits - before.localHits,
    localMisses: after.localMisses - before.localMisses,
    remoteHits: after.remoteHits - before.remoteHits,
    remoteMisses: after.remoteMisses - before.remoteMisses,
  };
}

async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** @internal The behaviours of {@link describeSyncedCache}, callable one by one. */
export const syncedCacheChecks: SyncedCacheCheck[] = [
  {
    name: 'a set on pod 0 is visible via get on every pod',
    async run({ pods }) {
      const value = { name: 'Ada', tags: ['math'], born: 1815 };
      await pods[0]!.set('user:1', value);
      expect(pods[0]!.peek('user:1'), 'the writer holds the value locally right away').toEqual(value);
      for (const [i, pod] of pods.entries()) expect(await pod.get('user:1'), `pod ${i}`).toEqual(value);
    },
  },
  {
    name: "a set propagates into the other pods' local tier without a store read",
    async run({ pods, timeoutMs }) {
      const before = pods.map((pod) => pod.stats());
      await pods[0]!.set('k', 'propagated');
      await everyPeek(pods, 'k', 'propagated', 'the value reaches every local tier', timeoutMs);
      for (const [i, pod] of pods.entries()) {
        if (i === 0) continue;
        expect(await pod.get('k')).toBe('propagated');
        const change = delta(before[i]!, pod.stats());
        expect(change.remoteHits, `pod ${i} read the store`).toBe(0);
        expect(change.remoteMisses, `pod ${i} read the store`).toBe(0);
        expect(change.localHits, `pod ${i} served the get locally`).toBe(1);
      }
    },
  },
  {
    name: 'setWithInvalidate makes the other pods drop their copy and refetch the new value',
    async run({ pods, timeoutMs }) {
      await pods[0]!.set('k', 'v1');
      await everyPeek(pods, 'k', 'v1', 'v1 reaches every pod', timeoutMs);
      const before = pods.map((pod) => pod.stats());
      await pods[0]!.setWithInvalidate('k', 'v2');
      expect(pods[0]!.peek('k'), 'the writer holds its new value').toBe('v2');
      await everyPeek(pods.slice(1), 'k', undefined, 'the other pods drop v1', timeoutMs);
      for (const [i, pod] of pods.entries()) {
        if (i === 0) continue;
        expect(await pod.get('k'), `pod ${i}`).toBe('v2');
        expect(delta(before[i]!, pod.stats()).remoteHits, `pod ${i} refetched from the store`).toBe(1);
        expect(pod.peek('k')).toBe('v2');
      }
    },
  },
  {
    name: 'delete removes the key everywhere, and a later set propagates again',
    async run({ pods, timeoutMs }) {
      await pods[0]!.set('k', 'v1');
      await everyPeek(pods, 'k', 'v1', 'v1 reaches every pod', timeoutMs);
      const deleter = pods[1]!;
      await deleter.delete('k');
      await everyPeek(pods, 'k', undefined, 'every pod drops the deleted key', timeoutMs);
      for (const [i, pod] of pods.entries()) expect(await pod.get('k'), `pod ${i}`).toBeUndefined();
      await pods[pods.length - 1]!.set('k', 'v2');
      await everyPeek(pods, 'k', 'v2', 'a set after the delete reaches every pod', timeoutMs);
    },
  },
  {
    name: 'setMany, getOrSetMany and deleteMany: 50 keys reach every pod, one loader call, removed everywhere',
    async run({ pods, timeoutMs }) {
      const keys = Array.from({ length: 50 }, (_, i) => `batch:${i}`);
      await pods[0]!.setMany(keys.slice(0, 25).map((key) => [key, `set ${key}`] as const));
      for (const key of keys.slice(0, 25))
        await everyPeek(pods, key, `set ${key}`, `${key} reaches every pod`, timeoutMs);
      const asked: string[][] = [];
      const values = await pods[1]!.getOrSetMany(keys, async (missing) => {
        asked.push(missing);
        return missing.map((key) => `loaded ${key}`);
      });
      expect(asked, 'one loader call, for the 25 keys no tier held').toEqual([keys.slice(25)]);
      expect(values).toEqual(keys.map((key, i) => (i < 25 ? `set ${key}` : `loaded ${key}`)));
      for (const [i, pod] of pods.entries()) {
        if (i === 1) continue;
        expect(await pod.get(keys[49]!), `pod ${i} reads the loaded value`).toBe(`loaded ${keys[49]}`);
      }
      await pods[2 % pods.length]!.deleteMany(keys);
      // Events of concurrent writes may arrive in any order (on a Cluster, through different nodes).
      for (const key of keys)
        await everyPeek(pods, key, undefined, `${key} is deleted everywhere`, timeoutMs);
      for (const pod of pods) expect(await pod.getMany(keys)).toEqual(keys.map(() => undefined));
    },
  },
  {
    name: 'clear removes the namespace everywhere; other namespaces survive; later sets propagate',
    async run({ pods, addPod, timeoutMs }) {
      const neighbour = await addPod({ namespace: `other-${randomId(6)}`, podId: 'pod-neighbour' });
      await neighbour.set('a', 'neighbour value');
      for (const key of ['a', 'b', 'c']) await pods[0]!.set(key, `value ${key}`);
      for (const key of ['a', 'b', 'c'])
        await everyPeek(pods, key, `value ${key}`, `${key} reaches every pod`, timeoutMs);
      await pods[1]!.clear();
      for (const key of ['a', 'b', 'c'])
        await everyPeek(pods, key, undefined, `${key} is cleared on every pod`, timeoutMs);
      for (const pod of pods) for (const key of ['a', 'b', 'c']) expect(await pod.get(key)).toBeUndefined();
      expect(neighbour.peek('a'), 'the other namespace keeps its local entry').toBe('neighbour value');
      expect(await neighbour.get('a')).toBe('neighbour value');
      await pods[2 % pods.length]!.set('a', 'after clear');
      await everyPeek(pods, 'a', 'after clear', 'a set after the clear reaches every pod', timeoutMs);
    },
  },
  {
    name: 'a value too large to travel on the bus reaches the other pods through the store',
    async run({ pods, timeoutMs }) {
      await pods[0]!.set('big', 'small');
      await everyPeek(pods, 'big', 'small', 'the small value reaches every pod', timeoutMs);
      // Far above the default maxEventValueBytes (64 KiB): sent as an invalidation, read from the store.
      const big = `${'0123456789abcdef'.repeat(20_000)}!`;
      await pods[0]!.set('big', big);
      await waitForSync(() => pods.every((pod) => pod.peek('big') !== 'small'), {
        timeoutMs,
        message: 'every pod drops or replaces the small value',
      });
      for (const [i, pod] of pods.entries()) expect(await pod.get('big'), `pod ${i}`).toBe(big);
    },
  },
  {
    name: 'a ttlMs expires on every pod (local copies never outlive the store entry)',
    async run({ pods, timeoutMs }) {
      await pods[0]!.set('short', 'lived', { ttlMs: 1000 });
      await everyPeek(pods, 'short', 'lived', 'the value reaches every pod', timeoutMs);
      await waitForSync(
        async () => {
          for (const pod of pods) if ((await pod.get('short')) !== undefined) return false;
          return true;
        },
        { timeoutMs: timeoutMs + 1000, message: 'the 1000 ms entry expires on every pod' },
      );
      for (const [i, pod] of pods.entries()) expect(pod.peek('short'), `pod ${i}`).toBeUndefined();
    },
  },
  {
    name: 'concurrent writers on one key converge to the store value',
    async run({ pods, addPod, timeoutMs }) {
      for (let round = 0; round < 5; round++) {
        const key = `hot-${round}`;
        await Promise.all(
          pods.map(async (pod, p) => {
            for (let i = 0; i < 20; i++) {
              const step = (i * 7 + p * 3 + round) % 10;
              if (step < 7) await pod.set(key, `pod${p}-write${i}`);
              else if (step < 9) await pod.setWithInvalidate(key, `pod${p}-inval${i}`);
              else await pod.delete(key);
              // Reads in between exercise fills racing with events.
              if (i % 4 === 0) await pod.get(key);
            }
          }),
        );
        const observer = await addPod({ podId: `pod-observer-${round}` });
        const truth = await observer.get(key);
        await waitForSync(
          () => {
            pods.forEach((pod, i) => {
              const local = pod.peek(key);
              if (local !== undefined) expect(local, `pod ${i} peek(${key}) vs store`).toEqual(truth);
            });
            return true;
          },
          { timeoutMs, message: `every pod converges on ${key}` },
        );
        for (const [i, pod] of pods.entries())
          expect(await pod.get(key), `pod ${i} get(${key})`).toEqual(truth);
      }
    },
  },
  {
    name: 'getOrSet runs the loader once per pod under 50 concurrent calls',
    async run({ pods }) {
      const calls = pods.map(() => 0);
      const results = await Promise.all(
        pods.map((pod, p) =>
          Promise.all(
            Array.from({ length: 50 }, () =>
              pod.getOrSet(`own-${p}`, async () => {
                calls[p]!++;
                await new Promise((resolve) => setTimeout(resolve, 5));
                return `loaded by pod ${p}`;
              }),
            ),
          ),
        ),
      );
      pods.forEach((_, p) => {
        expect(calls[p], `loader calls on pod ${p}`).toBe(1);
        expect(new Set(results[p]), `results on pod ${p}`).toEqual(new Set([`loaded by pod ${p}`]));
      });
      const sharedCalls = pods.map(() => 0);
      const shared = await Promise.all(
        pods.map((pod, p) =>
          Promise.all(
            Array.from({ length: 50 }, () =>
              pod.getOrSet('shared', async () => {
                sharedCalls[p]!++;
                await new Promise((resolve) => setTimeout(resolve, 5));
                return `shared from pod ${p}`;
              }),
            ),
          ),
        ),
      );
      pods.forEach((_, p) => {
        expect(sharedCalls[p], `loader calls for the shared key on pod ${p}`).toBeLessThanOrEqual(1);
        expect(new Set(shared[p]).size, `pod ${p} returns one value to all its callers`).toBe(1);
      });
      expect(sharedCalls.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'stats count localHits, localMisses, remoteHits, remoteMisses and invalidations',
    async run({ pods, timeoutMs }) {
      const [writer, reader] = [pods[0]!, pods[1]!];
      let before = reader.stats();
      expect(await reader.get('k')).toBeUndefined();
      expect(delta(before, reader.stats()), 'a get of a missing key').toEqual({
        localHits: 0,
        localMisses: 1,
        remoteHits: 0,
        remoteMisses: 1,
      });
      await writer.set('k', 'v1');
      await everyPeek([reader], 'k', 'v1', 'v1 reaches the reader', timeoutMs);
      before = reader.stats();
      expect(await reader.get('k')).toBe('v1');
      expect(delta(before, reader.stats()), 'a local hit').toEqual({
        localHits: 1,
        localMisses: 0,
        remoteHits: 0,
        remoteMisses: 0,
      });
      expect(reader.stats().localSize).toBeGreaterThanOrEqual(1);
      const invalidationsBefore = reader.stats().invalidations;
      await writer.setWithInvalidate('k', 'v2');
      await everyPeek([reader], 'k', undefined, 'the reader drops v1', timeoutMs);
      expect(reader.stats().invalidations, 'the dropped copy counts as an invalidation').toBe(
        invalidationsBefore + 1,
      );
      before = reader.stats();
      expect(await reader.get('k')).toBe('v2');
      expect(delta(before, reader.stats()), 'a local miss served by the store').toEqual({
        localHits: 0,
        localMisses: 1,
        remoteHits: 1,
        remoteMisses: 0,
      });
      expect(counters(writer.stats()).remoteMisses, 'the writer never read the store').toBe(0);
    },
  },
  {
    name: 'after close every method rejects with CacheClosedError, close is idempotent, other pods go on',
    async run({ pods, timeoutMs }) {
      const closing = pods[0]!;
      await closing.set('k', 'before close');
      await closing.close();
      await expect(closing.close()).resolves.toBeUndefined();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => closing.get('k')],
        ['set', () => closing.set('k', 'x')],
        ['setWithInvalidate', () => closing.setWithInvalidate('k', 'x')],
        ['delete', () => closing.delete('k')],
        ['clear', () => closing.clear()],
        ['getOrSet', () => closing.getOrSet('k', () => 'x')],
      ];
      for (const [method, call] of calls) {
        const error = await rejection(call);
        expect(
          CacheClosedError.isInstance(error),
          `${method} after close rejects with CacheClosedError, got ${String(error)}`,
        ).toBe(true);
      }
      const others = pods.slice(1);
      await others[0]!.set('k2', 'still working');
      await everyPeek(others, 'k2', 'still working', 'the remaining pods keep syncing', timeoutMs);
    },
  },
];

/**
 * Registers the multi-pod conformance suite: N pods (each with its own store and synchronizer
 * connection from `createAdapters`, on one backend) built with core's `createCache` on a random
 * namespace per test. Behaviours: visibility on every pod, propagation into local tiers without
 * store reads, `setWithInvalidate`, `delete`, `clear` (other namespaces survive), convergence of
 * concurrent writers, `getOrSet` singleflight per pod, stats, and `CacheClosedError` after close.
 *
 * @param name - shown in the test report
 * @param createAdapters - called once per pod; return a fresh store and synchronizer connection
 * @param options - see {@link SyncedCacheSuiteOptions}
 * @example
 * ```ts
 * import { describeSyncedCache } from '@synced-cache/testing';
 * import { createIoredisStore, createIoredisSynchronizer } from '@synced-cache/ioredis';
 *
 * describeSyncedCache('ioredis', () => ({
 *   store: createIoredisStore({ url: server.url }),
 *   synchronizer: createIoredisSynchronizer({ url: server.url }),
 * }));
 * ```
 */
export function describeSyncedCache(
  name: string,
  createAdapters: () => PodAdapters | Promise<PodAdapters>,
  options: SyncedCacheSuiteOptions = {},
): void {
  const podCount = options.pods ?? 3;
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(podCount) || podCount < 2) {
    throw new Error(`describeSyncedCache: pods must be an integer ≥ 2, got ${String(options.pods)}`);
  }
  describe(`SyncedCache conformance: ${name} (${podCount} pods)`, () => {
    const opened: Array<SyncedCache<unknown>> = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((pod) => pod.close()));
    });
    for (const check of syncedCacheChecks) {
      it(
        check.name,
        async () => {
          const namespace = `ns-${randomId()}`;
          const gaps: string[] = [];
          let started = false;
          let extra = 0;
          const addPod = async (
            pod: { namespace?: string; podId?: string } = {},
          ): Promise<SyncedCache<unknown>> => {
            const adapters = await createAdapters();
            const cache = await createCache<unknown>({
              store: adapters.store,
              synchronizer: adapters.synchronizer,
              namespace: pod.namespace ?? namespace,
              podId: pod.podId ?? `pod-extra-${extra++}`,
              // No heartbeats: a heartbeat reveals a lost event and the resync that follows would
              // repair the pods, so an adapter that drops events could still pass.
              heartbeatMs: 0,
              ...options.cacheOptions,
            });
            // On a healthy backend no event is ever missing: for the pods that exist before any
            // write, a gap means the adapter lost or reordered one (the resync would hide it). A
            // pod added later legitimately sees one on first contact with a peer that published.
            if (!started) {
              cache.on('resync', (reason) => {
                if (reason === 'gap') gaps.push(cache.podId);
              });
            }
            opened.push(cache);
            return cache;
          };
          const pods: Array<SyncedCache<unknown>> = [];
          for (let i = 0; i < podCount; i++) pods.push(await addPod({ podId: `pod-${i}` }));
          started = true;
          await check.run({ pods, namespace, addPod, timeoutMs });
          expect(gaps, 'pods that saw a gap in a peer event numbering (a lost or reordered event)').toEqual(
            [],
          );
        },
        timeoutMs * 4 + 10_000,
      );
    }
  });
}
