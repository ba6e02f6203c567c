import {
  decodeEvent,
  encodeEvent,
  InvalidConfigError,
  isBatchFrame,
  StoreError,
  splitBatch,
} from '@synced-cache/core';
import {
  DEFAULT_CLOCK_KEY,
  decodeValue,
  PACKED_BATCH_BYTES,
  SET_GET_MAX_BYTES,
} from '@synced-cache/redis-common';
import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIoredisCache, createIoredisStore, createIoredisSynchronizer } from '../src/index.js';
import { eventually } from './helpers.js';

let redis: RedisServer;
let raw: Redis;
beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis({ host: redis.host, port: redis.port });
});
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

const bytes = (text: string) => new TextEncoder().encode(text);
/** How many times the test server has run `command` (INFO commandstats). */
const calls = async (command: string) =>
  Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await raw.info('commandstats'))?.[1] ?? 0);
const prefix = () => `t${Math.random().toString(36).slice(2, 10)}:`;
/** A raw subscriber on a new channel: the channel, every message it receives (bytes), and its disconnect. */
async function listen() {
  const listener = new Redis({ host: redis.host, port: redis.port });
  const channel = `${prefix()}events`;
  const received: Buffer[] = [];
  await listener.subscribe(channel);
  listener.on('messageBuffer', (_channel: Buffer, message: Buffer) => received.push(message));
  return { channel, received, close: () => listener.disconnect() };
}

