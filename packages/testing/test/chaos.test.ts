import {
  InvalidConfigError,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  SynchronizerError,
  type SynchronizerStatus,
} from '@synced-cache/core';
import {
  type ChaosOptions,
  chaosStore,
  chaosSynchronizer,
  describeStore,
  describeSynchronizer,
  waitForSync,
} from '@synced-cache/testing';
import { afterEach, describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Harness {
  bus: MemoryBus;
  publisher: MemorySynchronizer;
  received: string[];
  statuses: SynchronizerStatus[];
  /** Messages seen by a fault-free subscriber on the same bus: proof the bus delivered them. */
  witnessed: string[];
  chaos: ReturnType<typeof chaosSynchronizer>;
  publish(count: number, from?: number): Promise<void>;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function harness(options: ChaosOptions): Promise<Harness> {
  const bus = new MemoryBus();
  const publisher = new MemorySynchronizer({ bus });
  const witness = new MemorySynchronizer({ bus });
  const chaos = chaosSynchronizer(new MemorySynchronizer({ bus }), options);
  open.push(publisher, witness, chaos);
  const h: Harness = {
    bus,
    publisher,
    received: [],
    statuses: [],
    witnessed: [],
    chaos,
    async publish(count, from = 0) {
      for (let i = from; i < from + count; i++) await publisher.publish('ch', encoder.encode(`${i}`));
    },
  };
  await witness.subscribe(
    'ch',
    (message) => h.witnessed.push(decoder.decode(message)),
    () => {},
  );
  await chaos.subscribe(
    'ch',
    (message) => h.received.push(decoder.decode(message)),
    (status) => h.statuses.push(status),
  );
  return h;
}

async function witnessed(h: Harness, count: number): Promise<void> {
  await waitForSync(() => h.witnessed.length >= count, { message: `the bus delivered ${count} messages` });
}

const range = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `${from + i}`);

describe('chaosSynchronizer', () => {
  it('is transparent without faults: every message, in order', async () => {
    const h = await harness({});
    await h.publish(100);
    await witnessed(h, 100);
    await waitForSync(() => h.received.length === 100);
    expect(h.received).toEqual(range(100));
    expect(h.chaos.counts).toMatchObject({ dropped: 0, duplicated: 0, reordered: 0, delivered: 100 });
  });

  it('drops about the configured share of deliveries and keeps the rest in order', async () => {
    const h = await harness({ seed: 5, drop: 0.3 });
    await h.publish(1000);
    await witnessed(h, 1000);
    expect(h.received.length + h.chaos.counts.dropped).toBe(1000);
    expect(h.chaos.counts.dropped).toBeGreaterThan(220);
    expect(h.chaos.counts.dropped).toBeLessThan(380);
    const numbers = h.received.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('duplicates about the configured share of deliveries', async () => {
    const h = await harness({ seed: 9, duplicate: 0.5 });
    await h.publish(400);
    await witnessed(h, 400);
    expect(h.received.length).toBe(400 + h.chaos.counts.duplicated);
    expect(h.chaos.counts.duplicated).toBeGreaterThan(140);
    expect(h.chaos.counts.duplicated).toBeLessThan(260);
    expect(new Set(h.received)).toEqual(new Set(range(400)));
  });

  it('reorders: a held message arrives after a later one, and heal releases what is still held', async () => {
    const h = await harness({ seed: 3, reorder: 0.2 });
    await h.publish(300);
    await witnessed(h, 300);
    expect(h.chaos.counts.reordered).toBeGreaterThan(30);
    expect(h.received).not.toEqual(range(300));
    await h.chaos.heal();
    expect([...h.received].sort((a, b) => Number(a) - Number(b))).toEqual(range(300));
  });

  it('delays deliveries and heal delivers every delayed message at once', async () => {
    const h = await harness({ seed: 4, delayMs: 60_000 });
    await h.publish(50);
    await witnessed(h, 50);
    expect(h.received.length).toBeLessThan(5);
    await h.chaos.heal();
    expect(new Set(h.received)).toEqual(new Set(range(50)));
    expect(h.received).toHaveLength(50);
  });

  it('heal sets every rate to 0, so later traffic flows untouched', async () => {
    const h = await harness({ seed: 8, drop: 0.5, duplicate: 0.5, reorder: 0.5 });
    await h.publish(100);
    await witnessed(h, 100);
    await h.chaos.heal();
    const before = h.received.length;
    await h.publish(100, 100);
    await witnessed(h, 200);
    await waitForSync(() => h.received.length === before + 100);
    expect(h.received.slice(before)).toEqual(range(100, 100));
  });

  it('is deterministic with a seed (same seed, same faults; other seed, other faults)', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const h = await harness({ seed, drop: 0.2, duplicate: 0.2, reorder: 0.2 });
      await h.publish(300);
      await witnessed(h, 300);
      await h.chaos.heal();
      return h.received;
    };
    const first = await run(11);
    expect(await run(11)).toEqual(first);
    expect(await run(12)).not.toEqual(first);
  });

  it('disconnect reports down and loses messages and publishes; reconnect reports resubscribed', async () => {
    const h = await harness({});
    await h.publish(3);
    await waitForSync(() => h.received.length === 3);
    h.chaos.disconnect();
    expect(h.chaos.connected).toBe(false);
    expect(h.statuses).toContain('down');
    await h.publish(5, 3);
    await witnessed(h, 8);
    await h.chaos.publish('ch', encoder.encode('from the disconnected pod'));
    expect(h.chaos.counts.lostPublishes).toBe(1);
    h.chaos.reconnect();
    expect(h.statuses.at(-1)).toBe('resubscribed');
    await h.publish(2, 8);
    await witnessed(h, 10);
    await waitForSync(() => h.received.length === 5);
    expect(h.received).toEqual(['0', '1', '2', '8', '9']);
    expect(h.witnessed).not.toContain('from the disconnected pod');
  });

  it('heal reconnects a disconnected synchronizer', async () => {
    const h = await harness({});
    h.chaos.disconnect();
    await h.chaos.heal();
    expect(h.chaos.connected).toBe(true);
    expect(h.statuses).toEqual(expect.arrayContaining(['down', 'resubscribed']));
    await h.publish(1);
    await waitForSync(() => h.received.length === 1);
  });

  it('faults act per subscriber: two wrapped pods with different seeds see different losses', async () => {
    const bus = new MemoryBus();
    const publisher = new MemorySynchronizer({ bus });
    const pods = [1, 2].map((seed) =>
      chaosSynchronizer(new MemorySynchronizer({ bus }), { seed, drop: 0.5 }),
    );
    open.push(publisher, ...pods);
    const inboxes: string[][] = [[], []];
    for (const [i, pod] of pods.entries()) {
      await pod.subscribe(
        'ch',
        (message) => inboxes[i]!.push(decoder.decode(message)),
        () => {},
      );
    }
    for (let i = 0; i < 200; i++) await publisher.publish('ch', encoder.encode(`${i}`));
    await waitForSync(() => pods.every((pod) => pod.counts.delivered + pod.counts.dropped === 200));
    expect(inboxes[0]).not.toEqual(inboxes[1]);
  });

  it('configure changes rates at run time and validates them', async () => {
    const h = await harness({});
    h.chaos.configure({ drop: 1 });
    await h.publish(10);
    await witnessed(h, 10);
    expect(h.received).toEqual([]);
    expect(h.chaos.counts.dropped).toBe(10);
    expect(() => h.chaos.configure({ drop: 1.5 })).toThrow(InvalidConfigError);
    expect(() => h.chaos.configure({ delayMs: -1 })).toThrow(InvalidConfigError);
    expect(() => chaosSynchronizer(new MemorySynchronizer(), { reorder: -0.1 })).toThrow(/reorder/);
  });

  it('unsubscribe stops delivery, including held messages', async () => {
    const h = await harness({ reorder: 1 });
    const extra: string[] = [];
    const subscription = await h.chaos.subscribe(
      'ch',
      (message) => extra.push(decoder.decode(message)),
      () => {},
    );
    await h.publish(5);
    await witnessed(h, 5);
    await subscription.unsubscribe();
    await subscription.unsubscribe();
    await h.chaos.heal();
    expect(extra).toEqual([]);
    expect(h.received).toEqual(range(5));
  });

  it('close closes the inner synchronizer; publish after close rejects; close is idempotent', async () => {
    const inner = new MemorySynchronizer();
    const chaos = chaosSynchronizer(inner);
    await chaos.close();
    await chaos.close();
    await expect(chaos.publish('ch', new Uint8Array(1))).rejects.toSatisfy(SynchronizerError.isInstance);
    await expect(inner.publish('ch', new Uint8Array(1))).rejects.toThrow();
  });
});

describe('chaosStore', () => {
  it('fails about failRate of the calls with StoreError, deterministically per seed', async () => {
    const outcomes = async (seed: number): Promise<boolean[]> => {
      const store = chaosStore(new MemoryStore(), { seed, failRate: 0.4 });
      const results: boolean[] = [];
      for (let i = 0; i < 300; i++) {
        try {
          await store.set(`k${i % 10}`, new Uint8Array([i % 256]));
          results.push(true);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('ERR_STORE');
          results.push(false);
        }
      }
      expect(store.counts.failed).toBe(results.filter((ok) => !ok).length);
      expect(store.counts.calls).toBe(300);
      return results;
    };
    const first = await outcomes(21);
    const failures = first.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(80);
    expect(failures).toBeLessThan(160);
    expect(await outcomes(21)).toEqual(first);
    expect(await outcomes(22)).not.toEqual(first);
  });

  it('while down every call rejects with StoreError and never reaches the store', async () => {
    const inner = new MemoryStore();
    const store = chaosStore(inner);
    await store.set('k', new Uint8Array([1]));
    store.setDown(true);
    expect(store.down).toBe(true);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['get', () => store.get('k')],
      ['getMany', () => store.getMany(['k'])],
      ['set', () => store.set('k', new Uint8Array([2]))],
      ['delete', () => store.delete('k')],
      ['clear', () => store.clear('')],
      ['size', () => store.size('')],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect((error as { code?: string } | undefined)?.code, `${name} while down`).toBe('ERR_STORE');
      expect((error as { action?: string }).action).toBe(name);
    }
    expect([...(await inner.get('k'))!.payload]).toEqual([1]);
    store.setDown(false);
    expect([...(await store.get('k'))!.payload]).toEqual([1]);
    await store.close();
  });

  it('delays calls, and a store that goes down during the delay fails the call', async () => {
    const store = chaosStore(new MemoryStore(), { seed: 2, delayMs: 200 });
    const pending = store.get('k');
    let settled = false;
    void pending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await Promise.resolve();
    expect(settled).toBe(false);
    store.setDown(true);
    await expect(pending).rejects.toSatisfy(
      (error: unknown) => (error as { code?: string }).code === 'ERR_STORE',
    );
  });

  it('configure validates the settings', () => {
    const store = chaosStore(new MemoryStore());
    expect(() => store.configure({ failRate: 2 })).toThrow(InvalidConfigError);
    expect(() => store.configure({ delayMs: Number.NaN })).toThrow(InvalidConfigError);
    expect(() => chaosStore(new MemoryStore(), { failRate: -1 })).toThrow(/failRate/);
  });
});

// Without faults both wrappers must be invisible: they pass the full conformance suites.
const sharedStore = new MemoryStore();
describeStore('chaosStore without faults', () => chaosStore(sharedStore));
const sharedBus = new MemoryBus();
describeSynchronizer('chaosSynchronizer without faults', () =>
  chaosSynchronizer(new MemorySynchronizer({ bus: sharedBus })),
);
