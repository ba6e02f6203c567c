/**
 * The convergence rules of DESIGN §3, each forced deterministically by injecting events on the
 * bus or by controlling the store.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createCache,
  decodeEvent,
  encodeEvent,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type Store,
  type StoreEntry,
  type SyncedCache,
  type Synchronizer,
  type WireEvent,
} from '../src/index.js';
import { jsonMarshaller } from '../src/marshaller.js';
import { createPods, latch, type Pods, settle, storeOver, until } from './helpers.js';

const CHANNEL = 'cache:invalidate:default';
let cluster: Pods<unknown> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  vi.useRealTimers();
});

/** Publishes a crafted event as if from another pod. */
function inject(bus: MemoryBus, event: Partial<WireEvent> & Pick<WireEvent, 'action' | 'key' | 'version'>) {
  const full: WireEvent = { podId: 'ghost', epoch: 1, seq: 1, ttlMs: 0, ...event };
  if (full.action === 'set' && full.value === undefined)
    full.value = jsonMarshaller.encode(`v${full.version}`);
  bus.publish(CHANNEL, encodeEvent(full));
}

/**
 * A writer the peers never heard from (it loses the bus at once) deletes `k`: the store has the
 * delete, its event leaves nowhere. The caller closes it.
 */
async function unheardWriterDeletes(store: Store, bus: MemoryBus) {
  const writerBus = new MemorySynchronizer({ bus });
  const writer = await createCache<number>({ store, synchronizer: writerBus, podId: 'w', heartbeatMs: 10 });
  writerBus.disconnect();
  await writer.delete('k');
  return writer;
}

/** Registers for `peer`'s resyncs, runs `close`, and waits for the first; returns the live list of reasons. */
async function resyncsAfter(peer: SyncedCache<number>, close: () => Promise<void>, what: string) {
  const reasons: string[] = [];
  peer.on('resync', (reason) => reasons.push(reason));
  await close();
  await until(() => reasons.length > 0, what, 2000);
  return reasons;
}

/** A writer under podId `w` on `bus`, heartbeats every 10 ms. */
function writerPod(store: Store, bus: MemoryBus) {
  return createCache<number>({
    store,
    synchronizer: new MemorySynchronizer({ bus }),
    podId: 'w',
    heartbeatMs: 10,
  });
}

/** A synchronizer on `bus` that never delivers what `podId` publishes (every message of it lost). */
function deafTo(podId: string, bus: MemoryBus): Synchronizer {
  const inner = new MemorySynchronizer({ bus });
  return {
    publish: (channel, message) => inner.publish(channel, message),
    subscribe: (channel, onMessage, onStatus) =>
      inner.subscribe(
        channel,
        (message) => {
          if (decodeEvent(message).podId !== podId) onMessage(message);
        },
        onStatus,
      ),
    close: () => inner.close(),
  };
}

