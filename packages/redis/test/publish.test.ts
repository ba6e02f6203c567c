import {
  decodeEvent,
  encodeEvent,
  MemorySynchronizer,
  type Store,
  StoreError,
  type StorePublication,
  type WireEvent,
} from '@synced-cache/core';
import { createIoredisSynchronizer } from '@synced-cache/ioredis';
import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, createRedisStore, createRedisSynchronizer } from '../src/index.js';
import { adminClient, majors, randomPrefix, watchPublishes } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

/** A raw subscriber (not this package's synchronizer) collecting every message on `channel`. */
async function rawSubscriber(channel: string) {
  const client = await adminClient(server.url);
  const messages: Buffer[] = [];
  await client.subscribe(channel, (message: Buffer) => messages.push(Buffer.from(message)), true);
  return { messages, close: () => client.close() };
}

/** What core hands the store for `event` (envelope without value bytes, version 0). */
function publicationOf(channel: string, event: WireEvent): StorePublication {
  return {
    channel,
    head: encodeEvent({ ...event, version: 0 }, {}, true),
    appendPayload: event.value !== undefined,
  };
}

function expectSameEvent(message: Buffer, event: WireEvent, version: number): void {
  const decoded = decodeEvent(message);
  expect({ ...decoded, value: decoded.value && Buffer.from(decoded.value) }).toEqual({
    ...event,
    version,
    value: event.value && Buffer.from(event.value),
  });
  // Byte for byte what core would have published itself through the synchronizer.
  expect(message.equals(Buffer.from(encodeEvent({ ...event, version })))).toBe(true);
}

for (const major of majors) {
  describe(`${major.name} standalone: write and publish in one script`, () => {
    it("publishes exactly core's envelope with the version the store returned (set, invalidate, delete)", async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client) as Required<Store>;
      const prefix = randomPrefix('pub');
      const channel = `${prefix}channel`;
      const subscriber = await rawSubscriber(channel);
      const base = { podId: 'pod-ü', epoch: 123_456_789, ttlMs: 0 };
      const payloads = [
        new Uint8Array([0, 1, 2, 255, 0, 10, 13, 0x22, 0x5c]),
        new Uint8Array(0),
        new Uint8Array(200_000).map((_, index) => index % 251),
      ];
      const expected: Array<{ event: WireEvent; version: number }> = [];
      let seq = 0;
      for (const [index, payload] of payloads.entries()) {
        const key = `${prefix}ключ-${index} *?`;
        const ttlMs = index === 0 ? 60_000 : 0;
        const set: WireEvent = { ...base, action: 'set', key, seq: ++seq, version: 0, ttlMs, value: payload };
        const setVersion = await store.setAndPublish(key, payload, { ttlMs }, publicationOf(channel, set));
        expected.push({ event: set, version: setVersion });
        // The value is stored under the same version, as `set` would have stored it.
        const entry = await store.get(key);
        expect(entry?.version).toBe(setVersion);
        expect(Buffer.from(entry?.payload ?? []).equals(Buffer.from(payload))).toBe(true);
        if (ttlMs > 0) expect(entry?.ttlMs).toBeGreaterThan(50_000);

        // An invalidation carries no value even though the payload is written.
        const invalidate: WireEvent = { ...base, action: 'invalidate', key, seq: ++seq, version: 0, ttlMs };
        const invalidateVersion = await store.setAndPublish(
          key,
          payload,
          { ttlMs },
          publicationOf(channel, invalidate),
        );
        expect(invalidateVersion).toBeGreaterThan(setVersion);
        expected.push({ event: invalidate, version: invalidateVersion });

        const deletion: WireEvent = { ...base, action: 'delete', key, seq: ++seq, version: 0 };
        const deleteVersion = await store.deleteAndPublish(key, publicationOf(channel, deletion));
        expect(deleteVersion).toBeGreaterThan(invalidateVersion);
        expect(await store.get(key)).toBeUndefined();
        expected.push({ event: deletion, version: deleteVersion });
      }
      await waitForSync(() => subscriber.messages.length >= expected.length, { message: 'every event' });
      expect(subscriber.messages).toHaveLength(expected.length);
      for (const [index, { event, version }] of expected.entries()) {
        expectSameEvent(subscriber.messages[index] as Buffer, event, version);
      }
      await subscriber.close();
      await store.close();
      await client.close();
    });

    it('publishes nothing when the write fails, and concurrent writes publish in call order', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client) as Required<Store>;
      const admin = await adminClient(server.url);
      const prefix = randomPrefix('pubfail');
      const channel = `${prefix}channel`;
      const subscriber = await rawSubscriber(channel);
      const base = { podId: 'pod', epoch: 1, ttlMs: 0 };
      // A key holding a list: the script fails on it (WRONGTYPE) before writing or publishing.
      const foreign = `${prefix}list`;
      await admin.sendCommand(['RPUSH', foreign, 'x']);
      const value = new Uint8Array([1, 2, 3]);
      const failed: WireEvent = { ...base, action: 'set', key: foreign, seq: 1, version: 0, value };
      await expect(
        store.setAndPublish(foreign, value, undefined, publicationOf(channel, failed)),
      ).rejects.toThrow(StoreError);
      const failedDelete: WireEvent = { ...base, action: 'delete', key: foreign, seq: 2, version: 0 };
      await expect(store.deleteAndPublish(foreign, publicationOf(channel, failedDelete))).rejects.toThrow(
        StoreError,
      );

      // 50 writes in flight at once on one connection: events leave in the order of the calls,
      // with the versions the calls returned (strictly increasing: one clock).
      const events = Array.from(
        { length: 50 },
        (_, index): WireEvent => ({
          ...base,
          action: 'set',
          key: `${prefix}k${index % 7}`,
          seq: 3 + index,
          version: 0,
          value: new Uint8Array([index]),
        }),
      );
      const versions = await Promise.all(
        events.map((event) =>
          store.setAndPublish(event.key, event.value as Uint8Array, undefined, publicationOf(channel, event)),
        ),
      );
      await waitForSync(() => subscriber.messages.length >= events.length, { message: 'every event' });
      // Nothing from the failed writes arrived (not before, not after).
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(subscriber.messages).toHaveLength(events.length);
      for (const [index, event] of events.entries()) {
        expectSameEvent(subscriber.messages[index] as Buffer, event, versions[index] as number);
        if (index > 0) expect(versions[index]).toBeGreaterThan(versions[index - 1] as number);
      }
      expect(await admin.sendCommand(['LRANGE', foreign, '0', '-1'])).toEqual(['x']);
      await subscriber.close();
      await admin.close();
      await store.close();
      await client.close();
    });

    it('publishesTo holds only for a synchronizer of this package publishing on the same client', async () => {
      const client = major.createClient({ url: server.url });
      const other = major.createClient({ url: server.url });
      await Promise.all([client.connect(), other.connect()]);
      const store = createRedisStore(client);
      const same = createRedisSynchronizer(client);
      const onOther = createRedisSynchronizer(other);
      const fromUrl = createRedisSynchronizer(server.url);
      const ioredis = createIoredisSynchronizer(server.url);
      const memory = new MemorySynchronizer();
      expect(store.publishesTo?.(same)).toBe(true);
      expect(store.publishesTo?.(onOther)).toBe(false);
      expect(store.publishesTo?.(fromUrl)).toBe(false);
      expect(store.publishesTo?.(ioredis)).toBe(false);
      expect(store.publishesTo?.(memory)).toBe(false);
      // Two adapters made from one URL each open their own connection: not the same publisher.
      const urlStore = createRedisStore(server.url);
      expect(urlStore.publishesTo?.(fromUrl)).toBe(false);
      await Promise.all([
        store.close(),
        same.close(),
        onOther.close(),
        fromUrl.close(),
        ioredis.close(),
        memory.close(),
        urlStore.close(),
      ]);
      await Promise.all([client.close(), other.close()]);
    });
  });
}

