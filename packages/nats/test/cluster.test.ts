import { createCache, MemoryStore, type SyncedCache } from '@synced-cache/core';
import { type NatsCluster, startNatsCluster } from '@synced-cache/test-servers';
import { describeSyncedCache, waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsSynchronizer, type NatsSynchronizerOptions } from '../src/index.js';
import { clusterWide, randomName } from './helpers.js';

// Three nats-server nodes routed to each other; each pod talks to one node, so every event crosses
// a route.
let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

/** A synchronizer on node `index` whose subscriptions are known to every node when they resolve. */
function onNode(
  index: number,
  options: Omit<NatsSynchronizerOptions, 'servers'> = {},
  fallback: string[] = [],
) {
  const home = cluster.urls[index] as string;
  return clusterWide(
    createNatsSynchronizer({ ...options, servers: [home, ...fallback] }),
    home,
    cluster.urls.filter((url) => url !== home),
  );
}

let next = 0;
const store = new MemoryStore();
describeSyncedCache('nats cluster, each pod on another node', () => ({
  store,
  synchronizer: onNode(next++ % 3),
}));

describe('a node killed mid-run', () => {
  it('pods on the surviving nodes keep converging; the pod of the killed node fails over, resyncs and converges', async () => {
    const namespace = randomName('cluster');
    const shared = new MemoryStore();
    const pod = (index: number, fallback: string[] = []) =>
      createCache<number>({
        namespace,
        store: shared,
        // Nodes are dialled in the order listed: the third pod lives on node 2 until it dies.
        synchronizer: onNode(
          index,
          { healthCheckIntervalMs: 200, healthCheckTimeoutMs: 300, connectOptions: { noRandomize: true } },
          fallback,
        ),
        heartbeatMs: 200,
      });
    const pods: Array<SyncedCache<number>> = [
      await pod(0),
      await pod(1),
      await pod(2, [cluster.urls[0] as string]),
    ];
    const resyncs: string[] = [];
    pods[2]?.on('resync', (reason) => resyncs.push(reason));
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      const writeRound = async (round: number) => {
        await Promise.all(
          keys.map((key, i) => (pods[i % 3] as SyncedCache<number>).set(key, round).catch(() => undefined)),
        );
      };
      for (let round = 1; round <= 5; round++) await writeRound(round);
      for (const each of pods) await Promise.all(keys.map((key) => each.get(key)));
      // Kill node 2 while writes go on.
      const writing = (async () => {
        for (let round = 6; round <= 30; round++) await writeRound(round);
      })();
      await cluster.nodes[2]?.kill();
      await writing;
      await waitForSync(() => resyncs.length > 0, {
        message: 'the pod of the killed node resynced',
        timeoutMs: 15_000,
      });
      await writeRound(31);
      await waitForSync(
        async () => {
          for (const each of pods) {
            for (const key of keys) if ((await each.get(key)) !== 31) return false;
          }
          return true;
        },
        { message: 'every pod reads 31 for every key', timeoutMs: 15_000 },
      );
      // Values travel as events again: a fresh write reaches the failed-over pod's local tier.
      await pods[0]?.set('after', 1);
      await waitForSync(
        async () => {
          const hits = pods[2]?.stats().localHits ?? 0;
          return (await pods[2]?.get('after')) === 1 && (pods[2]?.stats().localHits ?? 0) > hits;
        },
        { message: 'the failed-over pod serves a new value from its local tier' },
      );
      expect(resyncs.length).toBeGreaterThan(0);
    } finally {
      await Promise.allSettled(pods.map((each) => each.close()));
      await cluster.nodes[2]?.restart();
    }
  }, 60_000);
});