describe('apply only if newer', () => {
  it('ignores an older set that arrives after a newer one (reordered events)', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'set', key: 'k', version: 10, seq: 1 });
    inject(cluster.bus, { action: 'set', key: 'k', version: 5, seq: 1, podId: 'other' });
    await settle();
    expect(a!.peek('k')).toBe('v10');
    expect(a!.stats().eventsStale).toBe(1);
  });

  it('ignores duplicates', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'set', key: 'k', version: 3, seq: 1 });
    inject(cluster.bus, { action: 'set', key: 'k', version: 3, seq: 1 });
    await settle();
    expect(a!.stats()).toMatchObject({ eventsApplied: 1, eventsStale: 1 });
  });

  it('a delete leaves a tombstone: a late older set does not resurrect the key', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'set', key: 'k', version: 4, seq: 1 });
    inject(cluster.bus, { action: 'delete', key: 'k', version: 6, seq: 2 });
    inject(cluster.bus, { action: 'set', key: 'k', version: 5, seq: 1, podId: 'slow' });
    await settle();
    expect(a!.peek('k')).toBeUndefined();
  });

  it('a clear raises a floor: a late set from a writer that had not seen the clear is ignored', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'clear', key: '', version: 100, seq: 1 });
    inject(cluster.bus, { action: 'set', key: 'fresh', version: 101, seq: 2 });
    inject(cluster.bus, { action: 'set', key: 'old', version: 99, seq: 1, podId: 'slow' });
    await settle();
    expect(a!.peek('old')).toBeUndefined();
    expect(a!.peek('fresh')).toBe('v101');
  });

  it('an event at or below the floor drops a held older copy instead of being ignored', async () => {
    // A floor can run ahead of a store's real clock (a clock from another Cluster node, or a
    // currentVersion that overestimates): an event under it is still newer than an older held copy.
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'clear', key: '', version: 1_000_000, seq: 1 });
    await settle();
    await cluster.store.set('default:k', jsonMarshaller.encode('filled'));
    expect(await a!.get('k')).toBe('filled');
    expect(a!.peek('k')).toBe('filled');
    const filledVersion = (await cluster.store.get('default:k'))!.version;
    inject(cluster.bus, { action: 'set', key: 'k', version: filledVersion + 1, seq: 2 });
    await settle();
    expect(a!.peek('k')).toBeUndefined();
  });

  it('a forgotten key raises the floor instead of forgetting its version', async () => {
    cluster = await createPods(1, { maxTrackedKeys: 2 });
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'delete', key: 'a', version: 50, seq: 1 });
    inject(cluster.bus, { action: 'set', key: 'b', version: 51, seq: 2 });
    inject(cluster.bus, { action: 'set', key: 'c', version: 52, seq: 3 });
    inject(cluster.bus, { action: 'set', key: 'a', version: 49, seq: 1, podId: 'late' });
    await settle();
    expect(a!.peek('a')).toBeUndefined();
  });

  it('own writes never overwrite a newer value that arrived first', async () => {
    let release: () => void = () => {};
    const inner = new MemoryStore();
    const slow: Store = Object.assign(Object.create(inner) as Store, {
      set: async (key: string, payload: Uint8Array) => {
        const version = await inner.set(key, payload);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return version;
      },
    });
    const bus = new MemoryBus();
    const a = await createCache({
      store: slow,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
    });
    const writing = a.set('k', 'mine');
    await until(() => typeof release === 'function' && release.name !== '', 'store write');
    inject(bus, { action: 'set', key: 'k', version: 1000, seq: 1 });
    await settle();
    release();
    await writing;
    expect(a.peek('k')).toBe('v1000');
    await a.close();
  });
});

