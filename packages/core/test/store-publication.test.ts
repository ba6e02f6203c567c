import { describe, expect, it } from 'vitest';
import {
  createCache,
  decodeEvent,
  encodeEvent,
  MemoryBus,
  MemorySynchronizer,
  type Store,
  type SyncedCacheOptions,
} from '../src/index.js';
import { publishingStore, until } from './helpers.js';

/** A synchronizer that counts what core publishes itself. */
function countingSynchronizer(bus: MemoryBus) {
  const inner = new MemorySynchronizer({ bus });
  const counts = { publish: 0 };
  const synchronizer = {
    subscribe: inner.subscribe.bind(inner),
    close: inner.close.bind(inner),
    publish: (channel: string, message: Uint8Array) => {
      counts.publish++;
      return inner.publish(channel, message);
    },
  };
  return { synchronizer, counts };
}

/** A writer pod (what core publishes itself is counted) and a reader pod on one store and bus. */
async function writerAndReader(
  bus: MemoryBus,
  store: Store,
  options: Partial<SyncedCacheOptions<string>> = {},
) {
  const counted = countingSynchronizer(bus);
  const writer = await createCache<string>({
    store,
    synchronizer: counted.synchronizer,
    podId: 'a',
    heartbeatMs: 0,
    ...options,
  });
  const reader = await createCache<string>({
    store,
    synchronizer: new MemorySynchronizer({ bus }),
    podId: 'b',
    heartbeatMs: 0,
    ...options,
  });
  return { writer, reader, counts: counted.counts };
}

describe('a store that publishes events itself (setAndPublish)', () => {
  it('carries set, invalidate and delete events in the write step, byte for byte what core would send', async () => {
    const bus = new MemoryBus();
    const { store, published, plainWrites } = publishingStore(bus);
    const { writer, reader, counts } = await writerAndReader(bus, store);
    await reader.get('k'); // so the reader tracks the key
    await writer.set('k', 'v1');
    await until(() => reader.peek('k') === 'v1', 'set event');
    await writer.setWithInvalidate('k', 'v2');
    await until(() => reader.peek('k') === undefined, 'invalidate event');
    expect(await reader.get('k')).toBe('v2');
    await writer.delete('k');
    await until(() => reader.peek('k') === undefined, 'delete event');
    expect(counts.publish).toBe(0); // core published nothing itself
    expect(plainWrites).toEqual({ set: 0, delete: 0 });
    expect(published.map(({ message }) => decodeEvent(message).action)).toEqual([
      'set',
      'invalidate',
      'delete',
    ]);
    for (const { message, version } of published) {
      const event = decodeEvent(message);
      expect(event.version).toBe(version);
      expect(event.podId).toBe('a');
      // identical to the envelope core would have encoded after the write
      expect(
        Buffer.from(encodeEvent({ ...event, value: event.value && new Uint8Array(event.value) })),
      ).toEqual(Buffer.from(message));
    }
    expect(published.map(({ message }) => decodeEvent(message).seq)).toEqual([1, 2, 3]);
    await writer.close();
    await reader.close();
  });

  it('is not used when events are signed, or when the store says it does not reach the synchronizer', async () => {
    for (const [secret, publishes] of [
      ['s3cret', true],
      [undefined, false],
    ] as const) {
      const bus = new MemoryBus();
      const { store, published, plainWrites } = publishingStore(bus, publishes);
      const { writer, reader, counts } = await writerAndReader(
        bus,
        store,
        secret === undefined ? {} : { secret },
      );
      await writer.set('k', 'v1');
      await until(() => reader.peek('k') === 'v1', 'set event through the synchronizer');
      await writer.delete('k');
      expect(published).toHaveLength(0);
      expect(plainWrites).toEqual({ set: 1, delete: 1 });
      await until(() => counts.publish === 2, 'two publishes by core');
      await writer.close();
      await reader.close();
    }
  });

  it('a failed write publishes nothing and the caller gets the typed error', async () => {
    const bus = new MemoryBus();
    const { store } = publishingStore(bus);
    const failing: Store = {
      ...store,
      setAndPublish: () => Promise.reject(new Error('connection reset')),
      deleteAndPublish: store.deleteAndPublish!,
      publishesTo: store.publishesTo!,
    };
    const received: Uint8Array[] = [];
    await new MemorySynchronizer({ bus }).subscribe(
      'cache:invalidate:default',
      (message) => received.push(message),
      () => undefined,
    );
    const writer = await createCache<string>({
      store: failing,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
    });
    await expect(writer.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_STORE' });
    expect(writer.peek('k')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toHaveLength(0);
    await writer.close();
  });
});
