import { CacheClosedError, InvalidConfigError, StoreError, TimeoutError } from '@synced-cache/core';
import { PACKED_BATCH_BYTES } from '@synced-cache/redis-common';
import {
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '@synced-cache/test-servers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisStore, createRedisSynchronizer, type RedisStoreOptions } from '../src/index.js';
import {
  adminClient,
  hostileKeys,
  majors,
  randomPrefix,
  type SeenCommand,
  watchCommands,
} from './helpers.js';

let server: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop()]);
});

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

for (const major of majors) {
  describe(`${major.name} standalone`, () => {
    it('round-trips binary payloads with a strictly increasing version per key', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client);
      const key = `${randomPrefix()}k`;
      const payload = new Uint8Array([0, 1, 2, 255, 0, 10, 13]);
      const first = await store.set(key, payload);
      expect(Number.isSafeInteger(first) && first > 0).toBe(true);
      const entry = await store.get(key);
      expect(entry && [...entry.payload]).toEqual([...payload]);
      expect(entry?.version).toBe(first);
      const versions = [
        first,
        await store.set(key, bytes('b')),
        await store.delete(key),
        await store.set(key, bytes('c')),
      ];
      for (let index = 1; index < versions.length; index++)
        expect(versions[index]).toBeGreaterThan(versions[index - 1] as number);
      await store.close();
      // The client is the caller's: closing the store leaves it open.
      expect(client.isOpen).toBe(true);
      await client.close();
    });

    it('setMany splits a batch whose values pass PACKED_BATCH_BYTES into calls; every value lands, versions in batch order', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      // ~24 MiB of values: a call can pass the default 1 s bound on a busy machine. This test is
      // about splitting, not timeouts.
      const store = createRedisStore(client, { commandTimeoutMs: 10_000 });
      const admin = await adminClient(server.url);
      try {
        const ns = randomPrefix('packed');
        await store.setMany!([
          { key: `${ns}warm1`, payload: bytes('w') },
          { key: `${ns}warm2`, payload: bytes('w') },
        ]); // loads the batch script
        const scriptCalls = async () => {
          // EVALSHA, or EVAL where the client sends the source (the calls are counted either way).
          const stats = await admin.info('commandstats');
          return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce(
            (sum, match) => sum + Number(match[1]),
            0,
          );
        };
        // Three values just under half the bound each, then a small one: two fit a call, the
        // third starts the next.
        const payloads = [0, 1, 2].map((index) =>
          new Uint8Array(PACKED_BATCH_BYTES / 2 - 1024).fill(97 + index),
        );
        payloads.push(bytes('small'));
        const keys = payloads.map((_, index) => `${ns}big${index}`);
        const before = await scriptCalls();
        const results = await store.setMany!(keys.map((key, index) => ({ key, payload: payloads[index]! })));
        expect((await scriptCalls()) - before).toBe(2);
        const versions = results.map((result) => (result as PromiseFulfilledResult<number>).value);
        for (let index = 1; index < versions.length; index++)
          expect(versions[index]).toBeGreaterThan(versions[index - 1] as number);
        for (let index = 0; index < keys.length; index++) {
          const entry = await store.get(keys[index]!);
          expect(entry?.version).toBe(versions[index]);
          expect(Buffer.from(entry!.payload).equals(Buffer.from(payloads[index]!))).toBe(true);
        }
      } finally {
        await store.close();
        await admin.close();
        await client.close();
      }
    });

    it('sends on a view of the client whose default options already hold every per-command option', async () => {
      // node-redis merges a command's options into the client's defaults with an object spread;
      // a spread that adds keys the defaults lack costs ~1 µs per command in V8 (node-redis 6's
      // defaults are only { timeout }, so a per-command typeMapping was such a key).
      const client = major.createClient({ url: server.url });
      await client.connect();
      const views: Array<{ _commandOptions?: object }> = [];
      const withCommandOptions = client.withCommandOptions.bind(client);
      const spy = vi.spyOn(client, 'withCommandOptions').mockImplementation((options) => {
        const view = withCommandOptions(options);
        views.push(view as never);
        return view;
      });
      const store = createRedisStore(client, { commandTimeoutMs: 0 });
      expect(spy).toHaveBeenCalled();
      const view = views[0] as { sendCommand: (...args: never[]) => Promise<unknown> };
      const sent: Array<Record<string, unknown>> = [];
      const sendCommand = view.sendCommand.bind(view);
      view.sendCommand = ((args: never, options: Record<string, unknown>) => {
        sent.push(options);
        return sendCommand(args, options as never);
      }) as never;
      const key = `${randomPrefix()}k`;
      await store.set(key, bytes('v'));
      const entry = await store.get(key);
      expect(entry && Buffer.from(entry.payload).toString()).toBe('v');
      expect(sent.length).toBeGreaterThanOrEqual(2);
      if (major.name === 'redis@6') {
        // node-redis 6 sends with the view's own defaults: they hold every key sent per command.
        const defaults = Object.keys((view as { _commandOptions?: object })._commandOptions ?? {});
        for (const options of sent) for (const name of Object.keys(options)) expect(defaults).toContain(name);
      }
      await store.close();
      await client.close();
    });

    it('clear removes only the literal prefix and leaves every other key in the database alone', async () => {
      const admin = await adminClient(server.url);
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client);
      const base = randomPrefix('clr');
      const prefix = `${base}a*[b]?:`;
      const lookalike = `${base}aX[b]?:`; // matched by the unescaped glob of `prefix`
      const longer = `${base}a*[b]?:x`; // starts with prefix: must be cleared
      await store.set(`${prefix}1`, bytes('1'));
      await store.set(`${prefix}2`, bytes('2'));
      await store.set(longer, bytes('3'));
      await store.set(`${lookalike}1`, bytes('4'));
      await admin.set(`${base}foreign`, 'plain string');
      await admin.hSet(`${base}hash`, 'field', 'value');
      const highest = Math.max(
        (await store.get(`${prefix}1`))?.version ?? 0,
        (await store.get(`${prefix}2`))?.version ?? 0,
        (await store.get(longer))?.version ?? 0,
      );
      const cleared = await store.clear(prefix);
      expect(cleared).toBeGreaterThanOrEqual(highest);
      expect(await store.get(`${prefix}1`)).toBeUndefined();
      expect(await store.get(longer)).toBeUndefined();
      expect(await store.size(prefix)).toBe(0);
      expect((await store.get(`${lookalike}1`))?.payload).toEqual(Buffer.from('4'));
      expect(await admin.get(`${base}foreign`)).toBe('plain string');
      expect(await admin.hGet(`${base}hash`, 'field')).toBe('value');
      // A set after clear gets a version above the clear's.
      expect(await store.set(`${prefix}1`, bytes('again'))).toBeGreaterThan(cleared);
      await store.close();
      await client.close();
      await admin.close();
    });

    it('stores and reads hostile keys; size counts values, not tombstones', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client);
      const prefix = randomPrefix('hostile');
      const keys = hostileKeys.map((key) => prefix + key);
      for (const [index, key] of keys.entries()) await store.set(key, bytes(String(index)));
      const entries = await store.getMany(keys);
      expect(entries.map((entry) => entry && Buffer.from(entry.payload).toString())).toEqual(
        keys.map((_, index) => String(index)),
      );
      expect(await store.size(prefix)).toBe(keys.length);
      await store.delete(keys[0] as string);
      expect(await store.size(prefix)).toBe(keys.length - 1);
      expect(await store.get(keys[0] as string)).toBeUndefined();
      await store.close();
      await client.close();
    });

    it('getMany splits large reads into batches and keeps one slot per key in order', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client, { readBatchSize: 3 });
      const prefix = randomPrefix('batch');
      const keys = Array.from({ length: 20 }, (_, index) => `${prefix}${index}`);
      for (const key of keys.filter((_, index) => index % 3 !== 0)) await store.set(key, bytes(key));
      const entries = await store.getMany(keys);
      expect(entries.map((entry) => entry && Buffer.from(entry.payload).toString())).toEqual(
        keys.map((key, index) => (index % 3 === 0 ? undefined : key)),
      );
      expect(await store.getMany([])).toEqual([]);
      await store.close();
      await client.close();
    });

    it('reports the remaining TTL and accepts TTLs beyond 2^31 ms', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client);
      const key = `${randomPrefix()}ttl`;
      await store.set(key, bytes('x'), { ttlMs: 2 ** 31 + 1000 });
      const entry = await store.get(key);
      expect(entry?.ttlMs).toBeGreaterThan(2 ** 31);
      await store.set(key, bytes('y'));
      expect((await store.get(key))?.ttlMs).toBeUndefined();
      await store.close();
      await client.close();
    });

    it('reloads its scripts after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
      const admin = await adminClient(server.url);
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client);
      const key = `${randomPrefix()}noscript`;
      const before = await store.set(key, bytes('1'));
      await admin.sendCommand(['SCRIPT', 'FLUSH']);
      expect(await store.set(key, bytes('2'))).toBeGreaterThan(before);
      await admin.sendCommand(['SCRIPT', 'FLUSH']);
      expect(Buffer.from((await store.get(key))?.payload ?? []).toString()).toBe('2');
      await store.close();
      await client.close();
      await admin.close();
    });

    /**
     * Commands the store's own connection sent (not a script's inner calls); an EVAL right after
     * an EVALSHA is its NOSCRIPT retry (a fresh server) and counts as that one script call.
     */
    const sent = (seen: readonly SeenCommand[]) => {
      const names = seen.filter((command) => !command.fromScript).map((command) => command.name);
      return names.filter((name, index) => !(name === 'eval' && names[index - 1] === 'evalsha'));
    };
    /** Long enough for the background TIME sample to come back on loopback. */
    const sampled = () => new Promise((resolve) => setTimeout(resolve, 100));
    /** A store on a client of its own, with an admin connection beside it; `close` ends all three. */
    const openStore = async (options?: RedisStoreOptions) => {
      const admin = await adminClient(server.url);
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client, options);
      const close = async () => {
        await store.close();
        await client.close();
        await admin.close();
      };
      return { admin, client, store, close };
    };

    it('reads with the script until the server clock is sampled, then with plain GET / MGET', async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const store = createRedisStore(client);
      const ns = randomPrefix('plain');
      await store.set(`${ns}a`, bytes('a'));
      await store.set(`${ns}b`, bytes('b'), { ttlMs: 60_000 });
      const watch = await watchCommands(server.url, ns);
      try {
        expect((await store.get(`${ns}a`))?.payload).toEqual(Buffer.from('a'));
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['evalsha']);
        await sampled();
        watch.seen.length = 0;
        expect((await store.get(`${ns}a`))?.payload).toEqual(Buffer.from('a'));
        const many = await store.getMany([`${ns}b`, `${ns}missing`, `${ns}a`]);
        expect(many.map((entry) => entry && Buffer.from(entry.payload).toString())).toEqual([
          'b',
          undefined,
          'a',
        ]);
        expect(many[0]?.ttlMs).toBeGreaterThan(50_000);
        expect(many[2]?.ttlMs).toBeUndefined();
        await store.delete(`${ns}a`);
        expect(await store.get(`${ns}a`)).toBeUndefined(); // a tombstone reads as absent
        expect(await store.getMany([`${ns}a`])).toEqual([undefined]);
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['get', 'mget', 'evalsha', 'get', 'mget']); // the evalsha is the delete
      } finally {
        await watch.stop();
        await store.close();
        await client.close();
      }
    });

    it('reports a remaining TTL never above PTTL on the plain read path', async () => {
      const { admin, store, close } = await openStore();
      const key = `${randomPrefix('pttl')}k`;
      const watch = await watchCommands(server.url, key);
      try {
        await store.set(key, bytes('v'), { ttlMs: 30_000 });
        await store.get(key); // starts the clock sample
        await sampled();
        watch.seen.length = 0;
        for (let round = 0; round < 10; round++) {
          const pttl = await admin.pTTL(key);
          const [single, [many]] = await Promise.all([store.get(key), store.getMany([key])]);
          for (const entry of [single, many]) {
            expect(Buffer.from(entry?.payload ?? []).toString()).toBe('v');
            expect(entry?.ttlMs).toBeGreaterThan(25_000);
            expect(entry?.ttlMs).toBeLessThanOrEqual(pttl);
          }
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
        await watch.fence();
        expect(new Set(sent(watch.seen))).toEqual(new Set(['pttl', 'get', 'mget']));
      } finally {
        await watch.stop();
        await close();
      }
    });

    it("merges one tick's plain gets after the first into MGETs of at most readBatchSize keys, each get with its own answer", async () => {
      const { admin, store, close } = await openStore({ readBatchSize: 4 });
      const ns = randomPrefix('merged');
      await store.set(`${ns}a`, bytes('a'));
      await store.set(`${ns}b`, bytes('b'), { ttlMs: 60_000 });
      await store.set(`${ns}gone`, bytes('x'));
      await store.delete(`${ns}gone`);
      await admin.set(`${ns}string`, 'not ours');
      await admin.hSet(`${ns}hash`, 'field', 'value');
      const watch = await watchCommands(server.url, ns);
      try {
        await store.get(`${ns}a`); // script path, starts the sample
        await sampled();
        watch.seen.length = 0;
        const names = ['a', 'b', 'missing', 'gone', 'string', 'hash', 'b', 'a'];
        const entries = await Promise.all(names.map((name) => store.get(`${ns}${name}`)));
        expect(entries.map((entry) => entry && Buffer.from(entry.payload).toString())).toEqual([
          'a',
          'b',
          undefined,
          undefined,
          undefined,
          undefined,
          'b',
          'a',
        ]);
        expect(entries[0]?.ttlMs).toBeUndefined();
        expect(entries[1]?.ttlMs).toBeGreaterThan(50_000);
        expect(entries[6]?.ttlMs).toBeGreaterThan(50_000);
        // The first read alone, the seven others in MGETs of 4 and 3 keys.
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['get', 'mget', 'mget']);
        // A lone get in a later tick goes out alone again.
        watch.seen.length = 0;
        expect(Buffer.from((await store.get(`${ns}b`))?.payload ?? []).toString()).toBe('b');
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['get']);
      } finally {
        await watch.stop();
        await close();
      }
    });

    it('fails every get a merged MGET carried, each with a StoreError naming its key, when the connection is gone', async () => {
      const client = major.createClient({ url: server.url });
      client.on('error', () => undefined);
      await client.connect();
      const store = createRedisStore(client);
      const ns = randomPrefix('merged-down');
      await store.set(`${ns}a`, bytes('a'));
      await store.get(`${ns}a`); // script path, starts the sample
      await sampled();
      const gets = ['a', 'b', 'c'].map((name) => store.get(`${ns}${name}`));
      client.destroy(); // before the end of the tick: the MGET is sent on a closed client
      const settled = await Promise.allSettled(gets);
      for (const [index, outcome] of settled.entries()) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason;
        expect(error).toBeInstanceOf(StoreError);
        expect(error.key).toBe(`${ns}${['a', 'b', 'c'][index]}`);
      }
      await store.close();
    });

    it('reads a foreign string or hash under its prefix as absent on the plain read path', async () => {
      const { admin, store, close } = await openStore();
      const ns = randomPrefix('foreign');
      await admin.set(`${ns}string`, 'not ours at all');
      await admin.hSet(`${ns}hash`, 'field', 'value');
      await store.set(`${ns}ours`, bytes('x'));
      const watch = await watchCommands(server.url, ns);
      try {
        expect(await store.get(`${ns}hash`)).toBeUndefined(); // script path, starts the sample
        await sampled();
        watch.seen.length = 0;
        expect(await store.get(`${ns}string`)).toBeUndefined();
        expect(await store.get(`${ns}hash`)).toBeUndefined();
        const many = await store.getMany([`${ns}string`, `${ns}hash`, `${ns}ours`]);
        expect(many.map((entry) => entry && Buffer.from(entry.payload).toString())).toEqual([
          undefined,
          undefined,
          'x',
        ]);
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['get', 'get', 'mget']);
        expect(await store.size(ns)).toBe(1);
      } finally {
        await watch.stop();
        await close();
      }
    });

    it('falls back to the script after a reconnect until the clock is sampled again', async () => {
      const { admin, client, store, close } = await openStore();
      client.on('error', () => undefined);
      const key = `${randomPrefix('reconnect')}k`;
      await store.set(key, bytes('v'), { ttlMs: 60_000 });
      const watch = await watchCommands(server.url, key);
      try {
        await store.get(key);
        await sampled();
        await store.get(key);
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['evalsha', 'get']);
        watch.seen.length = 0;
        const id = await client.sendCommand(['CLIENT', 'ID']);
        const ready = new Promise((resolve) => client.once('ready', resolve));
        await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
        await ready;
        // both reads start before the new sample can come back
        const [single, [many]] = await Promise.all([store.get(key), store.getMany([key])]);
        expect(single?.ttlMs).toBeGreaterThan(50_000);
        expect(many?.ttlMs).toBeGreaterThan(50_000);
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['evalsha', 'evalsha']);
        await sampled();
        watch.seen.length = 0;
        expect((await store.get(key))?.ttlMs).toBeGreaterThan(50_000);
        await watch.fence();
        expect(sent(watch.seen)).toEqual(['get']);
      } finally {
        await watch.stop();
        await close();
      }
    });
  });

  describe(`${major.name} cluster`, () => {
    it('reads keys of many slots with getMany and clears on every master', async () => {
      const client = major.createCluster({
        rootNodes: [{ url: `redis://127.0.0.1:${cluster.nodes[0]?.port}` }],
      });
      client.on('error', () => undefined);
      await client.connect();
      const store = createRedisStore(client);
      const prefix = randomPrefix('cl');
      const keys = Array.from({ length: 200 }, (_, index) => `${prefix}${index}`);
      for (const key of keys) await store.set(key, bytes(key));
      const entries = await store.getMany([...keys, `${prefix}missing`, keys[0] as string]);
      expect(entries.slice(0, 200).map((entry) => entry && Buffer.from(entry.payload).toString())).toEqual(
        keys,
      );
      expect(entries[200]).toBeUndefined();
      expect(entries[201]?.payload).toEqual(Buffer.from(keys[0] as string));
      // The 200 keys are spread over every master.
      const perMaster = await Promise.all(
        cluster.nodes.map(async (node) => {
          const admin = await adminClient(`redis://${node.host}:${node.port}`);
          const size = await admin.dbSize();
          await admin.close();
          return size;
        }),
      );
      expect(perMaster.every((size) => size > 0)).toBe(true);
      expect(await store.size(prefix)).toBe(200);
      const highest = Math.max(...entries.slice(0, 200).map((entry) => entry?.version ?? 0));
      expect(await store.clear(prefix)).toBeGreaterThanOrEqual(highest);
      expect(await store.size(prefix)).toBe(0);
      expect((await store.getMany(keys)).every((entry) => entry === undefined)).toBe(true);
      await store.close();
      await client.close();
    });

    it('never publishes for a synchronizer, even one on the same Cluster object (sharded or not)', async () => {
      const client = major.createCluster({
        rootNodes: [{ url: `redis://127.0.0.1:${cluster.nodes[0]?.port}` }],
      });
      client.on('error', () => undefined);
      await client.connect();
      const store = createRedisStore(client);
      const sharded = createRedisSynchronizer(client);
      const plain = createRedisSynchronizer(client, { sharded: false });
      // A script on one master cannot keep a pod's events in order across masters (nor reach a
      // sharded channel of another slot): core publishes through the synchronizer instead.
      expect(store.publishesTo?.(sharded)).toBe(false);
      expect(store.publishesTo?.(plain)).toBe(false);
      await Promise.all([store.close(), sharded.close(), plain.close()]);
      await client.close();
    });
  });
}