describe('fills racing events', () => {
  it('a fill overtaken by an event is returned to its caller but not cached', async () => {
    const inner = new MemoryStore();
    await inner.set('default:k', jsonMarshaller.encode('stale'));
    const [gate, release] = latch();
    const slow = Object.assign(Object.create(inner) as Store, {
      get: async (key: string): Promise<StoreEntry | undefined> => {
        const entry = await inner.get(key);
        await gate;
        return entry;
      },
    });
    const bus = new MemoryBus();
    const a = await createCache({
      store: slow,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
    });
    const reading = a.get('k');
    inject(bus, { action: 'invalidate', key: 'k', version: 99, seq: 1 });
    await settle();
    release();
    expect(await reading).toBe('stale');
    expect(a.peek('k')).toBeUndefined();
    await a.close();
  });

  it('concurrent misses for one key share one store read', async () => {
    const store = new MemoryStore();
    await store.set('default:k', jsonMarshaller.encode(1));
    const spy = vi.spyOn(store, 'get');
    const a = await createCache({ store, heartbeatMs: 0 });
    const results = await Promise.all(Array.from({ length: 50 }, () => a.get('k')));
    expect(results.every((v) => v === 1)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
    await a.close();
  });
});

describe('lost events', () => {
  it('a sequence gap flushes the local tier', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'set', key: 'x', version: 1, seq: 1 });
    await settle();
    await a!.set('mine', 1);
    inject(cluster.bus, { action: 'set', key: 'y', version: 3, seq: 3 });
    await settle();
    expect(a!.peek('x')).toBeUndefined();
    expect(a!.peek('mine')).toBeUndefined();
    expect(a!.stats().resyncs).toBe(1);
  });

  it('after a gap, events from before the resync count as invalidations (their newer successor may be lost)', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const store = cluster.store;
    inject(cluster.bus, { action: 'set', key: 'x', version: 1, seq: 1 });
    await settle();
    await store.set('default:k', jsonMarshaller.encode('newest'));
    const lostVersion = (await store.currentVersion()) as number;
    inject(cluster.bus, { action: 'set', key: 'z', version: lostVersion + 1, seq: 5 });
    await until(() => a!.stats().resyncs === 1, 'resync');
    await settle();
    inject(cluster.bus, { action: 'set', key: 'k', version: lostVersion - 1, seq: 1, podId: 'slow' });
    await settle();
    expect(a!.peek('k')).toBeUndefined();
    expect(await a!.get('k')).toBe('newest');
  });

  it('a heartbeat reveals a lost trailing event', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    inject(cluster.bus, { action: 'set', key: 'x', version: 1, seq: 1 });
    await settle();
    expect(a!.peek('x')).toBe('v1');
    cluster.bus.publish(
      CHANNEL,
      encodeEvent({ action: 'heartbeat', key: '', podId: 'ghost', epoch: 1, seq: 2, version: 0, ttlMs: 0 }),
    );
    await settle();
    expect(a!.peek('x')).toBeUndefined();
    expect(a!.stats().resyncs).toBe(1);
  });

  it('heartbeats are sent on a timer so trailing losses are found without new writes', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const a = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), heartbeatMs: 5 });
    const receiving = new MemorySynchronizer({ bus });
    const b = await createCache({ store, synchronizer: receiving, heartbeatMs: 0 });
    await a.set('k', 1);
    await until(() => b.peek('k') === 1, 'first event');
    receiving.connected = false;
    await a.set('k', 2);
    await settle();
    receiving.connected = true;
    await until(() => b.stats().resyncs > 0, 'heartbeat-triggered resync');
    expect(await b.get('k')).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('a pod that closed with an event unsent makes its peers resync when its podId starts again', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const writerBus = new MemorySynchronizer({ bus });
    const writer = await createCache({ store, synchronizer: writerBus, podId: 'w', heartbeatMs: 0 });
    const peer = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), heartbeatMs: 0 });
    await writer.set('k', 1);
    await until(() => peer.peek('k') === 1, 'first event');
    writerBus.disconnect();
    await writer.set('k', 2); // reaches the store; its event cannot leave
    await writer.close(); // the bus is down: no leave, the event is dropped
    expect(peer.peek('k')).toBe(1);
    const restarted = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), podId: 'w' });
    await restarted.set('other', 1); // its first event, seq 1, under a new epoch
    await until(() => peer.stats().resyncs === 1, 'resync on the restart');
    expect(peer.peek('k')).toBeUndefined();
    expect(await peer.get('k')).toBe(2);
    await Promise.all([peer.close(), restarted.close()]);
  });

  it('a pod that closes with writes its peers may have missed tells them through the store marker, even peers that never heard it', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const peer = await createCache<number>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 10,
    });
    await store.set('default:k', jsonMarshaller.encode(1));
    expect(await peer.get('k')).toBe(1);
    // No epoch of the writer's podId is known to the peer.
    const writer = await unheardWriterDeletes(store, bus);
    await new Promise((resolve) => setTimeout(resolve, 40)); // the peer has read the marker
    // No leave (the bus is down): the writer replaces the store marker.
    const reasons = await resyncsAfter(
      peer,
      () => writer.close(),
      'the peer resyncs at its next marker check',
    );
    expect(reasons).toEqual(['gap']);
    expect(peer.peek('k')).toBeUndefined();
    expect(await peer.get('k')).toBeUndefined();
    // A pod that closes cleanly (it left) replaces nothing.
    const clean = await createCache<number>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 10,
    });
    await clean.set('k', 3);
    await until(() => peer.peek('k') === 3 || peer.peek('k') === undefined, 'the set is heard');
    await clean.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reasons).toEqual(['gap']);
    await peer.close();
  });

  it('a peer whose marker reads all failed until after the replacement resyncs at its first successful read', async () => {
    const inner = new MemoryStore();
    let markerReadable = false;
    const store = storeOver(inner, {
      get: async (key) => {
        if (key === 'default%store-identity' && !markerReadable) throw new Error('marker read failed');
        return inner.get(key);
      },
      currentVersion: () => inner.currentVersion(),
    });
    const bus = new MemoryBus();
    const peer = await createCache<number>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 10,
    });
    await inner.set('default:k', jsonMarshaller.encode(1));
    expect(await peer.get('k')).toBe(1);
    const writer = await unheardWriterDeletes(inner, bus);
    await writer.close(); // replaces the marker, which the peer has never read
    const reasons = await resyncsAfter(
      peer,
      async () => {
        markerReadable = true;
      },
      'the peer resyncs at its first marker read',
    );
    expect(reasons).toEqual(['gap']);
    expect(peer.peek('k')).toBeUndefined();
    await peer.close();
  });

  it('a pod that closed cleanly after events one peer never heard (its leave lost too) makes that peer resync through the close log; a peer that heard it does not', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const peer = await createCache<number>({ store, synchronizer: deafTo('w', bus), heartbeatMs: 10 });
    const hearer = await createCache<number>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 10,
    });
    await store.set('default:k', jsonMarshaller.encode(1));
    expect([await peer.get('k'), await hearer.get('k')]).toEqual([1, 1]);
    const writer = await writerPod(store, bus);
    await writer.delete('k');
    await until(() => hearer.peek('k') === undefined, 'the hearer hears the delete');
    await new Promise((resolve) => setTimeout(resolve, 40)); // both have read the log
    const hearerReasons: string[] = [];
    hearer.on('resync', (reason) => hearerReasons.push(reason));
    expect(peer.peek('k')).toBe(1); // stale: it heard nothing of the writer
    // Its leave goes out (the peer loses it): the close log records it.
    const reasons = await resyncsAfter(peer, () => writer.close(), 'the peer resyncs at its next check');
    expect(reasons).toEqual(['gap']);
    expect(peer.peek('k')).toBeUndefined();
    expect(await peer.get('k')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 60)); // the hearer checked the log too
    expect(hearerReasons).toEqual([]);
    await Promise.all([peer.close(), hearer.close()]);
  });

  it('without a close log in the store, a clean close of a pod that wrote makes every peer resync (safe)', async () => {
    const inner = new MemoryStore();
    const store = storeOver(inner, { currentVersion: () => inner.currentVersion() });
    const bus = new MemoryBus();
    const peer = await createCache<number>({ store, synchronizer: deafTo('w', bus), heartbeatMs: 10 });
    await inner.set('default:k', jsonMarshaller.encode(1));
    expect(await peer.get('k')).toBe(1);
    const writer = await writerPod(store, bus);
    await writer.delete('k');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const reasons = await resyncsAfter(
      peer,
      () => writer.close(),
      'the peer resyncs at its next marker check',
    );
    expect(reasons).toEqual(['gap']);
    expect(peer.peek('k')).toBeUndefined();
    await peer.close();
  });

  it('the close log: a trimmed or restarted log resyncs, malformed entries are ignored', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const peer = await createCache<number>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 10,
    });
    const reasons: string[] = [];
    peer.on('resync', (reason) => reasons.push(reason));
    const entry = (text: string) => Buffer.from(text, 'utf8');
    await store.appendLog('default%closed-pods', entry('not json'), 256, 'log-1');
    await store.appendLog('default%closed-pods', entry('["x",1]'), 256, 'log-1');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(reasons).toEqual([]);
    // The peer itself, in this process: heard through any seq.
    const own = peer as unknown as { config: { podId: string; epoch: number } };
    await store.appendLog(
      'default%closed-pods',
      entry(JSON.stringify([own.config.podId, own.config.epoch, 9])),
      256,
      'log-1',
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(reasons).toEqual([]);
    // More entries than the log keeps arrive between two checks (no timer runs in this loop):
    // some were never checked.
    for (let i = 0; i < 3; i++) await store.appendLog('default%closed-pods', entry('junk'), 2, 'log-1');
    await until(() => reasons.length === 1, 'a trimmed log resyncs', 2000);
    // The log is removed and started again (another identity): its entries are all new.
    (store as unknown as { logs: Map<string, unknown> }).logs.delete('default%closed-pods');
    await store.appendLog('default%closed-pods', entry('["gone",7,3]'), 256, 'log-2');
    await until(() => reasons.length === 2, 'a restarted log is read from its start', 2000);
    expect(reasons).toEqual(['gap', 'gap']);
    await peer.close();
  });

  it('a pod that closed cleanly says leave: its restart costs peers no resync', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const writer = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), podId: 'w' });
    const peer = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), heartbeatMs: 0 });
    const seen: string[] = [];
    const listener = new MemorySynchronizer({ bus });
    await listener.subscribe(
      CHANNEL,
      (message) => seen.push(decodeEvent(message).action),
      () => {},
    );
    await writer.set('k', 1);
    await until(() => peer.peek('k') === 1, 'first event');
    await writer.close();
    await until(() => seen.at(-1) === 'leave', 'leave');
    const restarted = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), podId: 'w' });
    await restarted.set('other', 1);
    await until(() => peer.peek('other') === 1, 'the restarted pod is heard');
    expect(peer.stats().resyncs).toBe(0);
    expect(peer.peek('k')).toBe(1);
    await Promise.all([peer.close(), restarted.close(), listener.close()]);
  });

  it('down empties the local tier and reads go to the store until resubscribed, which resyncs', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.set('k', 1);
    await until(() => b!.peek('k') === 1, 'value');
    cluster.synchronizers[1]!.disconnect();
    expect(b!.connectionStatus).toBe('down');
    // b can no longer hear changes: it must not serve what it held
    expect(b!.peek('k')).toBeUndefined();
    await a!.set('k', 2);
    await settle();
    expect(await b!.get('k')).toBe(2); // read through
    expect(b!.peek('k')).toBeUndefined(); // and not cached while deaf
    await a!.set('k', 3);
    expect(await b!.get('k')).toBe(3);
    const resyncs = b!.stats().resyncs;
    cluster.synchronizers[1]!.reconnect();
    expect(b!.stats().resyncs).toBe(resyncs + 1);
    expect(await b!.get('k')).toBe(3);
    expect(b!.peek('k')).toBe(3); // serving again
  });

  it('a pod that stops hearing its own heartbeats (a half-open link the adapter missed) stops serving until it hears them again', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const heartbeatMs = 20;
    const a = await createCache({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
      podId: 'a',
    });
    const deafened = new MemorySynchronizer({ bus });
    const b = await createCache({ store, synchronizer: deafened, heartbeatMs, timeoutMs: 20, podId: 'b' });
    const statuses: string[] = [];
    b.on('status', (status) => statuses.push(status));
    // Between the bus and b: count what b hears of itself, and later drop everything, silently
    // (no status from the adapter; b's publishes still leave).
    const subscribers = (
      bus as unknown as { subscribers: Set<{ owner: unknown; onMessage: (m: Uint8Array) => void }> }
    ).subscribers;
    const subscriber = [...subscribers].find((entry) => entry.owner === deafened)!;
    const onMessage = subscriber.onMessage;
    let deaf = false;
    let heardSelf = 0;
    subscriber.onMessage = (message) => {
      if (deaf) return;
      if (decodeEvent(message).podId === 'b') heardSelf++;
      onMessage(message);
    };
    await a.set('k', 1);
    await until(() => b.peek('k') === 1, 'value');
    await until(() => heardSelf >= 2, 'b hears its own heartbeats', 1000);
    expect(statuses).toEqual([]);
    deaf = true;
    await until(() => statuses.includes('down'), 'b notices it went deaf', 2000);
    expect(b.connectionStatus).toBe('down');
    expect(b.peek('k')).toBeUndefined();
    await a.set('k', 2);
    expect(await b.get('k')).toBe(2); // read through
    deaf = false;
    await until(() => statuses.includes('resubscribed'), 'b hears itself again', 2000);
    expect(b.connectionStatus).toBe('up');
    expect(await b.get('k')).toBe(2);
    expect(b.peek('k')).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('a store without currentVersion degrades to invalidation-only after a loss (safe)', async () => {
    const inner = new MemoryStore();
    const plain = storeOver(inner); // everything but currentVersion
    const bus = new MemoryBus();
    const a = await createCache({
      store: plain,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
    });
    inject(bus, { action: 'set', key: 'x', version: 1, seq: 1 });
    inject(bus, { action: 'set', key: 'y', version: 2, seq: 3 });
    await settle();
    inject(bus, { action: 'set', key: 'z', version: 1000, seq: 4 });
    await settle();
    expect(a.peek('z')).toBeUndefined();
    await a.close();
  });
});

