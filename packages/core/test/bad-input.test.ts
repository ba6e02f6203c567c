/** Bad input gets a clear typed error and loses nothing. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createCache,
  encodeBatch,
  encodeEvent,
  InvalidConfigError,
  LimitExceededError,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  SerializationError,
  type Store,
  StoreError,
} from '../src/index.js';
import { createPods, type Pods, settle, until } from './helpers.js';

const CHANNEL = 'cache:invalidate:default';
let cluster: Pods<unknown> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('values and keys', () => {
  it('unserializable values are a SerializationError and the old value stays everywhere', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.set('k', 'old');
    await until(() => b!.peek('k') === 'old', 'old value');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [10n, cyclic, () => 1, Symbol('s'), undefined]) {
      await expect(a!.set('k', bad)).rejects.toSatisfy(SerializationError.isInstance);
      await expect(a!.setWithInvalidate('k', bad)).rejects.toSatisfy(SerializationError.isInstance);
    }
    await settle();
    expect(a!.peek('k')).toBe('old');
    expect(b!.peek('k')).toBe('old');
    expect(await cluster.store.get('default:k')).toMatchObject({ version: 1 });
  });

  it('values over maxValueBytes and keys over maxKeyBytes are typed errors; nothing is written', async () => {
    cluster = await createPods(1, { maxValueBytes: 100, maxKeyBytes: 16 });
    const [a] = cluster.pods;
    const tooBig = a!.set('k', 'x'.repeat(200));
    await expect(tooBig).rejects.toSatisfy(LimitExceededError.isInstance);
    await expect(tooBig).rejects.toMatchObject({ limit: 'maxValueBytes', max: 100 });
    await expect(a!.set('k'.repeat(17), 1)).rejects.toMatchObject({ limit: 'maxKeyBytes' });
    await expect(a!.delete('é'.repeat(9))).rejects.toMatchObject({ limit: 'maxKeyBytes', actual: 18 });
    expect(await cluster.store.size('')).toBe(0);
  });

  it('a key no write could store is the same typed error on every method, reads included', async () => {
    cluster = await createPods(1, { maxKeyBytes: 16 });
    const [a] = cluster.pods;
    const long = 'k'.repeat(17);
    const loader = vi.fn(async () => 1);
    await expect(a!.get(long)).rejects.toMatchObject({ limit: 'maxKeyBytes' });
    await expect(a!.getMany(['ok', long])).rejects.toMatchObject({ limit: 'maxKeyBytes' });
    await expect(a!.getOrSet(long, loader)).rejects.toMatchObject({ limit: 'maxKeyBytes' });
    expect(() => a!.peek(long)).toThrow(LimitExceededError);
    expect(loader).not.toHaveBeenCalled();
  });

  it('non-string keys are rejected with an error naming the key, before a loader runs', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const loader = vi.fn(async () => 1);
    await expect(a!.get(42 as unknown as string)).rejects.toMatchObject({ option: 'key' });
    await expect(a!.set(null as unknown as string, 1)).rejects.toMatchObject({ option: 'key' });
    await expect(a!.getOrSet(null as unknown as string, loader)).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
    await expect(a!.getMany([undefined as unknown as string])).rejects.toMatchObject({ option: 'key' });
    expect(() => a!.peek({} as unknown as string)).toThrow(InvalidConfigError);
    expect(loader).not.toHaveBeenCalled();
  });

  it('hostile keys round-trip: glob characters, newlines, __proto__, non-ASCII, 10 kB', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    const keys = [
      'a*b?[c]{d}',
      'line\nbreak',
      ' spaced key ',
      '__proto__',
      'constructor',
      'ключ🔑',
      'x'.repeat(10_240),
      '',
    ];
    for (const key of keys) await a!.set(key, key.length);
    for (const key of keys) expect(await b!.get(key)).toBe(key.length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile bus messages', () => {
  it('are dropped and counted, never throw, and change nothing', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    await a!.set('k', 'safe');
    const valid = Buffer.from(
      encodeEvent({
        action: 'set',
        key: 'k',
        podId: 'evil',
        epoch: 1,
        seq: 1,
        version: 999,
        ttlMs: 0,
        value: Buffer.from('"owned"'),
      }),
    );
    const truncated = valid.subarray(0, valid.length - 3);
    const flipped = Buffer.from(valid);
    flipped[3]! ^= 0x40;
    const foreign = Buffer.from(valid);
    foreign[1] = 7;
    const garbage: unknown[] = [
      new Uint8Array(0),
      null,
      undefined,
      'text',
      {},
      truncated,
      flipped,
      foreign,
      Buffer.from('{"__proto__":{"polluted":1}}'),
      Buffer.alloc(1 << 20, 0xca),
    ];
    for (const message of garbage) cluster.bus.publish(CHANNEL, message as Uint8Array);
    await settle();
    expect(a!.stats().eventsDropped).toBe(garbage.length);
    expect(a!.peek('k')).toBe('safe');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('batch frames: their events apply in order; a bad envelope inside is dropped alone; bad frames are dropped whole', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const event = (key: string, seq: number, value: string) =>
      encodeEvent({
        action: 'set',
        key,
        podId: 'peer',
        epoch: 1,
        seq,
        version: 1000 + seq,
        ttlMs: 0,
        value: Buffer.from(JSON.stringify(value)),
      });
    cluster.bus.publish(
      CHANNEL,
      encodeBatch([event('x', 1, 'x1'), event('y', 2, 'y1'), event('x', 3, 'x2')]),
    );
    await settle();
    expect([a!.peek('x'), a!.peek('y')]).toEqual(['x2', 'y1']);
    expect(a!.stats().eventsDropped).toBe(0);
    const garbage = Buffer.from(event('z', 5, 'never'));
    garbage[2] = 99;
    const nested = encodeBatch([event('w', 6, 'never')]);
    cluster.bus.publish(CHANNEL, encodeBatch([event('z', 4, 'z1'), garbage, nested]));
    await settle();
    expect(a!.peek('z')).toBe('z1');
    expect(a!.peek('w')).toBeUndefined();
    expect(a!.stats().eventsDropped).toBe(2);
    const truncated = encodeBatch([event('v', 7, 'never')]).subarray(0, 20);
    cluster.bus.publish(CHANNEL, truncated);
    await settle();
    expect(a!.peek('v')).toBeUndefined();
    expect(a!.stats().eventsDropped).toBe(3);
  });

  it('a well-formed event whose value does not decode drops the local copy (safe) and reports', async () => {
    const onError = vi.fn();
    cluster = await createPods(1, { onError });
    const [a] = cluster.pods;
    await a!.set('k', 'safe');
    cluster.bus.publish(
      CHANNEL,
      encodeEvent({
        action: 'set',
        key: 'k',
        podId: 'p',
        epoch: 1,
        seq: 1,
        version: 999,
        ttlMs: 0,
        value: Buffer.from('{'),
      }),
    );
    await settle();
    expect(a!.peek('k')).toBeUndefined();
    expect(onError).toHaveBeenCalled();
    expect(await a!.get('k')).toBe('safe');
  });

  it('with a secret, unsigned events are dropped and signed pods still sync', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const a = await createCache({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      secret: 'k3y',
      heartbeatMs: 0,
    });
    const b = await createCache({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      secret: 'k3y',
      heartbeatMs: 0,
    });
    const intruder = await createCache({
      store: new MemoryStore(),
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
    });
    await b.get('k');
    await a.set('k', 'real');
    await until(() => b.peek('k') === 'real', 'signed propagation');
    await intruder.set('k', 'forged');
    await until(() => b.stats().eventsDropped === 1, 'unsigned drop');
    expect(b.peek('k')).toBe('real');
    // A batch frame is never signed: dropped whole where a secret is set.
    const forged = encodeEvent({
      action: 'set',
      key: 'k',
      podId: 'intruder-2',
      epoch: 1,
      seq: 1,
      version: Number.MAX_SAFE_INTEGER - 1,
      ttlMs: 0,
      value: Buffer.from('"forged"'),
    });
    bus.publish('cache:invalidate:default', encodeBatch([forged, forged]));
    await until(() => b.stats().eventsDropped === 2, 'unsigned batch frame dropped');
    expect(b.peek('k')).toBe('real');
    await Promise.all([a.close(), b.close(), intruder.close()]);
  });

  it('a signed event replayed on another namespace or channel is dropped as badly signed', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const pod = (namespace: string, channel?: string) =>
      createCache<string>({
        store,
        synchronizer: new MemorySynchronizer({ bus }),
        secret: 'k3y',
        heartbeatMs: 0,
        namespace,
        ...(channel === undefined ? {} : { channel }),
      });
    const writer = await pod('orders');
    const elsewhere = [await pod('users'), await pod('orders', 'other-channel')];
    const captured: Uint8Array[] = [];
    await new MemorySynchronizer({ bus }).subscribe(
      'cache:invalidate:orders',
      (message) => captured.push(message),
      () => {},
    );
    await writer.set('k', 'from orders');
    await until(() => captured.length === 1, 'captured');
    for (const target of elsewhere) await target.get('k');
    bus.publish('cache:invalidate:users', captured[0]!);
    bus.publish('other-channel:orders', captured[0]!);
    const reasons: string[] = [];
    for (const target of elsewhere) target.on('dropped', (reason) => reasons.push(reason));
    await until(() => reasons.length === 2, 'both replays dropped');
    expect(reasons).toEqual(['signature', 'signature']);
    expect(elsewhere[0]!.peek('k')).toBeUndefined(); // the users namespace holds no such key
    await Promise.all([writer.close(), ...elsewhere.map((target) => target.close())]);
  });

  it('a fresh pod does not apply a replayed old signed event: it takes its version floor from the store first', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const pod = (podId: string) =>
      createCache<string>({
        store,
        synchronizer: new MemorySynchronizer({ bus }),
        secret: 'k3y',
        heartbeatMs: 0,
        podId,
      });
    const captured: Uint8Array[] = [];
    await new MemorySynchronizer({ bus }).subscribe(
      'cache:invalidate:default',
      (message) => captured.push(message),
      () => {},
    );
    const writer = await pod('writer');
    await writer.set('k', 'old');
    await writer.set('k', 'new');
    await until(() => captured.length === 2, 'captured');
    await writer.close();
    const fresh = await pod('fresh');
    const received = new Promise<boolean>((resolve) =>
      fresh.on('event', (_event, applied) => resolve(applied)),
    );
    bus.publish('cache:invalidate:default', captured[0]!); // seq 1 of a pod that is gone
    await received;
    expect(fresh.peek('k')).toBeUndefined();
    expect(await fresh.get('k')).toBe('new');
    await fresh.close();
  });

  it('listeners that throw never break delivery', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    b!.on('event', () => {
      throw new Error('listener bug');
    });
    await a!.set('k', 1);
    await a!.set('k', 2);
    await until(() => b!.peek('k') === 2, 'delivery despite listener');
  });
});

describe('servers that are down', () => {
  const failing = (): Store => {
    const fail = async () => {
      throw new Error('ECONNREFUSED');
    };
    return {
      get: fail,
      getMany: fail,
      set: fail,
      delete: fail,
      clear: fail,
      size: fail,
      close: async () => {},
    };
  };

  it('writes reject with StoreError carrying the cause; reads fail open and report', async () => {
    const onError = vi.fn();
    const cache = await createCache({ store: failing(), onError, heartbeatMs: 0 });
    const write = cache.set('k', 1);
    await expect(write).rejects.toSatisfy(StoreError.isInstance);
    await expect(write).rejects.toMatchObject({ key: 'k', action: 'set', cause: expect.any(Error) });
    await expect(cache.clear()).rejects.toSatisfy(StoreError.isInstance);
    expect(await cache.get('k')).toBeUndefined();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'ERR_STORE' }), {
      operation: 'get',
      key: 'k',
    });
    await cache.close();
  });

  it('getOrSet still returns the loaded value when the store is down', async () => {
    const onError = vi.fn();
    const cache = await createCache({ store: failing(), onError, heartbeatMs: 0 });
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded');
    expect(onError).toHaveBeenCalled();
    await cache.close();
  });

  it('failed publishes are retried when the bus recovers', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await b!.get('k');
    cluster.synchronizers[0]!.disconnect();
    await a!.set('k', 'while-down');
    await until(() => a!.stats().publishRetries === 1, 'queued retry');
    cluster.synchronizers[0]!.reconnect();
    await until(() => b!.stats().eventsApplied + b!.stats().eventsStale >= 1, 'retried event');
    expect(await b!.get('k')).toBe('while-down');
  });

  it("a batch's failed frame queues every event of it for retry", async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    cluster.synchronizers[0]!.disconnect();
    await a!.setMany(keys.map((key) => [key, `v ${key}`] as const));
    await until(() => a!.stats().publishRetries === keys.length, 'every event queued');
    cluster.synchronizers[0]!.reconnect();
    await until(() => b!.stats().eventsApplied + b!.stats().eventsStale >= keys.length, 'retried events');
    expect(await b!.getMany(keys)).toEqual(keys.map((key) => `v ${key}`));
  });
});

describe('getOrSet', () => {
  it('runs the loader once per pod per key under concurrency, and writes through', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    const loader = vi.fn(async (key: string) => `loaded:${key}`);
    const results = await Promise.all(Array.from({ length: 50 }, () => a!.getOrSet('k', loader)));
    expect(new Set(results)).toEqual(new Set(['loaded:k']));
    expect(loader).toHaveBeenCalledTimes(1);
    expect(await b!.getOrSet('k', loader)).toBe('loaded:k');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('a loader error reaches every waiter and is not cached', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    let calls = 0;
    const loader = async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return 'ok';
    };
    const first = await Promise.allSettled([a!.getOrSet('k', loader), a!.getOrSet('k', loader)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await a!.getOrSet('k', loader)).toBe('ok');
  });

  it('invalidate: true propagates as an invalidation', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await b!.set('k', 'old');
    await until(() => a!.peek('k') === 'old', 'old');
    await b!.delete('k');
    await until(() => a!.peek('k') === undefined, 'deleted');
    await b!.get('x');
    await a!.getOrSet('x', () => 'new', { invalidate: true });
    await settle();
    expect(b!.peek('x')).toBeUndefined();
    expect(await b!.get('x')).toBe('new');
  });
});

describe('events and close', () => {
  it('values over maxEventValueBytes travel as invalidations', async () => {
    cluster = await createPods(2, { maxEventValueBytes: 10 });
    const [a, b] = cluster.pods;
    await b!.get('k');
    await a!.set('k', 'x'.repeat(50));
    await until(() => b!.stats().eventsApplied === 1, 'event');
    expect(b!.peek('k')).toBeUndefined();
    expect(await b!.get('k')).toBe('x'.repeat(50));
  });

  it('close flushes pending publishes before closing the synchronizer', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await b!.get('k');
    await a!.set('k', 'last');
    await a!.close();
    await until(() => b!.peek('k') === 'last', 'flushed publish');
  });

  it('getMany returns local hits and batched misses in order', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    await a!.set('a', 1);
    await cluster.store.set('default:b', Buffer.from('2'));
    expect(await a!.getMany(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
  });

  it('await using closes the cache at the end of the scope', async () => {
    const cache = await createCache();
    {
      await using scoped = cache;
      await scoped.set('k', 1);
    }
    await expect(cache.get('k')).rejects.toThrow(/closed/);
  });
});
