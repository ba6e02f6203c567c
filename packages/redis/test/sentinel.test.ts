import type { SynchronizerStatus } from '@synced-cache/core';
import { type RedisSentinelSetup, startRedisSentinel } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, createRedisStore, createRedisSynchronizer } from '../src/index.js';
import {
  adminClient,
  majors,
  randomPrefix,
  topologyClient,
  watchCommands,
  watchPublishes,
} from './helpers.js';

let setup: RedisSentinelSetup;

beforeAll(async () => {
  setup = await startRedisSentinel();
}, 60_000);

afterAll(async () => {
  await setup?.stop();
});

const masterUrl = () => `redis://${setup.master.host}:${setup.master.port}`;

for (const major of majors) {
  describe(`${major.name} Sentinel`, () => {
    it("reports 'down' and then 'resubscribed' when its pub/sub connection is killed, and receives again", async () => {
      const sentinel = await topologyClient(major, 'sentinel', setup);
      const synchronizer = createRedisSynchronizer(sentinel, { probeIntervalMs: 50 });
      const channel = `${randomPrefix('sch')}kill`;
      const statuses: SynchronizerStatus[] = [];
      const messages: Buffer[] = [];
      await synchronizer.subscribe(
        channel,
        (message) => messages.push(Buffer.from(message)),
        (status) => statuses.push(status),
      );
      await synchronizer.publish(channel, Buffer.from('one'));
      await waitForSync(() => messages.length === 1, { message: 'first message' });
      const admin = await adminClient(masterUrl());
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
      await admin.close();
      await waitForSync(() => statuses.includes('resubscribed'), {
        timeoutMs: 10_000,
        message: 'resubscribed',
      });
      expect(statuses).toEqual(['up', 'down', 'resubscribed']);
      await synchronizer.publish(channel, Buffer.from('two'));
      await waitForSync(() => messages.length === 2, { message: 'message after resubscribe' });
      await synchronizer.close();
      await (sentinel as { close(): Promise<void> }).close();
    });

    it('the store publishes for a synchronizer on the same Sentinel object only', async () => {
      const sentinel = await topologyClient(major, 'sentinel', setup);
      const other = await topologyClient(major, 'sentinel', setup);
      const store = createRedisStore(sentinel);
      const same = createRedisSynchronizer(sentinel);
      const onOther = createRedisSynchronizer(other);
      expect(store.publishesTo?.(same)).toBe(true);
      expect(store.publishesTo?.(onOther)).toBe(false);
      await Promise.all([store.close(), same.close(), onOther.close()]);
      await Promise.all([sentinel, other].map((client) => (client as { close(): Promise<void> }).close()));
    });
  });
}

describe('owned Sentinel connection', () => {
  it('connects from sentinelOptions, writes to the master and closes what it created', async () => {
    const sentinelOptions = {
      name: setup.masterName,
      sentinelRootNodes: setup.sentinels.map((node) => ({ host: node.host, port: node.port })),
    };
    const store = createRedisStore({ sentinelOptions });
    const key = `${randomPrefix()}sentinel`;
    const version = await store.set(key, new Uint8Array([1, 2, 3]));
    const admin = await adminClient(masterUrl());
    expect(((await admin.sendCommand(['GETRANGE', key, '0', '0'])) as string).charCodeAt(0)).toBe(1);
    await admin.close();
    expect((await store.get(key))?.version).toBe(version);
    expect(await store.currentVersion?.()).toBeGreaterThanOrEqual(version);
    await store.close();

    const namespace = randomPrefix('sns').slice(0, -1);
    // createRedisCache shares one Sentinel object between store and synchronizer, so each write's
    // event leaves from the write script on the master.
    const watch = await watchPublishes(masterUrl(), namespace);
    const first = await createRedisCache<string>(
      { sentinelOptions },
      { namespace, podId: 'a', heartbeatMs: 0 },
    );
    const second = await createRedisCache<string>(
      { sentinelOptions },
      { namespace, podId: 'b', heartbeatMs: 0 },
    );
    await first.set('k', 'v');
    await waitForSync(() => second.peek('k') === 'v', { message: 'set propagates through Sentinel' });
    await second.delete('k');
    await waitForSync(() => first.peek('k') === undefined, { message: 'delete propagates through Sentinel' });
    await waitForSync(() => watch.sources.length >= 2, { message: 'monitor saw both publishes' });
    expect(watch.sources).toEqual(['script', 'script']);
    await watch.stop();
    await first.close();
    await second.close();
  });
});