/**
 * The local tier checks expiry against a clock reading reused for up to 1 ms of event-loop time
 * (the documented granularity): let the real 1 ms timer retire it after moving the fake clock.
 */
function clockTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2));
}

describe('TTL', () => {
  it('local entries expire after localTtlMs, bounding staleness', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    cluster = await createPods(1, { localTtlMs: 1000 });
    const [a] = cluster.pods;
    await a!.set('k', 1);
    expect(a!.peek('k')).toBe(1);
    vi.setSystemTime(Date.now() + 1001);
    await clockTick();
    expect(a!.peek('k')).toBeUndefined();
    expect(await a!.get('k')).toBe(1);
  });

  it('store TTL applies to the store, the local tier and peers', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await b!.get('k');
    await a!.set('k', 1, { ttlMs: 500 });
    await until(() => b!.peek('k') === 1, 'value');
    vi.setSystemTime(Date.now() + 501);
    await clockTick();
    expect(a!.peek('k')).toBeUndefined();
    expect(b!.peek('k')).toBeUndefined();
    expect(await a!.get('k')).toBeUndefined();
  });

  it('TTLs beyond 2^31 ms work', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    await a!.set('k', 1, { ttlMs: 2 ** 33, localTtlMs: 2 ** 32 });
    expect(a!.peek('k')).toBe(1);
    expect((await cluster.store.get('default:k'))!.ttlMs).toBeGreaterThan(2 ** 32);
  });
});