describe('owned connections', () => {
  it('connects from a URL and closes what it created; then rejects with CacheClosedError', async () => {
    const store = createRedisStore({ url: server.url });
    const key = `${randomPrefix()}owned`;
    expect(await store.set(key, bytes('v'))).toBeGreaterThan(0);
    await store.close();
    await store.close();
    await expect(store.get(key)).rejects.toSatisfy(CacheClosedError.isInstance);
  });

  it('connects to a Cluster from clusterOptions', async () => {
    const store = createRedisStore({
      clusterOptions: {
        rootNodes: cluster.nodes.map((node) => ({ url: `redis://${node.host}:${node.port}` })),
      },
    });
    const key = `${randomPrefix()}owned-cluster`;
    const version = await store.set(key, bytes('v'));
    expect((await store.get(key))?.version).toBe(version);
    await store.close();
  });

  for (const major of majors) {
    it(`${major.name}: commandTimeoutMs sets the per-command timer, and 0 sends commands without one`, async () => {
      // node-redis 6 gives commands sent without a timeout its own default (5 s); 0 must mean none.
      const client = major.createClient({ url: server.url });
      await client.connect();
      const key = `${randomPrefix()}timer`;
      const timed = createRedisStore(client, { commandTimeoutMs: 300 });
      const untimed = createRedisStore(client, { commandTimeoutMs: 0 });
      await timed.set(key, bytes('v'));
      const timers = vi.spyOn(AbortSignal, 'timeout');
      try {
        await timed.get(key);
        expect(timers.mock.calls.map(([ms]) => ms)).toContain(300);
        timers.mockClear();
        expect(Buffer.from((await untimed.get(key))?.payload ?? []).toString()).toBe('v');
        await untimed.set(key, bytes('w'));
        expect(timers).not.toHaveBeenCalled();
      } finally {
        timers.mockRestore();
        await Promise.all([timed.close(), untimed.close()]);
        await client.quit();
      }
    });
  }

  it('rejects invalid options with InvalidConfigError naming the option', () => {
    expect(() => createRedisStore(server.url, { scanCount: 0 })).toThrow(/scanCount/);
    expect(() => createRedisStore(server.url, { commandTimeoutMs: -1 })).toThrow(InvalidConfigError);
    expect(() => createRedisStore({ url: server.url, clientOptions: {} })).toThrow(/only one of/);
    expect(() => createRedisStore({ client: {} as never })).toThrow(InvalidConfigError);
  });
});