describe('IoredisStore (standalone)', () => {
  it('clear removes only the namespace: other keys of every type, other prefixes and the clock survive', async () => {
    const store = createIoredisStore(redis.url);
    try {
      const ns = prefix();
      await store.set(`${ns}a`, bytes('1'));
      await store.set(`${ns}b`, bytes('2'));
      await raw.hset(`${ns}hash`, 'f', 'v');
      await raw.set(`${ns.slice(0, -1)}x:c`, 'neighbour');
      await raw.set('unrelated', 'keep');
      await raw.hset('unrelated-hash', 'f', 'v');
      await raw.lpush('unrelated-list', 'v');
      await raw.set(`${ns.slice(0, -1)}`, 'prefix without colon');
      const clear = await store.clear(ns);
      expect(await store.get(`${ns}a`)).toBeUndefined();
      expect(await raw.type(`${ns}hash`)).toBe('string'); // replaced by a tombstone
      expect(await store.size(ns)).toBe(0);
      expect(await raw.get('unrelated')).toBe('keep');
      expect(await raw.hget('unrelated-hash', 'f')).toBe('v');
      expect(await raw.lrange('unrelated-list', 0, -1)).toEqual(['v']);
      expect(await raw.get(`${ns.slice(0, -1)}x:c`)).toBe('neighbour');
      expect(await raw.get(`${ns.slice(0, -1)}`)).toBe('prefix without colon');
      expect(Number(await raw.get(DEFAULT_CLOCK_KEY))).toBe(clear);
    } finally {
      await store.close();
    }
  });

  it("a lone get is written at once; a tick's later gets go out as one MGET, and its later writes corked, at the tick's end", async () => {
    const client = new Redis({ host: redis.host, port: redis.port });
    const store = createIoredisStore(client);
    try {
      const ns = prefix();
      for (let i = 0; i < 4; i++) await store.set(`${ns}${i}`, bytes(String(i)));
      // The first get sends TIME beside its read; the sample is recorded before the read's answer
      // arrives, so the gets below are plain GETs.
      await store.get(`${ns}0`);
      const stream = client.stream as unknown as {
        write: (...args: unknown[]) => boolean;
        writableCorked: number;
      };
      const write = stream.write;
      const corkedAtWrite: number[] = [];
      stream.write = function (this: unknown, ...args: unknown[]) {
        corkedAtWrite.push(stream.writableCorked);
        return write.apply(this, args);
      };
      try {
        expect(await store.get(`${ns}1`)).toBeDefined();
        expect(corkedAtWrite).toEqual([0]);
        corkedAtWrite.length = 0;
        const [getsBefore, mgetsBefore] = [await calls('get'), await calls('mget')];
        corkedAtWrite.length = 0;
        const burst = Promise.all([0, 1, 2, 3, 9].map((i) => store.get(`${ns}${i}`)));
        // Only the first read is written in the tick; the rest wait for its end.
        expect(corkedAtWrite).toEqual([0]);
        const entries = await burst;
        expect(corkedAtWrite).toEqual([0, 0]);
        expect(entries.map((entry) => entry && new TextDecoder().decode(entry.payload))).toEqual([
          '0',
          '1',
          '2',
          '3',
          undefined,
        ]);
        expect(await calls('get')).toBe(getsBefore + 1);
        expect(await calls('mget')).toBe(mgetsBefore + 1);
        // Writes in one tick: the first is written at once, the rest wait corked for the tick's end.
        corkedAtWrite.length = 0;
        const writes = Promise.all([4, 5, 6, 7].map((i) => store.set(`${ns}${i}`, bytes(String(i)))));
        expect(corkedAtWrite).toEqual([0, 1, 1, 1]);
        expect(stream.writableCorked).toBe(1);
        await writes;
        expect(stream.writableCorked).toBe(0);
        expect((await store.get(`${ns}7`))?.payload).toEqual(Buffer.from('7'));
      } finally {
        stream.write = write;
      }
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  it('versions are one clock: strictly increasing across keys, and currentVersion is exact', async () => {
    const store = createIoredisStore(redis.url);
    try {
      expect(store.capabilities.namespaceVersions).toBe(true);
      const ns = prefix();
      let last = await store.currentVersion();
      for (let index = 0; index < 50; index++) {
        const version =
          index % 3 === 2
            ? await store.delete(`${ns}${index % 7}`)
            : await store.set(`${ns}${index % 7}`, bytes('v'));
        expect(version).toBeGreaterThan(last);
        expect(await store.currentVersion()).toBe(version);
        last = version;
      }
      const cleared = await store.clear(ns);
      expect(cleared).toBeGreaterThan(last);
      expect(await store.set(`${ns}0`, bytes('after'))).toBeGreaterThan(cleared);
    } finally {
      await store.close();
    }
  });

  it('versions stay monotonic when the clock runs ahead of server time, and without the clock key', async () => {
    const store = createIoredisStore(redis.url);
    try {
      const ns = prefix();
      const first = await store.set(`${ns}k`, bytes('1'));
      const ahead = first + 10_000_000_000;
      await raw.set(DEFAULT_CLOCK_KEY, String(ahead));
      expect(await store.set(`${ns}other`, bytes('2'))).toBe(ahead + 1);
      await raw.del(DEFAULT_CLOCK_KEY);
      // the per-key rule still holds when the clock key is gone (evicted, deleted)
      expect(await store.set(`${ns}other`, bytes('3'))).toBe(ahead + 2);
      expect(await store.currentVersion()).toBe(ahead + 2);
      await raw.del(DEFAULT_CLOCK_KEY);
      const now = await store.currentVersion(); // falls back to TIME
      expect(now).toBeGreaterThanOrEqual(first);
      expect(now).toBeLessThan(ahead);
    } finally {
      await store.close();
    }
  });

  it('batch writes keep each key above its own version when the clock key is gone, small values (SET … GET) and large', async () => {
    // The batch scripts are redis-common's, byte for byte the ones node-redis runs.
    const store = createIoredisStore(redis.url);
    const { channel, received, close } = await listen();
    try {
      const ns = prefix();
      const large = (tag: string) => bytes(tag.padEnd(SET_GET_MAX_BYTES + 1, 'L'));
      const keys = [`${ns}small`, `${ns}large`, `${ns}ttl`, `${ns}fresh`];
      const payloads = [bytes('s1'), large('l1'), bytes('t1')];
      const first = await store.setMany(
        keys.slice(0, 3).map((key, index) => ({
          key,
          payload: payloads[index]!,
          options: { ttlMs: index === 2 ? 60_000 : 0 },
        })),
      );
      const before = first.map((result) => (result as PromiseFulfilledResult<number>).value);
      // The clock ran far ahead of server time (many writes in one microsecond, a clock step back), then was lost.
      const ahead = before[2]! + 10_000_000_000;
      await raw.set(DEFAULT_CLOCK_KEY, String(ahead));
      const lifted = await store.setMany(keys.slice(0, 2).map((key) => ({ key, payload: bytes('x') })));
      const high = lifted.map((result) => (result as PromiseFulfilledResult<number>).value);
      expect(high).toEqual([ahead + 1, ahead + 2]);
      await raw.del(DEFAULT_CLOCK_KEY);
      const next = [bytes('s2'), large('l2'), bytes('t2'), bytes('f2')];
      const results = await store.setAndPublishMany(
        keys.map((key, index) => ({
          key,
          payload: next[index]!,
          options: { ttlMs: index === 2 ? 60_000 : 0 },
        })),
        keys.map((key, index) => ({
          channel,
          head: encodeEvent(
            {
              podId: 'pod-a',
              epoch: 1,
              seq: index,
              key,
              // The large value goes as an invalidation (too large for an event).
              ...(index === 1
                ? { action: 'invalidate' as const }
                : { action: 'set' as const, value: next[index]! }),
              version: 0,
              ttlMs: 0,
            },
            {},
            true,
          ),
          appendPayload: index !== 1,
        })),
      );
      const versions = results.map((result) => (result as PromiseFulfilledResult<number>).value);
      // Above each key's own version, and one clock through the batch (each above the one before).
      expect(versions[0]).toBe(ahead + 2);
      expect(versions[1]).toBe(ahead + 3);
      expect(versions[2]).toBe(ahead + 4);
      expect(versions[3]).toBe(ahead + 5);
      expect(Number(await raw.get(DEFAULT_CLOCK_KEY))).toBe(ahead + 5);
      for (const [index, key] of keys.entries()) {
        const stored = decodeValue(await raw.getBuffer(key));
        expect(stored?.version).toBe(versions[index]);
        expect(Buffer.from(stored!.payload)).toEqual(Buffer.from(next[index]!));
      }
      expect(await raw.pttl(keys[2]!)).toBeGreaterThan(50_000);
      expect(await raw.pttl(keys[0]!)).toBe(-1);
      // The events carry the versions written, with the payload where asked.
      await eventually('one frame', () => received.length === 1);
      const events = splitBatch(received[0]!).map((envelope) => decodeEvent(envelope));
      expect(events.map((event) => [event.key, event.version, event.seq])).toEqual(
        keys.map((key, index) => [key, versions[index], index]),
      );
      expect(events[1]!.action).toBe('invalidate');
      expect(Buffer.from(events[0]!.value!)).toEqual(Buffer.from(next[0]!));
      // Deletes too: tombstones above the values they replace.
      await raw.del(DEFAULT_CLOCK_KEY);
      const deleted = (await store.deleteMany(keys)).map(
        (result) => (result as PromiseFulfilledResult<number>).value,
      );
      // Each one above the value it replaces (ahead + 2 …) and above the tombstone before it.
      expect(deleted).toEqual([ahead + 3, ahead + 4, ahead + 5, ahead + 6]);
      for (const [index, key] of keys.entries()) {
        const tombstone = await raw.getBuffer(key);
        expect([tombstone?.length, tombstone?.[0], tombstone?.readDoubleBE(1)]).toEqual([
          9,
          2,
          deleted[index],
        ]);
      }
    } finally {
      close();
      await store.close();
    }
  });

  it('stores the header layout other clients (node-redis) read: kind 1, version, payload', async () => {
    const store = createIoredisStore(redis.url);
    try {
      const key = `${prefix()}layout`;
      const version = await store.set(key, bytes('payload'));
      const stored = await raw.getBuffer(key);
      expect(stored?.[0]).toBe(1);
      expect(decodeValue(stored)).toEqual({ version, payload: Buffer.from('payload') });
      const deleted = await store.delete(key);
      const tombstone = await raw.getBuffer(key);
      expect(tombstone?.[0]).toBe(2);
      expect(tombstone?.readDoubleBE(1)).toBe(deleted);
      expect(await raw.pttl(key)).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('values with a TTL carry their expiry; plain-GET reads report a remaining TTL never above PTTL', async () => {
    const store = createIoredisStore(redis.url);
    try {
      const ns = prefix();
      const before = Date.now();
      await store.set(`${ns}ttl`, bytes('v'), { ttlMs: 60_000 });
      await store.set(`${ns}forever`, bytes('w'));
      const stored = await raw.getBuffer(`${ns}ttl`);
      expect(stored?.[0]).toBe(3);
      const decoded = decodeValue(stored);
      expect(decoded?.expiresAtMs).toBeGreaterThanOrEqual(before + 60_000 - 1000);
      expect(decoded?.expiresAtMs).toBeLessThanOrEqual(Date.now() + 60_000 + 1000);
      // the first read goes through the script (PTTL) and samples the server clock; later reads
      // are plain GET / MGET. A reported TTL never exceeds PTTL measured just before the read.
      const reads = [
        () => store.get(`${ns}ttl`),
        () => store.get(`${ns}ttl`),
        async () => (await store.getMany([`${ns}ttl`]))[0],
      ];
      const [getsBefore, mgetsBefore] = [await calls('get'), await calls('mget')];
      for (const read of reads) {
        const pttlBefore = await raw.pttl(`${ns}ttl`);
        const entry = await read();
        expect(entry?.ttlMs).toBeGreaterThan(50_000);
        expect(entry!.ttlMs!).toBeLessThanOrEqual(pttlBefore + 1);
        expect(Buffer.from(entry!.payload).toString()).toBe('v');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await calls('get')).toBeGreaterThan(getsBefore); // plain GET served the second read
      expect(await calls('mget')).toBeGreaterThan(mgetsBefore);
      const [forever, missing] = await store.getMany([`${ns}forever`, `${ns}missing`]);
      expect(forever?.ttlMs).toBeUndefined();
      expect(missing).toBeUndefined();
      await store.delete(`${ns}ttl`);
      expect(await store.get(`${ns}ttl`)).toBeUndefined();
      expect(await store.getMany([`${ns}ttl`])).toEqual([undefined]);
    } finally {
      await store.close();
    }
  });

  it('setMany splits a batch whose values pass PACKED_BATCH_BYTES into calls; every value lands, versions in batch order', async () => {
    // ~24 MiB of values: a call takes 0.6–1.1 s on an idle machine, past the default 1 s bound
    // when the machine is busy. This test is about splitting, not timeouts.
    const store = createIoredisStore(redis.url, { commandTimeoutMs: 10_000 });
    try {
      const ns = prefix();
      await store.setMany([
        { key: `${ns}warm1`, payload: bytes('w') },
        { key: `${ns}warm2`, payload: bytes('w') },
      ]); // loads the batch script
      const scriptCalls = async () => {
        // EVALSHA, or EVAL where the client sends the source (the calls are counted either way).
        const stats = await raw.info('commandstats');
        return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce(
          (sum, match) => sum + Number(match[1]),
          0,
        );
      };
      // Three values just under half the bound each, then a small one: two fit a call, the third
      // starts the next.
      const payloads = [0, 1, 2].map((index) =>
        new Uint8Array(PACKED_BATCH_BYTES / 2 - 1024).fill(97 + index),
      );
      payloads.push(bytes('small'));
      const keys = payloads.map((_, index) => `${ns}big${index}`);
      const before = await scriptCalls();
      const results = await store.setMany(keys.map((key, index) => ({ key, payload: payloads[index]! })));
      expect((await scriptCalls()) - before).toBe(2);
      const versions = results.map((result) => (result as PromiseFulfilledResult<number>).value);
      for (let index = 1; index < versions.length; index++)
        expect(versions[index]).toBeGreaterThan(versions[index - 1]!);
      for (let index = 0; index < keys.length; index++) {
        const entry = await store.get(keys[index]!);
        expect(entry?.version).toBe(versions[index]);
        expect(Buffer.from(entry!.payload).equals(Buffer.from(payloads[index]!))).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('foreign values under the prefix read as absent and do not count in size', async () => {
    const store = createIoredisStore(redis.url);
    try {
      const ns = prefix();
      await raw.set(`${ns}foreign`, 'not ours');
      await raw.hset(`${ns}hash`, 'f', 'v');
      await store.set(`${ns}ours`, bytes('x'));
      expect(await store.get(`${ns}foreign`)).toBeUndefined();
      expect(await store.get(`${ns}hash`)).toBeUndefined();
      expect(await store.getMany([`${ns}foreign`, `${ns}hash`, `${ns}ours`])).toMatchObject([
        undefined,
        undefined,
        { payload: Buffer.from('x') },
      ]);
      expect(await store.size(ns)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('never closes an injected client; closes a connection it created', async () => {
    const injected = new Redis({ host: redis.host, port: redis.port });
    const store = createIoredisStore(injected);
    const synchronizer = createIoredisSynchronizer(injected);
    await store.set(`${prefix()}k`, bytes('v'));
    await synchronizer.close();
    await store.close();
    expect(await injected.ping()).toBe('PONG');
    injected.disconnect();

    const owned = createIoredisStore({ host: redis.host, port: redis.port });
    await owned.set(`${prefix()}k`, bytes('v'));
    await owned.close();
    expect(owned.client.status).toBe('end');
    await expect(owned.get('k')).rejects.toMatchObject({ code: 'ERR_CACHE_CLOSED' });
  });

  it('createIoredisCache: an injected client stays open after close; a URL connection is closed', async () => {
    const clients = async () => Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))?.[1]);
    const baseline = await clients();
    const injected = new Redis({ host: redis.host, port: redis.port });
    const namespace = prefix().slice(0, -1);
    const shared = await createIoredisCache<string>(injected, { namespace });
    await shared.set('k', 'v');
    await shared.close();
    expect(await injected.ping()).toBe('PONG');
    injected.disconnect();
    await eventually('injected client gone', async () => (await clients()) === baseline);

    const owned = await createIoredisCache<string>(redis.url, { namespace });
    expect(await owned.get('k')).toBe('v');
    expect(await clients()).toBe(baseline + 2); // one for store + publish, one subscriber
    await owned.close();
    await eventually('connections closed', async () => (await clients()) === baseline);
  });

  it('rejects invalid connections and options with InvalidConfigError naming them', () => {
    expect(() => createIoredisStore('http://nope')).toThrow(InvalidConfigError);
    expect(() => createIoredisStore(42 as never)).toThrow(/connection/);
    expect(() => createIoredisStore(redis.url, { tombstoneTtlMs: 0 })).toThrow(/tombstoneTtlMs/);
    expect(() => createIoredisStore(redis.url, { clockKey: 'has:colon' })).toThrow(/clockKey/);
    expect(() => createIoredisSynchronizer(redis.url, { sharded: 'yes' as never })).toThrow(/sharded/);
  });

  it('a wrong-type command error surfaces as StoreError with the cause', async () => {
    const store = createIoredisStore(redis.url, { clockKey: false });
    try {
      const key = `${prefix()}list`;
      await raw.lpush(key, 'x');
      const error = await store.set(key, bytes('v')).catch((caught: unknown) => caught);
      expect(StoreError.isInstance(error)).toBe(true);
      expect((error as StoreError).cause).toBeInstanceOf(Error);
      expect((error as StoreError).key).toBe(key);
    } finally {
      await store.close();
    }
  });
});

describe('IoredisStore: write and publish in one script (setAndPublish)', () => {
  it('publishes exactly the envelope core would have sent, with the version the write got', async () => {
    const client = new Redis({ host: redis.host, port: redis.port });
    const store = createIoredisStore(client);
    const synchronizer = createIoredisSynchronizer(client);
    const { channel, received, close } = await listen();
    try {
      expect(store.publishesTo(synchronizer)).toBe(true);
      const key = `${prefix()}k`;
      const payload = bytes('{"n":1}');
      const event = { key: 'k', podId: 'pod-a', epoch: 7, seq: 1, ttlMs: 5000 };
      const setHead = encodeEvent({ ...event, action: 'set', version: 0, value: payload }, {}, true);
      const setVersion = await store.setAndPublish(
        key,
        payload,
        { ttlMs: 5000 },
        {
          channel,
          head: setHead,
          appendPayload: true,
        },
      );
      const invalidateHead = encodeEvent({ ...event, seq: 2, action: 'invalidate', version: 0 }, {}, true);
      const invalidateVersion = await store.setAndPublish(key, payload, undefined, {
        channel,
        head: invalidateHead,
        appendPayload: false,
      });
      const deleteHead = encodeEvent({ ...event, seq: 3, ttlMs: 0, action: 'delete', version: 0 }, {}, true);
      const deleteVersion = await store.deleteAndPublish(key, {
        channel,
        head: deleteHead,
        appendPayload: false,
      });
      await eventually('three events', () => received.length === 3);
      expect(setVersion).toBeLessThan(invalidateVersion);
      expect(invalidateVersion).toBeLessThan(deleteVersion);
      expect(received[0]).toEqual(
        Buffer.from(encodeEvent({ ...event, action: 'set', version: setVersion, value: payload })),
      );
      expect(received[1]).toEqual(
        Buffer.from(encodeEvent({ ...event, seq: 2, action: 'invalidate', version: invalidateVersion })),
      );
      expect(received[2]).toEqual(
        Buffer.from(encodeEvent({ ...event, seq: 3, ttlMs: 0, action: 'delete', version: deleteVersion })),
      );
      expect(decodeEvent(received[0]!).version).toBe(setVersion);
      // the write itself is the same as a plain set's
      expect(await store.get(key)).toBeUndefined();
    } finally {
      close();
      await synchronizer.close();
      await store.close();
      client.disconnect();
    }
  });

  it('setAndPublishMany / deleteAndPublishMany publish a batch as frames of at most 1 MiB, every event in order', async () => {
    const store = createIoredisStore(redis.url);
    const { channel, received, close } = await listen();
    try {
      const ns = prefix();
      const event = { podId: 'pod-a', epoch: 7, ttlMs: 60_000 };
      const publish = async (count: number, valueBytes: number, seq: number) => {
        const keys = Array.from({ length: count }, (_, index) => `${ns}${seq + index}`);
        const payloads = keys.map((_, index) => bytes(String(index).padEnd(valueBytes, 'x')));
        const results = await store.setAndPublishMany(
          keys.map((key, index) => ({ key, payload: payloads[index]!, options: { ttlMs: 60_000 } })),
          keys.map((key, index) => ({
            channel,
            head: encodeEvent(
              { ...event, key, seq: seq + index, action: 'set', version: 0, value: payloads[index]! },
              {},
              true,
            ),
            appendPayload: true,
          })),
        );
        return { keys, payloads, versions: results.map((r) => (r as PromiseFulfilledResult<number>).value) };
      };
      // 20 small values: one frame.
      const small = await publish(20, 16, 1);
      await eventually('one frame', () => received.length === 1);
      expect(isBatchFrame(received[0]!)).toBe(true);
      const events = splitBatch(received[0]!).map((envelope) => decodeEvent(envelope));
      expect(events.map((e) => [e.key, e.version, e.seq])).toEqual(
        small.keys.map((key, index) => [key, small.versions[index], 1 + index]),
      );
      expect(Buffer.from(events[3]!.value!)).toEqual(Buffer.from(small.payloads[3]!));
      // 40 values of 60 KB: 2.4 MB of events, in frames that each stay within 1 MiB.
      received.length = 0;
      const large = await publish(40, 60_000, 100);
      await eventually('forty events', () => received.flatMap((m) => splitBatch(m)).length === 40);
      expect(received.length).toBeGreaterThanOrEqual(3);
      for (const message of received) expect(message.length).toBeLessThanOrEqual(1024 * 1024 + 4);
      const keys = received.flatMap((m) => splitBatch(m)).map((envelope) => decodeEvent(envelope).key);
      expect(keys).toEqual(large.keys);
      // A batch of one publishes the plain envelope, and deletes batch the same way.
      received.length = 0;
      await publish(1, 16, 500);
      await eventually('one message', () => received.length === 1);
      expect(isBatchFrame(received[0]!)).toBe(false);
      expect(decodeEvent(received[0]!).seq).toBe(500);
      received.length = 0;
      await store.deleteAndPublishMany(
        small.keys,
        small.keys.map((key, index) => ({
          channel,
          head: encodeEvent({ ...event, key, seq: 600 + index, action: 'delete', version: 0 }, {}, true),
          appendPayload: false,
        })),
      );
      await eventually('one delete frame', () => received.length === 1);
      expect(splitBatch(received[0]!).map((envelope) => decodeEvent(envelope).action)).toEqual(
        small.keys.map(() => 'delete'),
      );
    } finally {
      close();
      await store.close();
    }
  });

  it('publishesTo is true only for a plain pub/sub synchronizer on the same client', async () => {
    const client = new Redis({ host: redis.host, port: redis.port });
    const other = new Redis({ host: redis.host, port: redis.port });
    const store = createIoredisStore(client);
    const sameClient = createIoredisSynchronizer(client);
    const sharded = createIoredisSynchronizer(client, { sharded: true });
    const otherClient = createIoredisSynchronizer(other);
    try {
      expect(store.publishesTo(sameClient)).toBe(true);
      expect(store.publishesTo(sharded)).toBe(false);
      expect(store.publishesTo(otherClient)).toBe(false);
      expect(
        store.publishesTo({
          publish: async () => {},
          subscribe: async () => ({ unsubscribe: async () => {} }),
          close: async () => {},
        }),
      ).toBe(false);
    } finally {
      await Promise.all([sameClient.close(), sharded.close(), otherClient.close(), store.close()]);
      client.disconnect();
      other.disconnect();
    }
  });
});