describe('fills of expiring values', () => {
  it('a value the store reports with no time left is returned but not cached', async () => {
    const inner = new MemoryStore();
    await inner.set('default:k', jsonMarshaller.encode('last breath'));
    const store = Object.assign(Object.create(inner) as Store, {
      get: async (key: string): Promise<StoreEntry | undefined> => {
        const entry = await inner.get(key);
        return entry && { ...entry, ttlMs: 0 };
      },
    });
    const a = await createCache({ store, heartbeatMs: 0 });
    expect(await a.get('k')).toBe('last breath');
    expect(a.peek('k')).toBeUndefined();
    await a.close();
  });
});

describe('getMany', () => {
  it('reads all misses with one store.getMany, dedupes keys and shares reads in flight', async () => {
    const store = new MemoryStore();
    for (const key of ['a', 'b', 'c'])
      await store.set(`default:${key}`, jsonMarshaller.encode(key.toUpperCase()));
    const many = vi.spyOn(store, 'getMany');
    const single = vi.spyOn(store, 'get');
    const cache = await createCache({ store, heartbeatMs: 0 });
    const inFlight = cache.get('c');
    expect(await cache.getMany(['a', 'b', 'a', 'c', 'missing'])).toEqual(['A', 'B', 'A', 'C', undefined]);
    expect(await inFlight).toBe('C');
    expect(many).toHaveBeenCalledTimes(1);
    expect(many.mock.calls[0]![0]).toEqual(['default:a', 'default:b', 'default:missing']);
    expect(single).toHaveBeenCalledTimes(1);
    expect(cache.peek('a')).toBe('A');
    expect(cache.stats()).toMatchObject({ remoteHits: 3, remoteMisses: 1 });
    await cache.close();
  });

  it('a batch read the store never answers: every waiter, including gets and getManys sharing it, gets misses within the timeout', async () => {
    const store = new MemoryStore();
    await store.set('default:c', jsonMarshaller.encode('C'));
    const getMany = vi.spyOn(store, 'getMany').mockReturnValue(new Promise(() => {}));
    const single = vi.spyOn(store, 'get');
    const onError = vi.fn();
    const cache = await createCache({ store, heartbeatMs: 0, timeoutMs: 100, onError });
    const started = performance.now();
    const first = cache.getMany(['a', 'b', 'a']);
    const sharing = cache.get('b');
    // 'b' joins the first batch's read; 'c' alone is read with a plain get.
    const second = cache.getMany(['b', 'c']);
    expect(await Promise.all([first, sharing, second])).toEqual([
      [undefined, undefined, undefined],
      undefined,
      [undefined, 'C'],
    ]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(getMany.mock.calls[0]![0]).toEqual(['default:a', 'default:b']);
    expect(single.mock.calls.map((call) => call[0])).toEqual(['default:c']);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(cache.peek('c')).toBe('C');
    await cache.close();
  });

  it('a batch read that fails reports and reads as misses; an oversized key rejects before any read', async () => {
    const store = new MemoryStore();
    const getMany = vi.spyOn(store, 'getMany').mockRejectedValue(new Error('ECONNRESET'));
    const onError = vi.fn();
    const cache = await createCache({ store, heartbeatMs: 0, onError, maxKeyBytes: 8 });
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, undefined]);
    expect(onError).toHaveBeenCalledTimes(3);
    const fills = (cache as unknown as { tier: { fills: { size: number } } }).tier.fills;
    expect(fills.size).toBe(0);
    getMany.mockClear();
    await expect(cache.getMany(['a', 'much-too-long'])).rejects.toMatchObject({ limit: 'maxKeyBytes' });
    expect(getMany).not.toHaveBeenCalled();
    expect(fills.size).toBe(0);
    await cache.close();
  });
});

