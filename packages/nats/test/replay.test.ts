import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createCache, MemoryStore, type SyncedCache } from '@synced-cache/core';
import { type FaultProxy, type NatsServer, startFaultProxy, startNats } from '@synced-cache/test-servers';
import { describeSyncedCache, describeSynchronizer, waitForSync } from '@synced-cache/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsSynchronizer, type NatsReplayOptions } from '../src/index.js';
import { cleanupList, randomName } from './helpers.js';

// A JetStream-enabled private server (its store in a temp dir removed on stop).
let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats({ jetstream: true });
});
afterAll(async () => {
  await nats?.stop();
});
const cleanup = cleanupList();
afterEach(() => cleanup.run());

/** Each test its own stream and subjects, so one test's limits never touch another's events. */
function replayOptions(replay: NatsReplayOptions = {}) {
  const prefix = randomName('replay');
  return { subjectPrefix: prefix, replay: { stream: prefix, ...replay } };
}

describeSynchronizer('nats replay mode', () => createNatsSynchronizer({ servers: nats.url, replay: true }));
const store = new MemoryStore();
describeSyncedCache('nats replay mode, embedded store', () => ({
  store,
  synchronizer: createNatsSynchronizer({ servers: nats.url, replay: true }),
}));

/** Two pods on one store: `writer` on the server, `reader` through a fault proxy. */
async function pair(replay: NatsReplayOptions) {
  const proxy: FaultProxy = await startFaultProxy({ target: { host: '127.0.0.1', port: nats.port } });
  cleanup.push(() => proxy.close());
  const options = replayOptions(replay);
  const namespace = randomName('ns');
  const shared = new MemoryStore();
  const pod = async (url: string, podId: string) => {
    const cache = await createCache<string>({
      namespace,
      podId,
      store: shared,
      synchronizer: createNatsSynchronizer({ servers: `nats://127.0.0.1:${url}`, ...options }),
      heartbeatMs: 0,
    });
    cleanup.push(() => cache.close());
    return cache;
  };
  const writer = await pod(String(nats.port), 'writer');
  const reader = await pod(String(proxy.port), 'reader');
  const resyncs: string[] = [];
  const statuses: string[] = [];
  reader.on('resync', (reason) => resyncs.push(reason));
  reader.on('status', (status) => statuses.push(status));
  return { proxy, writer, reader, resyncs, statuses, options };
}

const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);

async function fill(writer: SyncedCache<string>, reader: SyncedCache<string>, value: string) {
  for (const key of keys) await writer.set(key, value);
  await waitForSync(() => keys.every((key) => reader.peek(key) === value), {
    message: `the reader holds ${value} locally`,
  });
}