describe('createRedisCache', () => {
  it('publishes set, invalidate and delete events from the write scripts; clear through the synchronizer', async () => {
    const namespace = randomPrefix('fused').slice(0, -1);
    const watch = await watchPublishes(server.url, namespace);
    const first = await createRedisCache<{ n: number }>(server.url, {
      namespace,
      podId: 'a',
      heartbeatMs: 0,
    });
    const second = await createRedisCache<{ n: number }>(server.url, {
      namespace,
      podId: 'b',
      heartbeatMs: 0,
    });
    await first.set('k', { n: 1 });
    await waitForSync(() => second.peek('k')?.n === 1, { message: 'set propagates' });
    await second.setWithInvalidate('k', { n: 2 });
    await waitForSync(() => first.peek('k') === undefined, { message: 'invalidate propagates' });
    expect(await first.get('k')).toEqual({ n: 2 });
    await first.delete('k');
    await waitForSync(() => second.peek('k') === undefined, { message: 'delete propagates' });
    await second.set('j', { n: 3 });
    await waitForSync(() => first.peek('j')?.n === 3, { message: 'second set propagates' });
    await first.clear();
    await waitForSync(() => second.peek('j') === undefined, { message: 'clear propagates' });
    await waitForSync(() => watch.sources.length >= 5, { message: 'monitor saw every publish' });
    expect(watch.sources).toEqual(['script', 'script', 'script', 'script', 'client']);
    await Promise.all([first.close(), second.close()]);
    await watch.stop();
  });

  it('with a secret, core signs and publishes every event itself', async () => {
    const namespace = randomPrefix('signed').slice(0, -1);
    const watch = await watchPublishes(server.url, namespace);
    const options = { namespace, heartbeatMs: 0, secret: 'shared secret' };
    const first = await createRedisCache<{ n: number }>(server.url, { ...options, podId: 'a' });
    const second = await createRedisCache<{ n: number }>(server.url, { ...options, podId: 'b' });
    await first.set('k', { n: 1 });
    await waitForSync(() => second.peek('k')?.n === 1, { message: 'signed set propagates' });
    await second.delete('k');
    await waitForSync(() => first.peek('k') === undefined, { message: 'signed delete propagates' });
    await waitForSync(() => watch.sources.length >= 2, { message: 'monitor saw every publish' });
    expect(watch.sources).toEqual(['client', 'client']);
    await Promise.all([first.close(), second.close()]);
    await watch.stop();
  });
});