describe('set events during a resync', () => {
  it('are held while the floor is unknown, then applied if newer than it, dropped if not', async () => {
    const inner = new MemoryStore();
    const [gate, release] = latch();
    const store = Object.assign(Object.create(inner) as Store, {
      currentVersion: async () => {
        const version = await inner.currentVersion();
        await gate;
        return version;
      },
    });
    const bus = new MemoryBus();
    const a = await createCache({ store, synchronizer: new MemorySynchronizer({ bus }), heartbeatMs: 0 });
    await inner.set('default:old', jsonMarshaller.encode('x'));
    const floor = await inner.currentVersion();
    inject(bus, { action: 'set', key: 'warm', version: 1, seq: 1 });
    inject(bus, { action: 'set', key: 'gap', version: floor + 1, seq: 5 });
    await settle();
    expect(a.stats().resyncs).toBe(1);
    inject(bus, { action: 'set', key: 'fresh', version: floor + 10, seq: 6 });
    inject(bus, { action: 'set', key: 'old', version: floor - 1, seq: 1, podId: 'slow' });
    await settle();
    expect(a.peek('fresh')).toBeUndefined();
    release();
    await until(() => a.peek('fresh') !== undefined, 'deferred set applied');
    expect(a.peek('fresh')).toBe(`v${floor + 10}`);
    expect(a.peek('old')).toBeUndefined();
    await a.close();
  });

  it('a later floor read that answers settles an earlier one still backing off: held sets apply at once', async () => {
    const inner = new MemoryStore();
    let failing = true;
    let reads = 0;
    const store = Object.assign(Object.create(inner) as Store, {
      currentVersion: async () => {
        reads++;
        if (failing) throw new Error('store unavailable');
        return inner.currentVersion();
      },
    });
    const bus = new MemoryBus();
    const a = await createCache({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
      onError: () => {},
    });
    const floor = await inner.currentVersion();
    inject(bus, { action: 'set', key: 'warm', version: 1, seq: 1 });
    inject(bus, { action: 'set', key: 'gap', version: floor + 1, seq: 5 }); // resync 1: its reads fail
    await until(
      () => reads >= 5,
      'the first floor read has backed off a few times (50+100+200+400 ms)',
      3000,
    );
    failing = false;
    inject(bus, { action: 'set', key: 'gap2', version: floor + 2, seq: 7 }); // resync 2: answered at once
    await settle();
    const readsAnswered = reads;
    inject(bus, { action: 'set', key: 'fresh', version: floor + 10, seq: 8 });
    await until(() => a.peek('fresh') !== undefined, 'the set applies once the later floor is known', 2000);
    // Without a retry of the first read (its next one was 800 ms away), and none comes later.
    expect(reads, 'applied without waiting for the first read').toBe(readsAnswered);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(reads, 'the first read stopped retrying').toBe(readsAnswered);
    await a.close();
  });
});

