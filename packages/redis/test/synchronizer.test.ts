import type { Synchronizer, SynchronizerStatus } from '@synced-cache/core';
import { CacheClosedError, SynchronizerError, TimeoutError } from '@synced-cache/core';
import {
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '@synced-cache/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSynchronizer } from '../src/index.js';
import { adminClient, majors, randomPrefix } from './helpers.js';

let server: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop()]);
});

/** Polls until `condition` holds (bounded; no fixed sleeps). */
async function until(condition: () => boolean, message: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Received {
  messages: Buffer[];
  statuses: SynchronizerStatus[];
}

async function listen(
  synchronizer: Synchronizer,
  channel: string,
): Promise<Received & { unsubscribe(): Promise<void> }> {
  const received: Received = { messages: [], statuses: [] };
  const subscription = await synchronizer.subscribe(
    channel,
    (message) => received.messages.push(Buffer.from(message)),
    (status) => received.statuses.push(status),
  );
  return Object.assign(received, { unsubscribe: () => subscription.unsubscribe() });
}

const clusterUrl = () => `redis://127.0.0.1:${cluster.nodes[0]?.port}`;

for (const major of majors) {
  describe(`${major.name} standalone`, () => {
    it('delivers bytes exactly, in order, once the subscription resolved', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const publisher = createRedisSynchronizer(client);
      const subscriber = createRedisSynchronizer(client);
      const channel = `${randomPrefix('ch')}events`;
      const received = await listen(subscriber, channel);
      const payloads = Array.from({ length: 100 }, (_, index) => Buffer.from([index, 0, 255, 10, index]));
      for (const payload of payloads) await publisher.publish(channel, payload);
      await until(() => received.messages.length === payloads.length, 'all messages');
      expect(received.messages).toEqual(payloads);
      expect(received.statuses).toEqual(['up']);
      await received.unsubscribe();
      await publisher.publish(channel, Buffer.from('after'));
      await publisher.close();
      await subscriber.close();
      expect(client.isOpen).toBe(true);
      await client.close();
    });

    it("reports 'down' then 'resubscribed' after CLIENT KILL TYPE pubsub, and receives again", async () => {
      const admin = await adminClient(server.url);
      const client = major.createClient({ url: server.url });
      await client.connect();
      const synchronizer = createRedisSynchronizer(client);
      const channel = `${randomPrefix('ch')}kill`;
      const received = await listen(synchronizer, channel);
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
      await until(() => received.statuses.includes('resubscribed'), 'resubscribed status');
      expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
      await synchronizer.publish(channel, Buffer.from('again'));
      await until(() => received.messages.length === 1, 'message after resubscribe');
      await synchronizer.close();
      await client.close();
      await admin.close();
    });
  });

  describe(`${major.name} cluster`, () => {
    for (const sharded of [true, false]) {
      it(`delivers across pods with ${sharded ? 'sharded (SSUBSCRIBE)' : 'plain'} pub/sub on channels of every shard`, async () => {
        const first = major.createCluster({ rootNodes: [{ url: clusterUrl() }] });
        const second = major.createCluster({ rootNodes: [{ url: clusterUrl() }] });
        first.on('error', () => undefined);
        second.on('error', () => undefined);
        await Promise.all([first.connect(), second.connect()]);
        const publisher = createRedisSynchronizer(first, { sharded });
        const subscriber = createRedisSynchronizer(second, { sharded });
        const base = randomPrefix('cch');
        const channels = Array.from({ length: 6 }, (_, index) => `${base}${index}`);
        const listeners = await Promise.all(channels.map((channel) => listen(subscriber, channel)));
        // The subscriptions really are of the requested kind: count them on every node.
        let shardSubscriptions = 0;
        let plainSubscriptions = 0;
        for (const node of cluster.nodes) {
          const admin = await adminClient(`redis://${node.host}:${node.port}`);
          const shard = (await admin.sendCommand(['PUBSUB', 'SHARDNUMSUB', ...channels])) as unknown[];
          const plain = (await admin.sendCommand(['PUBSUB', 'NUMSUB', ...channels])) as unknown[];
          for (let index = 1; index < shard.length; index += 2) shardSubscriptions += Number(shard[index]);
          for (let index = 1; index < plain.length; index += 2) plainSubscriptions += Number(plain[index]);
          await admin.close();
        }
        expect(sharded ? shardSubscriptions : plainSubscriptions).toBe(channels.length);
        expect(sharded ? plainSubscriptions : shardSubscriptions).toBe(0);
        for (const [index, channel] of channels.entries())
          await publisher.publish(channel, Buffer.from([index]));
        await until(
          () => listeners.every((listener) => listener.messages.length === 1),
          'one message per channel',
        );
        expect(listeners.map((listener) => listener.messages[0]?.[0])).toEqual(
          channels.map((_, index) => index),
        );
        await publisher.close();
        await subscriber.close();
        await Promise.all([first.close(), second.close()]);
      });
    }

    it("follows a sharded channel whose slot moves to another master: 'down', then 'resubscribed', then delivers", async () => {
      const subscriberCluster = major.createCluster({ rootNodes: [{ url: clusterUrl() }] });
      const publisherCluster = major.createCluster({ rootNodes: [{ url: clusterUrl() }] });
      subscriberCluster.on('error', () => undefined);
      publisherCluster.on('error', () => undefined);
      await Promise.all([subscriberCluster.connect(), publisherCluster.connect()]);
      const subscriber = createRedisSynchronizer(subscriberCluster);
      const publisher = createRedisSynchronizer(publisherCluster);
      const channel = `${randomPrefix('move')}channel`;
      const received = await listen(subscriber, channel);
      await publisher.publish(channel, Buffer.from('before'));
      await until(() => received.messages.length === 1, 'message before the move');

      // Move the channel's (key-less) slot to another master: CLUSTER SETSLOT … NODE on every node.
      const slot = Number(
        await subscriberCluster.sendCommand(undefined, true, ['CLUSTER', 'KEYSLOT', channel]),
      );
      const admins = await Promise.all(
        cluster.nodes.map((node) => adminClient(`redis://${node.host}:${node.port}`)),
      );
      const ids = await Promise.all(
        admins.map(async (admin) => String(await admin.sendCommand(['CLUSTER', 'MYID']))),
      );
      const ownerReply = (await admins[0]?.sendCommand(['CLUSTER', 'SLOTS'])) as Array<
        [number, number, [string, number, string]]
      >;
      const ownerId = String(
        ownerReply.find(([from, to]) => Number(from) <= slot && slot <= Number(to))?.[2][2],
      );
      const targetIndex = ids.findIndex((id) => id !== ownerId);
      const target = ids[targetIndex] as string;
      const order = [targetIndex, ids.indexOf(ownerId), ...ids.keys()].filter(
        (index, at, all) => all.indexOf(index) === at,
      );
      for (const index of order)
        await admins[index]?.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'NODE', target]);
      await Promise.all(admins.map((admin) => admin.close()));

      await until(() => received.statuses.includes('resubscribed'), 'resubscribed after the move', 10_000);
      expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
      // The publisher's Cluster client follows MOVED by itself; the subscriber now listens on the new owner.
      await publisher.publish(channel, Buffer.from('after'));
      await until(() => received.messages.length === 2, 'message after the move');
      expect(received.messages.map(String)).toEqual(['before', 'after']);
      await publisher.close();
      await subscriber.close();
      await Promise.all([subscriberCluster.close(), publisherCluster.close()]);
    });

    it("reports 'resubscribed' after the shard's subscriber connection is killed", async () => {
      const clusterClient = major.createCluster({ rootNodes: [{ url: clusterUrl() }] });
      clusterClient.on('error', () => undefined);
      await clusterClient.connect();
      const synchronizer = createRedisSynchronizer(clusterClient);
      const channel = `${randomPrefix('cch')}kill`;
      const received = await listen(synchronizer, channel);
      for (const node of cluster.nodes) {
        const admin = await adminClient(`redis://${node.host}:${node.port}`);
        await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
        await admin.close();
      }
      await until(() => received.statuses.includes('resubscribed'), 'resubscribed status');
      await synchronizer.publish(channel, Buffer.from('x'));
      await until(() => received.messages.length === 1, 'message after resubscribe');
      await synchronizer.close();
      await clusterClient.close();
    });
  });
}

describe('owned connections and errors', () => {
  it('publish after close rejects with CacheClosedError; close is idempotent', async () => {
    const synchronizer = createRedisSynchronizer(server.url);
    const channel = `${randomPrefix('ch')}closed`;
    await listen(synchronizer, channel);
    await synchronizer.close();
    await synchronizer.close();
    await expect(synchronizer.publish(channel, Buffer.from('x'))).rejects.toSatisfy(
      CacheClosedError.isInstance,
    );
  });

  it('publish fails with a typed error within the timeout when Redis is down', async () => {
    const own = await startRedis();
    const synchronizer = createRedisSynchronizer(own.url, { commandTimeoutMs: 300 });
    const channel = `${randomPrefix('ch')}down`;
    const received = await listen(synchronizer, channel);
    await own.kill();
    const started = Date.now();
    const error = await synchronizer.publish(channel, Buffer.from('x')).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(SynchronizerError.isInstance(error) || TimeoutError.isInstance(error)).toBe(true);
    await until(() => received.statuses.includes('down'), 'down status');
    await own.restart();
    await until(() => received.statuses.includes('resubscribed'), 'resubscribed status', 10_000);
    await synchronizer.close();
    await own.stop();
  });
});
