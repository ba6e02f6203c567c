import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SynchronizerStatus } from '@synced-cache/core';
import { findBinary, type RedisServer, redisCommand, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSynchronizer } from '../src/index.js';
import { majors, randomPrefix } from './helpers.js';

const run = promisify(execFile);
let nodes: RedisServer[] = [];

/** A 3-master, 3-replica Cluster with a short node timeout, so a killed master fails over fast. */
beforeAll(async () => {
  nodes = await Promise.all(
    Array.from({ length: 6 }, () =>
      startRedis({
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '1000',
          // Replicas of a just-created cluster may not count as in sync yet; let them fail over anyway.
          '--cluster-replica-validity-factor',
          '0',
        ],
      }),
    ),
  );
  await run(findBinary('redis-cli'), [
    '--cluster',
    'create',
    ...nodes.map((node) => `${node.host}:${node.port}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  await waitForSync(
    async () => {
      for (const node of nodes) {
        const info = String(await redisCommand(node.host, node.port, ['CLUSTER', 'INFO']));
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_known_nodes:6')) return false;
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: 'cluster with replicas formed' },
  );
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(nodes.map((node) => node.stop()));
});

/** The server currently owning `slot` as a master. */
async function ownerOf(slot: number): Promise<RedisServer> {
  for (const node of nodes) {
    try {
      const slots = (await redisCommand(node.host, node.port, ['CLUSTER', 'SLOTS'])) as Array<
        [number, number, [string, number]]
      >;
      const range = slots.find(([from, to]) => Number(from) <= slot && slot <= Number(to));
      const port = Number(range?.[2][1]);
      const owner = nodes.find((candidate) => candidate.port === port);
      if (owner !== undefined) return owner;
    } catch {
      // a killed node: ask the next one
    }
  }
  throw new Error(`no owner of slot ${slot}`);
}

for (const major of majors) {
  describe(`${major.name} Cluster failover`, () => {
    it("a sharded subscription whose master dies reports 'down', then 'resubscribed' on the promoted replica", {
      timeout: 60_000,
    }, async () => {
      const rootNodes = nodes.map((node) => ({ url: node.url }));
      const subscriberCluster = major.createCluster({ rootNodes });
      const publisherCluster = major.createCluster({ rootNodes });
      subscriberCluster.on('error', () => undefined);
      publisherCluster.on('error', () => undefined);
      await Promise.all([subscriberCluster.connect(), publisherCluster.connect()]);
      const subscriber = createRedisSynchronizer(subscriberCluster, { commandTimeoutMs: 500 });
      const publisher = createRedisSynchronizer(publisherCluster, { commandTimeoutMs: 500 });
      const channel = `${randomPrefix('failover')}channel`;
      const statuses: SynchronizerStatus[] = [];
      const messages: string[] = [];
      await subscriber.subscribe(
        channel,
        (message) => messages.push(Buffer.from(message).toString()),
        (status) => statuses.push(status),
      );
      const slot = Number(
        await subscriberCluster.sendCommand(undefined, true, ['CLUSTER', 'KEYSLOT', channel]),
      );
      const owner = await ownerOf(slot);
      await owner.kill();
      await waitForSync(() => statuses.includes('resubscribed'), {
        timeoutMs: 30_000,
        intervalMs: 50,
        message: 'resubscribed after the failover',
      });
      expect(statuses.slice(0, 2)).toEqual(['up', 'down']);
      expect((await ownerOf(slot)).port).not.toBe(owner.port);
      await waitForSync(
        async () => {
          await publisher.publish(channel, Buffer.from('after')).catch(() => undefined);
          return messages.includes('after');
        },
        { timeoutMs: 15_000, intervalMs: 200, message: 'message after the failover' },
      );
      await publisher.close();
      await subscriber.close();
      await Promise.allSettled([subscriberCluster.close(), publisherCluster.close()]);
      await owner.restart();
    });
  });
}