describe('forged versions', () => {
  const forged = 2 ** 52;

  it('a set with a version far beyond the store clock is undone: genuine writes apply again on every pod', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    await a!.set('k', 'genuine');
    const dropped: string[] = [];
    b!.on('dropped', (reason) => dropped.push(reason));
    inject(cluster.bus, { action: 'set', key: 'k', version: forged, podId: 'mallory' });
    await until(() => dropped.includes('implausible-version'), 'the forged version is caught');
    expect(b!.peek('k')).toBeUndefined();
    // every later genuine write wins again, on the writer and on the other pod
    await a!.set('k', 'later');
    await until(() => b!.peek('k') === 'later', 'the genuine write applies');
    expect(await a!.get('k')).toBe('later');
    expect(await b!.get('k')).toBe('later');
  });

  it('a clear with a forged version does not pin the namespace', async () => {
    cluster = await createPods(2);
    const [a, b] = cluster.pods;
    const dropped: string[] = [];
    b!.on('dropped', (reason) => dropped.push(reason));
    inject(cluster.bus, { action: 'clear', key: '', version: forged, podId: 'mallory' });
    await until(() => dropped.includes('implausible-version'), 'the forged clear is caught');
    await a!.set('k', 'after');
    await until(() => b!.peek('k') === 'after', 'set events are trusted again');
    expect(await b!.get('k')).toBe('after');
    expect(b!.peek('k')).toBe('after');
  });

  it('versions within the slack of the store clock are not checked (no store call per event)', async () => {
    cluster = await createPods(1);
    const [a] = cluster.pods;
    const calls = vi.spyOn(cluster.store, 'currentVersion');
    inject(cluster.bus, { action: 'set', key: 'k', version: 1000, podId: 'peer' });
    await settle();
    expect(a!.peek('k')).toBe('v1000');
    expect(calls).not.toHaveBeenCalled();
  });
});

