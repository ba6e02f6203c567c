import { keySlot } from '@synced-cache/redis-common';
import { type RedisCluster, redisCommand, startRedisCluster } from '@synced-cache/test-servers';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIoredisCache, createIoredisStore, createIoredisSynchronizer } from '../src/index.js';
import { eventually } from './helpers.js';

let cluster: RedisCluster;
let raw: Cluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  raw = new Cluster(cluster.nodes);
}, 60_000);
afterAll(async () => {
  raw?.disconnect();
  await cluster?.stop();
});

const bytes = (text: string) => new TextEncoder().encode(text);

async function dbsize(node: { host: string; port: number }): Promise<number> {
  return Number(await redisCommand(node.host, node.port, ['DBSIZE']));
}

describe('IoredisStore on Cluster', () => {
  it('clear runs on every master: namespace keys on all nodes become tombstones, other keys survive', async () => {
    const store = createIoredisStore({ cluster: cluster.nodes });
    try {
      const ns = `c${Math.random().toString(36).slice(2, 8)}:`;
      const keys = Array.from({ length: 60 }, (_, index) => `${ns}${index}`);
      const slots = new Set(keys.map((key) => keySlot(key)));
      expect(slots.size).toBeGreaterThan(30);
      for (const key of keys) await store.set(key, bytes(key));
      for (let index = 0; index < 30; index++) await raw.set(`other:${index}`, 'keep');
      for (const node of cluster.nodes) expect(await dbsize(node)).toBeGreaterThan(0);
      expect(await store.size(ns)).toBe(60);
      expect((await store.getMany(keys)).every((entry) => entry !== undefined)).toBe(true);
      const cleared = await store.clear(ns);
      expect(await store.size(ns)).toBe(0);
      expect((await store.getMany(keys)).every((entry) => entry === undefined)).toBe(true);
      for (let index = 0; index < 30; index++) expect(await raw.get(`other:${index}`)).toBe('keep');
      expect(await store.set(keys[0]!, bytes('again'))).toBeGreaterThan(0);
      expect(cleared).toBeGreaterThan(0);
      expect(store.capabilities.namespaceVersions).toBe(false);
      expect(await store.currentVersion()).toBeGreaterThanOrEqual(cleared);
    } finally {
      await store.close();
    }
  });

  it('uses sharded pub/sub on Cluster: the subscription lives on the slot owner as a shard channel', async () => {
    const synchronizer = createIoredisSynchronizer({ cluster: cluster.nodes });
    try {
      expect(synchronizer.sharded).toBe(true);
      const channel = `cache:invalidate:shard${Math.random().toString(36).slice(2, 8)}`;
      const received: string[] = [];
      const subscription = await synchronizer.subscribe(
        channel,
        (message) => received.push(Buffer.from(message).toString()),
        () => undefined,
      );
      const counts = await Promise.all(
        cluster.nodes.map((node) => redisCommand(node.host, node.port, ['PUBSUB', 'SHARDNUMSUB', channel])),
      );
      const subscribed = counts.map((reply) => Number((reply as [string, number])[1]));
      expect(subscribed.reduce((sum, count) => sum + count, 0)).toBe(1);
      await synchronizer.publish(channel, bytes('hello'));
      await eventually('received', () => received.length === 1);
      expect(received).toEqual(['hello']);
      await subscription.unsubscribe();
    } finally {
      await synchronizer.close();
    }
  });

  it('createIoredisCache works on Cluster end to end', async () => {
    const namespace = `cc${Math.random().toString(36).slice(2, 8)}`;
    const a = await createIoredisCache<string>({ cluster: cluster.nodes }, { namespace, podId: 'a' });
    const b = await createIoredisCache<string>({ cluster: cluster.nodes }, { namespace, podId: 'b' });
    try {
      await a.set('k', 'v');
      await eventually('b has k', () => b.peek('k') === 'v');
      await b.clear();
      await eventually('a cleared', () => a.peek('k') === undefined);
      expect(await a.get('k')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
  it('when the channel slot moves to another node, the subscription follows it (ioredis 6)', async () => {
    const synchronizer = createIoredisSynchronizer({ cluster: cluster.nodes }, { reconnectDelayMs: 20 });
    const publisher = createIoredisSynchronizer({ cluster: cluster.nodes });
    try {
      const channel = `cache:invalidate:move${Math.random().toString(36).slice(2, 8)}`;
      const slot = keySlot(channel);
      const received: string[] = [];
      const statuses: string[] = [];
      await synchronizer.subscribe(
        channel,
        (message) => received.push(Buffer.from(message).toString()),
        (status) => statuses.push(status),
      );
      await publisher.publish(channel, bytes('one'));
      await eventually('one', () => received.includes('one'));
      const ids = await Promise.all(
        cluster.nodes.map(async (node) =>
          String(await redisCommand(node.host, node.port, ['CLUSTER', 'MYID'])),
        ),
      );
      const ownerIndex = await (async () => {
        for (const [index, node] of cluster.nodes.entries()) {
          const reply = await redisCommand(node.host, node.port, [
            'CLUSTER',
            'COUNTKEYSINSLOT',
            String(slot),
          ]);
          if (typeof reply === 'number') {
            const shards = await redisCommand(node.host, node.port, ['CLUSTER', 'NODES']);
            const line = String(shards)
              .split('\n')
              .find((entry) => entry.includes('myself'))!;
            const ranges = line.split(' ').slice(8);
            if (
              ranges.some((range) => {
                const [from, to] = range.split('-').map(Number);
                return slot >= from! && slot <= (to ?? from)!;
              })
            ) {
              return index;
            }
          }
        }
        throw new Error('owner not found');
      })();
      const target = (ownerIndex + 1) % cluster.nodes.length;
      // the slot holds no keys, so it can be reassigned directly
      for (const node of cluster.nodes) {
        await redisCommand(node.host, node.port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', ids[target]!]);
      }
      await eventually('resubscribed at the new owner', () => statuses.includes('resubscribed'), 15_000);
      const counts = await Promise.all(
        cluster.nodes.map((node) => redisCommand(node.host, node.port, ['PUBSUB', 'SHARDNUMSUB', channel])),
      );
      expect(Number((counts[target] as [string, number])[1])).toBe(1);
      await eventually(
        'two arrives',
        async () => {
          await publisher.publish(channel, bytes('two')).catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return received.includes('two');
        },
        15_000,
      );
    } finally {
      await synchronizer.close();
      await publisher.close();
    }
  });
});
