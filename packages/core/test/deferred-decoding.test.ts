import { afterEach, describe, expect, it } from 'vitest';
import {
  createCache,
  type ErrorContext,
  encodeEvent,
  jsonMarshaller,
  type LocalCache,
  type Marshaller,
  MemoryStore,
  SieveCache,
  type SyncedCache,
  type SyncedCacheOptions,
  type Synchronizer,
  type WireEvent,
} from '../src/index.js';
import { createPods, type Pods, settle } from './helpers.js';

/** The built-in JSON marshaller, counting its decodes; `poison` makes every later decode throw. */
function countingMarshaller() {
  const counts = { decodes: 0, poison: false };
  const marshaller: Marshaller<unknown> = {
    ...jsonMarshaller,
    decode(bytes) {
      counts.decodes++;
      if (counts.poison) throw new Error('poisoned decode');
      return jsonMarshaller.decode(bytes);
    },
  };
  return { counts, marshaller };
}

let open: Pods<unknown> | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function twoPods(options: SyncedCacheOptions<unknown> = {}) {
  const { counts, marshaller } = countingMarshaller();
  const errors: ErrorContext[] = [];
  open = await createPods<unknown>(2, {
    marshaller,
    onError: (_error, context) => errors.push(context),
    ...options,
  });
  const [writer, reader] = open.pods as [
    NonNullable<Pods<unknown>['pods'][0]>,
    NonNullable<Pods<unknown>['pods'][0]>,
  ];
  return { writer, reader, counts, errors, store: open.store };
}

/** A pod whose synchronizer only hands over its message handler: the test delivers bytes itself. */
async function capturingPod(store = new MemoryStore()) {
  let handler: ((message: Uint8Array) => void) | undefined;
  const capturing: Synchronizer = {
    publish: async () => undefined,
    subscribe: async (_channel, onMessage, onStatus) => {
      handler = onMessage;
      queueMicrotask(() => onStatus('up'));
      return { unsubscribe: async () => undefined };
    },
    close: async () => undefined,
  };
  const reader = await createCache<unknown>({ store, synchronizer: capturing, heartbeatMs: 0 });
  return { reader, deliver: (message: Uint8Array) => handler!(message) };
}

