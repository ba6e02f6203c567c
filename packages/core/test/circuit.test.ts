import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type Store,
  TimeoutError,
} from '../src/index.js';
import { stallingStore, storeOver, until } from './helpers.js';

const timeoutMs = 30;

describe('store circuit breaker', () => {
  it('opens after five consecutive timeouts: store calls fail at once, local hits still served; a background probe closes it once the store answers', async () => {
    const stalling = stallingStore(new MemoryStore());
    const cache = await createCache<string>({ store: stalling.store, timeoutMs, heartbeatMs: 0 });
    const states: string[] = [];
    cache.on('circuit', (state) => states.push(state));
    await cache.set('hot', 'kept');
    stalling.stall();
    for (let i = 0; i < 5; i++) expect(await cache.get(`cold-${i}`)).toBeUndefined(); // each waits timeoutMs
    expect(states).toEqual(['open']);
    expect(cache.stats()).toMatchObject({ storeCircuit: 'open', circuitOpens: 1 });

    const started = performance.now();
    const failure = await cache.set('k', 'v').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(CircuitOpenError.isInstance(failure), String(failure)).toBe(true);
    expect(await cache.get('cold-x')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(timeoutMs); // no waiting while open
    expect(await cache.get('hot')).toBe('kept'); // local hits need no store

    // While open, the cache probes the store itself every timeoutMs (a read of its identity
    // marker); they time out while the store stalls, and the first answer closes the circuit:
    // no caller has to be the probe.
    await stalling.wake();
    await until(() => cache.stats().storeCircuit === 'closed', 'the background probe closed it', 2000);
    expect(states).toEqual(['open', 'closed']);
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.close();
  });

  it('a probe that times out opens it again', async () => {
    const stalling = stallingStore(new MemoryStore());
    const cache = await createCache<string>({ store: stalling.store, timeoutMs, heartbeatMs: 0 });
    const states: string[] = [];
    cache.on('circuit', (state) => states.push(state));
    stalling.stall();
    for (let i = 0; i < 5; i++) await cache.get(`cold-${i}`);
    const opened = performance.now();
    await until(() => performance.now() - opened > 5 * timeoutMs, 'the cool-down', 2000);
    await expect(cache.set('k', 'v')).rejects.toSatisfy(TimeoutError.isInstance);
    expect(states).toEqual(['open', 'half-open', 'open']);
    expect(cache.stats().circuitOpens).toBe(2);
    await stalling.wake();
    await cache.close();
  });

  it('a write refused by the open circuit did not happen: no announcement, other pods keep their copy', async () => {
    const bus = new MemoryBus();
    const inner = new MemoryStore();
    const stalling = stallingStore(inner);
    const a = await createCache<string>({
      store: stalling.store,
      synchronizer: new MemorySynchronizer({ bus }),
      timeoutMs,
      heartbeatMs: 0,
      podId: 'a',
    });
    const b = await createCache<string>({
      store: inner,
      synchronizer: new MemorySynchronizer({ bus }),
      heartbeatMs: 0,
      podId: 'b',
    });
    await a.set('k', 'v');
    expect(await b.get('k')).toBe('v');
    stalling.stall();
    for (let i = 0; i < 5; i++) await a.get(`cold-${i}`);
    const events: string[] = [];
    b.on('event', (event) => events.push(event.action));
    await expect(a.set('k', 'refused')).rejects.toSatisfy(CircuitOpenError.isInstance);
    await stalling.wake();
    await new Promise((resolve) => setTimeout(resolve, 4 * timeoutMs));
    expect(events).toEqual([]);
    expect(b.peek('k')).toBe('v');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('one timeout per call', () => {
  it("getOrSet's store read and write share one timeout", async () => {
    const inner = new MemoryStore();
    const slowRead = 0.7 * 100;
    const store: Store = storeOver(inner, {
      get: async (key) => {
        await new Promise((resolve) => setTimeout(resolve, slowRead));
        return inner.get(key);
      },
      set: () => new Promise<number>(() => {}), // never answers
    });
    const cache = await createCache<string>({ store, timeoutMs: 100, heartbeatMs: 0 });
    const started = performance.now();
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(100 + slowRead); // not read timeout + a full write timeout
    await cache.close();
  });
});