describe('Redis stopped mid-run', () => {
  it('fails within the command timeout with typed errors and works again after a restart', async () => {
    const own = await startRedis();
    try {
      const store = createRedisStore(own.url, { commandTimeoutMs: 300 });
      const key = `${randomPrefix()}down`;
      await store.set(key, bytes('before'));
      await own.kill();
      const started = Date.now();
      const error = await store.get(key).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(StoreError.isInstance(error) || TimeoutError.isInstance(error)).toBe(true);
      await own.restart();
      // The client reconnects by itself; poll until a write goes through (bounded).
      const deadline = Date.now() + 10_000;
      let version = 0;
      while (version === 0 && Date.now() < deadline) {
        version = await store.set(key, bytes('after')).catch(() => 0);
        if (version === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(version).toBeGreaterThan(0);
      expect(Buffer.from((await store.get(key))?.payload ?? []).toString()).toBe('after');
      await store.close();
    } finally {
      await own.stop();
    }
  });
});

describe('started before Redis', () => {
  it('a store created while Redis is unreachable fails with typed errors, then works once Redis is up', async () => {
    const late = await startRedis();
    await late.kill();
    try {
      const store = createRedisStore(late.url, { commandTimeoutMs: 200 });
      const key = `${randomPrefix()}early`;
      const error = await store.set(key, bytes('x')).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(StoreError.isInstance(error) || TimeoutError.isInstance(error)).toBe(true);
      await late.restart();
      const deadline = Date.now() + 10_000;
      let version = 0;
      while (version === 0 && Date.now() < deadline) {
        version = await store.set(key, bytes('x')).catch(() => 0);
        if (version === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(version).toBeGreaterThan(0);
      await store.close();
    } finally {
      await late.stop();
    }
  });
});