describe('received values are decoded on their first read, not on arrival', () => {
  it('a value overwritten before anyone read it is never decoded; a read decodes once, later reads reuse it', async () => {
    const { writer, reader, counts } = await twoPods();
    for (let i = 0; i < 10; i++) await writer.set('k', { n: i });
    const byWriter = counts.decodes; // the writer holds a decoded copy of what it wrote
    await settle();
    expect(reader.stats().eventsApplied).toBe(10);
    expect(counts.decodes - byWriter).toBe(0);

    expect(reader.peek('k')).toEqual({ n: 9 });
    expect(counts.decodes - byWriter).toBe(1);
    const first = await reader.get('k');
    expect(first).toEqual({ n: 9 });
    expect(await reader.get('k')).toBe(first); // the same decoded object, not decoded again
    expect(counts.decodes - byWriter).toBe(1);
    expect(reader.stats().localHits).toBe(2);
    expect(reader.stats().remoteHits + reader.stats().remoteMisses).toBe(0);
  });

  it('a key the local cache holds is kept current in place: its new value is decoded on arrival', async () => {
    const { writer, reader, counts } = await twoPods();
    await writer.set('k', 'v1');
    await settle();
    expect(await reader.get('k')).toBe('v1'); // read here: now in the local cache
    const hitsBefore = reader.stats().localHits;
    const decodesBefore = counts.decodes;
    await writer.set('k', 'v2');
    const byWriter = counts.decodes - decodesBefore;
    await settle();
    expect(counts.decodes - decodesBefore - byWriter).toBe(1); // the reader decoded it on arrival
    expect(reader.peek('k')).toBe('v2');
    expect(counts.decodes - decodesBefore - byWriter).toBe(1);
    expect(reader.stats().invalidations).toBe(1);
    expect(reader.stats().localHits).toBe(hitsBefore); // asking whether it held k counted no read
  });

  it('every read path unwraps: get, peek, getOrSet, getMany, getOrSetMany', async () => {
    const { writer, reader } = await twoPods();
    await writer.setMany([
      ['a', 1],
      ['b', 'two'],
      ['c', { three: [3] }],
      ['d', null],
      ['e', false],
    ]);
    await settle();
    expect(await reader.getMany(['a', 'b'])).toEqual([1, 'two']);
    expect(await reader.getOrSet('c', () => 'loaded')).toEqual({ three: [3] });
    expect(await reader.getOrSetMany(['d', 'e'], () => new Map())).toEqual([null, false]);
    expect(reader.peek('e')).toBe(false);
    expect(await reader.get('d')).toBeNull();
    expect(reader.stats().remoteHits + reader.stats().remoteMisses).toBe(0);
  });

  it('with the built-in JSON marshaller, ASCII and non-ASCII values come back exactly', async () => {
    open = await createPods<unknown>(2);
    const [writer, reader] = open.pods as [SyncedCache<unknown>, SyncedCache<unknown>];
    const values = {
      ascii: { name: 'Ada', n: [1, 2.5, -3] },
      accents: 'Zoë Noël',
      emoji: ['🚀', '日本'],
      empty: '',
    };
    for (const [key, value] of Object.entries(values)) await writer.set(key, value);
    await settle();
    for (const [key, value] of Object.entries(values)) expect(reader.peek(key)).toEqual(value);
    expect(reader.stats().remoteHits + reader.stats().remoteMisses).toBe(0);
  });

  it('a value that does not decode is reported when read, dropped, and the read goes to the store', async () => {
    const { writer, reader, counts, errors } = await twoPods();
    await writer.set('k', 'v1');
    await settle();
    counts.poison = true;
    expect(reader.peek('k')).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ operation: 'decodeEvent', key: 'k' })]);
    expect(reader.stats().localSize).toBe(0);
    counts.poison = false;
    expect(await reader.get('k')).toBe('v1'); // from the store, and cached again
    expect(reader.stats().remoteHits).toBe(1);
    expect(reader.peek('k')).toBe('v1');
  });

  it('a malformed JSON value (built-in marshaller, ASCII bytes) is reported when read and reads as a miss', async () => {
    const errors: ErrorContext[] = [];
    open = await createPods<unknown>(1, { onError: (_error, context) => errors.push(context) });
    const [reader] = open.pods as [SyncedCache<unknown>];
    const forged: WireEvent = {
      action: 'set',
      key: 'k',
      podId: 'forger',
      epoch: 1,
      seq: 1,
      version: 1,
      ttlMs: 0,
      value: Buffer.from('{"not json'),
    };
    open.bus.publish('cache:invalidate:default', encodeEvent(forged));
    await settle();
    expect(reader.stats().eventsApplied).toBe(1);
    expect(errors).toEqual([]);
    expect(await reader.get('k')).toBeUndefined(); // reported, dropped, then a store miss
    expect(errors).toEqual([expect.objectContaining({ operation: 'decodeEvent', key: 'k' })]);
    expect(reader.stats().remoteMisses).toBe(1);
  });

  it('the waiting bytes are a copy: the message buffer reused after delivery changes nothing', async () => {
    const { deliver, reader } = await capturingPod();
    try {
      const message = encodeEvent({
        action: 'set',
        key: 'k',
        podId: 'sender',
        epoch: 1,
        seq: 1,
        version: 1,
        ttlMs: 0,
        value: jsonMarshaller.encode({ name: 'Ada' }),
      });
      deliver(message);
      expect(reader.stats().eventsApplied).toBe(1);
      message.fill(0x20); // a transport reusing its read buffer
      expect(reader.peek('k')).toEqual({ name: 'Ada' });
    } finally {
      await reader.close();
    }
  });

  it('a set held back while a resync waits for its floor keeps a copy of its bytes, not a view', async () => {
    const store = new MemoryStore();
    const { deliver, reader } = await capturingPod(store);
    try {
      const version = (await store.currentVersion()) + 1000;
      const event = (seq: number, key: string, value: unknown) =>
        encodeEvent({
          action: 'set',
          key,
          podId: 'sender',
          epoch: 1,
          seq,
          version: version + seq,
          ttlMs: 0,
          value: jsonMarshaller.encode(value),
        });
      deliver(event(1, 'a', 1));
      await settle();
      // seq 3 reveals a lost seq 2: a resync asks the store for a floor; until it answers, the next
      // set is held back. Its message buffer is then reused by the transport.
      deliver(event(3, 'b', 3));
      const held = event(4, 'c', { name: 'Ada' });
      deliver(held);
      held.fill(0x20);
      await settle();
      expect(reader.stats().resyncs).toBe(1);
      expect(reader.peek('c')).toEqual({ name: 'Ada' });
    } finally {
      await reader.close();
    }
  });

  it('with onSetLocalCache the hook still sees every value on arrival (it shapes what is held)', async () => {
    const seen: string[] = [];
    const { writer, reader, counts } = await twoPods({
      onSetLocalCache: (event, decode) => {
        seen.push(event.key);
        return { shaped: decode(event.value!) };
      },
    });
    await writer.set('k', 1);
    await settle();
    expect(seen).toEqual(['k', 'k']); // the writer's own write, then the reader's event
    expect(counts.decodes).toBe(2); // by the hook only, once on each pod
    expect(reader.peek('k')).toEqual({ shaped: 1 });
  });

  it('a local cache only ever holds decoded values, and only the ones this pod read', async () => {
    const held: unknown[] = [];
    const recording = (): LocalCache<unknown> => {
      const inner = new SieveCache<unknown>();
      return {
        get: (key) => inner.get(key),
        set: (key, entry, options) => {
          held.push(entry);
          return inner.set(key, entry, options);
        },
        delete: (key) => inner.delete(key),
        clear: () => inner.clear(),
        get size() {
          return inner.size;
        },
        metrics: () => inner.metrics(),
        close: () => inner.close(),
      };
    };
    const { writer, reader } = await twoPods({ localCache: recording });
    await writer.set('read', { n: 1 });
    await writer.set('unread', { n: 2 });
    await settle();
    expect(reader.stats().localSize).toBe(2); // both held locally
    expect(reader.peek('read')).toEqual({ n: 1 });
    // The writer's two own copies, then the reader's one read: decoded values only.
    expect(held).toEqual([{ n: 1 }, { n: 2 }, { n: 1 }]);
  });

  it('a received value replaces the local copy: counted as an invalidation, and the next read sees the new value', async () => {
    const { writer, reader } = await twoPods();
    await writer.set('k', 'v1');
    await settle();
    expect(await reader.get('k')).toBe('v1');
    await writer.set('k', 'v2');
    await settle();
    expect(reader.stats().invalidations).toBe(1);
    expect(reader.stats().localSize).toBe(1);
    expect(reader.peek('k')).toBe('v2');
    await writer.delete('k');
    await settle();
    expect(reader.peek('k')).toBeUndefined();
    expect(reader.stats().invalidations).toBe(2);
    expect(reader.stats().localSize).toBe(0);
  });

  it('an unread value keeps its TTL: read after it expired, it is a miss that asks the store', async () => {
    const { writer, reader } = await twoPods();
    await writer.set('k', 'v', { ttlMs: 30 });
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reader.peek('k')).toBeUndefined();
    expect(await reader.get('k')).toBeUndefined();
    expect(reader.stats().remoteMisses).toBe(1);
  });

  it('a clear or a flush drops unread values too', async () => {
    const { writer, reader } = await twoPods();
    await writer.setMany([
      ['a', 1],
      ['b', 2],
    ]);
    await settle();
    expect(reader.stats().localSize).toBe(2);
    await writer.clear();
    await settle();
    expect(reader.stats().localSize).toBe(0);
    expect(reader.peek('a')).toBeUndefined();
  });

  it('at most as many values wait unread as the local cache holds entries (at least 1,024): past that, the quarter that waited longest goes', async () => {
    const { writer, reader } = await twoPods();
    const entries = Array.from({ length: 1100 }, (_, i): [string, number] => [`k${i}`, i]);
    await writer.setMany(entries);
    await settle();
    // The 1,025th value shed the 257 oldest (1,025 - 768 kept), then 75 more arrived.
    expect(reader.stats().localSize).toBe(768 + 75);
    expect(reader.peek('k256')).toBeUndefined(); // shed unread: a read asks the store
    expect(reader.peek('k257')).toBe(257);
    expect(reader.peek('k1099')).toBe(1099);
    expect(await reader.get('k0')).toBe(0);
    expect(reader.stats().remoteHits).toBe(1);
  });
});