describe('replay after a reconnect', () => {
  it('an outage within graceMs: the reader replays what it missed into its local tier, with no flush and no status change', async () => {
    const { proxy, writer, reader, resyncs, statuses } = await pair({ graceMs: 10_000 });
    await fill(writer, reader, 'before');
    proxy.refuse();
    await writer.set('k0', 'during-1');
    for (const key of keys) await writer.set(key, 'during');
    proxy.heal();
    await waitForSync(() => keys.every((key) => reader.peek(key) === 'during'), {
      message: 'the reader holds the values written during the outage, from the replay',
      timeoutMs: 15_000,
    });
    expect(resyncs).toEqual([]);
    expect(statuses).toEqual([]);
    expect(reader.stats().resyncs).toBe(0);
    await writer.set('k1', 'after');
    await waitForSync(() => reader.peek('k1') === 'after', { message: 'live again' });
  });

  it('an outage longer than graceMs: the reader reports down, stops serving its local tier, then resyncs', async () => {
    const { proxy, writer, reader, resyncs, statuses } = await pair({ graceMs: 200 });
    await fill(writer, reader, 'before');
    proxy.refuse();
    await waitForSync(() => statuses.includes('down'), {
      message: "'down' after graceMs",
      timeoutMs: 10_000,
    });
    for (const key of keys) await writer.set(key, 'during');
    proxy.heal();
    await waitForSync(() => resyncs.includes('resubscribed'), { message: 'a resync', timeoutMs: 15_000 });
    for (const key of keys) expect(await reader.get(key)).toBe('during');
  });

  it('the stream no longer holds the sequence after the last one seen (maxMessages pushed it out): the reader flushes and converges', async () => {
    const { proxy, writer, reader, resyncs, options } = await pair({ graceMs: 10_000, maxMessages: 50 });
    await fill(writer, reader, 'before');
    proxy.refuse();
    for (const round of [1, 2, 3])
      for (const key of keys) await writer.set(key, round === 3 ? 'during' : `during-${round}`);
    // The stream kept only the last 50 of the 60 events written meanwhile.
    const admin = await connect({ servers: nats.url });
    cleanup.push(() => admin.close());
    const info = await (await jetstreamManager(admin)).streams.info(options.replay.stream);
    expect(info.state.messages).toBe(50);
    proxy.heal();
    await waitForSync(() => resyncs.includes('resubscribed'), {
      message: 'a flush, the events being gone',
      timeoutMs: 15_000,
    });
    for (const key of keys) expect(await reader.get(key)).toBe('during');
  });

  it('a server restart (stream kept on disk): the pods reconnect, find nothing missing, keep their local tiers and go on without a flush', async () => {
    const { writer, reader, resyncs, statuses } = await pair({ graceMs: 10_000 });
    await fill(writer, reader, 'before');
    await nats.restart();
    await waitForSync(
      async () => {
        await writer.set('k0', 'after-restart').catch(() => undefined);
        return reader.peek('k0') === 'after-restart';
      },
      { message: 'events flow again after the restart', timeoutMs: 15_000 },
    );
    expect(keys.slice(1).every((key) => reader.peek(key) === 'before')).toBe(true);
    expect(resyncs).toEqual([]);
    expect(statuses).toEqual([]);
  });

  it('a consumer whose delete cannot reach the server (the link is down) is deleted once the link is back', async () => {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: nats.port } });
    cleanup.push(() => proxy.close());
    const options = replayOptions();
    const synchronizer = createNatsSynchronizer({
      servers: `nats://127.0.0.1:${proxy.port}`,
      healthCheckIntervalMs: 200,
      ...options,
    });
    cleanup.push(() => synchronizer.close());
    const admin = await connect({ servers: nats.url });
    cleanup.push(() => admin.close());
    const jsm = await jetstreamManager(admin);
    const consumers = async () => (await jsm.consumers.list(options.replay.stream).next()).length;
    const subscription = await synchronizer.subscribe(
      'c',
      () => undefined,
      () => undefined,
    );
    expect(await consumers()).toBe(1);
    proxy.refuse();
    // Unsubscribing deletes the consumer; with the link down the delete fails (the JetStream API
    // request times out after 5 s), and before the retry the server kept it for 5 minutes.
    await subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await consumers()).toBe(1);
    proxy.heal();
    await waitForSync(async () => (await consumers()) === 0, {
      message: 'the consumer is deleted once the link is back',
      intervalMs: 100,
      timeoutMs: 15_000,
    });
  }, 40_000);

  it('the stream is created when missing with the configured bounds, and an existing one is used as it is', async () => {
    const options = replayOptions({ maxAgeMs: 60_000, maxMessages: 1234 });
    const synchronizer = createNatsSynchronizer({ servers: nats.url, ...options });
    cleanup.push(() => synchronizer.close());
    await synchronizer.publish('c', new Uint8Array([1]));
    const admin = await connect({ servers: nats.url });
    cleanup.push(() => admin.close());
    const jsm = await jetstreamManager(admin);
    const { config } = await jsm.streams.info(options.replay.stream);
    expect(config.subjects).toEqual([`${options.subjectPrefix}.>`]);
    expect(config.max_msgs).toBe(1234);
    expect(config.max_age).toBe(60_000 * 1_000_000);
    const again = createNatsSynchronizer({
      servers: nats.url,
      ...options,
      replay: { ...options.replay, maxMessages: 9 },
    });
    cleanup.push(() => again.close());
    await again.publish('c', new Uint8Array([2]));
    expect((await jsm.streams.info(options.replay.stream)).config.max_msgs).toBe(1234);
  });

  it('a server without JetStream: subscribing fails with a SynchronizerError that says so', async () => {
    const plain = await startNats();
    cleanup.push(() => plain.stop());
    const synchronizer = createNatsSynchronizer({ servers: plain.url, replay: true });
    cleanup.push(() => synchronizer.close());
    await expect(
      synchronizer.subscribe(
        'c',
        () => undefined,
        () => undefined,
      ),
    ).rejects.toThrow(/jetstream/i);
  });
});