// Last in the file: each failover swaps master and replica for the tests after it.
describe('Sentinel failover and plain reads', () => {
  for (const major of majors) {
    it(`${major.name}: plain GET / MGET on the master once sampled, the script after a failover until re-sampled`, {
      timeout: 60_000,
    }, async () => {
      const sentinel = await topologyClient(major, 'sentinel', setup);
      const send = (args: string[]) =>
        (
          sentinel as unknown as { sendCommand(readonly: boolean, args: string[]): Promise<unknown> }
        ).sendCommand(false, args);
      const servedBy = async () => /tcp_port:(\d+)/.exec(String(await send(['INFO', 'server'])))?.[1];
      const store = createRedisStore(sentinel);
      const key = `${randomPrefix('sfail')}k`;
      const nodes = [setup.master, setup.replica];
      const watches = await Promise.all(
        nodes.map((node) => watchCommands(`redis://${node.host}:${node.port}`, key)),
      );
      const sentinelAdmin = await adminClient(
        `redis://${setup.sentinels[0]!.host}:${setup.sentinels[0]!.port}`,
      );
      // store-sent commands on both nodes (without EVALs: the store sends one only to retry an
      // EVALSHA that failed with NOSCRIPT, as it does on a new master)
      const sent = async () => {
        await Promise.all(watches.map((watch) => watch.fence()));
        const names = watches.flatMap((watch) =>
          watch.seen.filter((command) => !command.fromScript).map((command) => command.name),
        );
        for (const watch of watches) watch.seen.length = 0;
        return names.filter((name) => name !== 'eval');
      };
      const sampled = () => new Promise((resolve) => setTimeout(resolve, 100));
      try {
        await store.set(key, Buffer.from('v'), { ttlMs: 300_000 });
        const before = await servedBy();
        // the replica must hold the key (an earlier failover may have left it resyncing)
        await waitForSync(async () => Number(await send(['WAIT', '1', '100'])) >= 1, {
          timeoutMs: 30_000,
          message: 'the replica has the key',
        });
        await store.get(key);
        const sampledAt = Date.now();
        await sampled();
        await sent();
        const [single, [many]] = await Promise.all([store.get(key), store.getMany([key])]);
        expect(single?.ttlMs).toBeGreaterThan(200_000);
        expect(many?.ttlMs).toBeGreaterThan(200_000);
        expect(await sent()).toEqual(['get', 'mget']);
        // the sentinel may refuse a failover until it sees the replica as a good one
        await waitForSync(
          () =>
            sentinelAdmin.sendCommand(['SENTINEL', 'FAILOVER', setup.masterName]).then(
              () => true,
              () => false,
            ),
          { timeoutMs: 30_000, intervalMs: 100, message: 'the sentinel starts a failover' },
        );
        await waitForSync(async () => (await servedBy().catch(() => before)) !== before, {
          timeoutMs: 30_000,
          intervalMs: 20,
          message: 'the Sentinel client follows the failover',
        });
        // Without the reset the sample would still serve reads (it is used for 10 s), so the
        // script below shows the failover reset it.
        expect(Date.now() - sampledAt).toBeLessThan(9_000);
        await sent();
        const [again, [againMany]] = await Promise.all([store.get(key), store.getMany([key])]);
        expect(Buffer.from(again?.payload ?? []).toString()).toBe('v');
        expect(againMany?.ttlMs).toBeGreaterThan(200_000);
        expect(await sent()).toEqual(['evalsha', 'evalsha']);
        await sampled();
        expect((await store.get(key))?.ttlMs).toBeGreaterThan(200_000);
        expect(await sent()).toEqual(['get']);
      } finally {
        await Promise.all(watches.map((watch) => watch.stop()));
        await sentinelAdmin.close();
        await store.close();
        await (sentinel as { close(): Promise<void> }).close();
      }
    });
  }
});