describe('a store that loses its data while the bus stays up', () => {
  it('is noticed by the identity marker within a heartbeat: every pod drops what the store no longer holds', async () => {
    let inner = new MemoryStore();
    const store: Store = {
      get: (key) => inner.get(key),
      getMany: (keys) => inner.getMany(keys),
      set: (key, payload, options) => inner.set(key, payload, options),
      delete: (key) => inner.delete(key),
      clear: (prefix) => inner.clear(prefix),
      size: (prefix) => inner.size(prefix),
      currentVersion: () => inner.currentVersion(),
      close: async () => {},
    };
    const bus = new MemoryBus();
    const pod = (podId: string) =>
      createCache<string>({ store, synchronizer: new MemorySynchronizer({ bus }), heartbeatMs: 20, podId });
    const a = await pod('a');
    const b = await pod('b');
    await a.set('k', 'v');
    expect(await b.get('k')).toBe('v');
    await until(() => inner.size('') !== undefined, 'started');
    await new Promise((resolve) => setTimeout(resolve, 60)); // both pods have read the marker
    const resyncs: string[] = [];
    b.on('resync', (reason) => resyncs.push(reason));
    inner = new MemoryStore(); // restarted empty: nothing on the bus says so
    await until(() => resyncs.includes('store-reset'), 'b notices', 2000);
    await until(() => a.peek('k') === undefined && b.peek('k') === undefined, 'both pods dropped k', 2000);
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });
});
