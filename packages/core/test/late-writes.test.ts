import { describe, expect, it } from 'vitest';
import {
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type Store,
  type SyncedCache,
  TimeoutError,
} from '../src/index.js';
import { publishingStore, settle, stallingStore, until } from './helpers.js';

const timeoutMs = 50;

/**
 * Two pods on one store that can stall like a frozen server: a write times out at the cache and
 * still happens when the server wakes. `publishes`: the store sends each write's event itself
 * (like the Redis scripts), otherwise core publishes after the write.
 */
async function stalledPods(publishes: boolean) {
  const bus = new MemoryBus();
  const inner: Store = publishes ? publishingStore(bus).store : new MemoryStore();
  const stalling = stallingStore(inner);
  const pods: SyncedCache<string>[] = [];
  for (const podId of ['a', 'b']) {
    pods.push(
      await createCache<string>({
        store: stalling.store,
        synchronizer: new MemorySynchronizer({ bus }),
        podId,
        timeoutMs,
        heartbeatMs: 0,
      }),
    );
  }
  const [a, b] = pods as [SyncedCache<string>, SyncedCache<string>];
  return { a, b, stalling, close: () => Promise.all(pods.map((pod) => pod.close())) };
}

/** What a pod holds agrees with the store: its copy is the store's value or nothing, and `get` reads the store's value. */
async function agrees(pod: SyncedCache<string>, key: string, expected: string | undefined): Promise<boolean> {
  const held = pod.peek(key);
  return (held === undefined || held === expected) && (await pod.get(key)) === expected;
}

for (const publishes of [false, true]) {
  const path = publishes ? 'store publishes the event' : 'core publishes the event';
  describe(`a write that times out but happens later (${path})`, () => {
    it('set: the writer drops its old copy at once, and every pod ends with the late value', async () => {
      const { a, b, stalling, close } = await stalledPods(publishes);
      await a.set('k', 'old');
      expect(await b.get('k')).toBe('old');
      stalling.stall();
      await expect(a.set('k', 'new')).rejects.toSatisfy(TimeoutError.isInstance);
      expect(a.peek('k')).toBeUndefined();
      await stalling.wake();
      await until(() => b.peek('k') !== 'old', 'the other pod drops the replaced copy');
      await settle();
      expect(await agrees(a, 'k', 'new')).toBe(true);
      expect(await agrees(b, 'k', 'new')).toBe(true);
      // and nothing later brings the old value back
      await settle();
      expect([a.peek('k'), b.peek('k')]).toEqual(['new', 'new']);
      await close();
    });

    it('delete: every pod ends without the key', async () => {
      const { a, b, stalling, close } = await stalledPods(publishes);
      await a.set('k', 'old');
      expect(await b.get('k')).toBe('old');
      stalling.stall();
      await expect(a.delete('k')).rejects.toSatisfy(TimeoutError.isInstance);
      expect(a.peek('k')).toBeUndefined();
      await stalling.wake();
      await until(() => b.peek('k') === undefined, 'the other pod drops the deleted key');
      expect(await agrees(a, 'k', undefined)).toBe(true);
      expect(await agrees(b, 'k', undefined)).toBe(true);
      await close();
    });

    it('clear: the writer flushes at once and the clear reaches every pod', async () => {
      const { a, b, stalling, close } = await stalledPods(publishes);
      for (const key of ['x', 'y', 'z']) await a.set(key, key);
      for (const key of ['x', 'y', 'z']) expect(await b.get(key)).toBe(key);
      stalling.stall();
      await expect(a.clear()).rejects.toSatisfy(TimeoutError.isInstance);
      expect(a.stats().localSize).toBe(0);
      await stalling.wake();
      await until(() => b.stats().localSize === 0, 'the other pod flushes');
      for (const key of ['x', 'y', 'z']) {
        expect(await agrees(a, key, undefined)).toBe(true);
        expect(await agrees(b, key, undefined)).toBe(true);
      }
      await close();
    });
  });
}

describe('writes of unknown outcome', () => {
  it('are announced when the store answers after all, however long it stayed stalled', async () => {
    const { a, b, stalling, close } = await stalledPods(false);
    await a.set('k', 'old');
    expect(await b.get('k')).toBe('old');
    stalling.stall();
    await expect(a.set('k', 'new')).rejects.toSatisfy(TimeoutError.isInstance);
    await new Promise((resolve) => setTimeout(resolve, 5 * timeoutMs));
    expect(b.peek('k')).toBe('old'); // nobody can know yet
    await stalling.wake();
    await until(() => b.peek('k') !== 'old', 'the announcement once the write ran');
    expect(await agrees(b, 'k', 'new')).toBe(true);
    await close();
  });

  it('a write whose call never answers is settled by a store read after ten timeouts', async () => {
    const bus = new MemoryBus();
    const inner = new MemoryStore();
    let hang = false;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      // The write lands, but its answer is lost for good (a connection that died after sending).
      set: (key: string, payload: Uint8Array, options?: { ttlMs?: number }) => {
        const written = inner.set(key, payload, options);
        return hang ? new Promise<number>(() => {}) : written;
      },
    });
    const pod = (podId: string) =>
      createCache<string>({
        store,
        synchronizer: new MemorySynchronizer({ bus }),
        podId,
        timeoutMs,
        heartbeatMs: 0,
      });
    const a = await pod('a');
    const b = await pod('b');
    await a.set('k', 'old');
    expect(await b.get('k')).toBe('old');
    hang = true;
    const started = performance.now();
    await expect(a.set('k', 'new')).rejects.toSatisfy(TimeoutError.isInstance);
    await until(() => b.peek('k') !== 'old', 'the announcement from a store read', 3000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(10 * timeoutMs);
    expect(await agrees(b, 'k', 'new')).toBe(true);
    expect(await agrees(a, 'k', 'new')).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('a write that never happened leaves the other pods their copy (the store still holds its version)', async () => {
    const bus = new MemoryBus();
    const inner = new MemoryStore();
    let failing = false;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      set: (key: string, payload: Uint8Array, options?: { ttlMs?: number }) =>
        failing ? Promise.reject(new Error('connection reset')) : inner.set(key, payload, options),
    });
    const pod = (podId: string) =>
      createCache<string>({ store, synchronizer: new MemorySynchronizer({ bus }), podId, heartbeatMs: 0 });
    const a = await pod('a');
    const b = await pod('b');
    await a.set('k', 'v');
    expect(await b.get('k')).toBe('v');
    const announced = new Promise<boolean>((resolve) =>
      b.on('event', (event, applied) => event.action === 'invalidate' && resolve(applied)),
    );
    failing = true;
    await expect(a.set('k', 'never')).rejects.toMatchObject({ code: 'ERR_STORE' });
    expect(await announced).toBe(false); // not newer than what b holds
    expect(b.peek('k')).toBe('v');
    expect(await a.get('k')).toBe('v');
    await Promise.all([a.close(), b.close()]);
  });
});
