import { SyncedCacheError, TimeoutError } from '@synced-cache/core';
import { type RedisServer, startFaultProxy, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { adminClient, majors, randomPrefix } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const namespace = () => randomPrefix('ns').slice(0, -1);

async function connectionCount(url: string): Promise<number> {
  const admin = await adminClient(url);
  const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
  await admin.close();
  // Minus the admin connection itself.
  return list.trim().split('\n').length - 1;
}

describe('createRedisCache', () => {
  it('builds ready pods from a URL that see each other, and closes every connection it made', async () => {
    const before = await connectionCount(server.url);
    const ns = namespace();
    const first = await createRedisCache<{ name: string }>(server.url, { namespace: ns, podId: 'a' });
    const second = await createRedisCache<{ name: string }>(
      { url: server.url },
      { namespace: ns, podId: 'b' },
    );
    // One command connection and one subscriber connection per pod.
    expect(await connectionCount(server.url)).toBe(before + 4);
    await first.set('user:1', { name: 'Ada' });
    await waitForSync(() => second.peek('user:1')?.name === 'Ada', { message: 'set propagates' });
    await second.delete('user:1');
    await waitForSync(() => first.peek('user:1') === undefined, { message: 'delete propagates' });
    expect(await first.get('user:1')).toBeUndefined();
    await first.close();
    await second.close();
    await waitForSync(async () => (await connectionCount(server.url)) === before, {
      message: 'connections closed',
    });
  });

  for (const major of majors) {
    it(`leaves an injected ${major.name} client open after close`, async () => {
      const client = major.createClient({ url: server.url });
      await client.connect();
      const cache = await createRedisCache<string>(client, { namespace: namespace() });
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      await cache.close();
      expect(client.isOpen).toBe(true);
      expect(await client.ping()).toBe('PONG');
      await client.close();
    });
  }

  it('rejects invalid adapter options before connecting', async () => {
    await expect(createRedisCache(server.url, { timeoutMs: -5 })).rejects.toSatisfy(
      SyncedCacheError.isInstance,
    );
    await expect(createRedisCache(server.url, { redis: { tombstoneTtlMs: 0 } })).rejects.toThrow(
      /tombstoneTtlMs/,
    );
  });
});

describe('faults', () => {
  it("after CLIENT KILL TYPE pubsub a pod reports 'resubscribed', flushes and serves no stale value", async () => {
    const admin = await adminClient(server.url);
    const ns = namespace();
    const reader = await createRedisCache<string>(server.url, { namespace: ns, podId: 'reader' });
    const writer = await createRedisCache<string>(server.url, { namespace: ns, podId: 'writer' });
    const resyncs: string[] = [];
    reader.on('resync', (reason) => resyncs.push(reason));
    await writer.set('k', 'old');
    expect(await reader.get('k')).toBe('old');
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    // Written while the reader's subscriber may be down: the event can be lost.
    await writer.set('k', 'new');
    await waitForSync(() => resyncs.includes('resubscribed'), { message: 'reader resynced' });
    expect(await reader.get('k')).toBe('new');
    await reader.close();
    await writer.close();
    await admin.close();
  });

  it('Redis stopped mid-run: typed errors within the timeout, the local tier stops serving (the server comes back empty), pods recover after restart', async () => {
    const own = await startRedis();
    try {
      const ns = namespace();
      const options = { namespace: ns, timeoutMs: 500, redis: { commandTimeoutMs: 300 } };
      const first = await createRedisCache<string>({ url: own.url }, { ...options, podId: 'a' });
      const second = await createRedisCache<string>(own.url, { ...options, podId: 'b' });
      const statuses: string[] = [];
      first.on('status', (status) => statuses.push(status));
      await first.set('hot', 'cached');
      expect(await first.get('hot')).toBe('cached');
      await own.kill();
      // The pod can no longer hear changes, and the server will come back without 'hot': its
      // local tier stops serving; reads go to the store and fail open.
      await waitForSync(() => statuses.includes('down'), { message: 'first reports down' });
      expect(first.peek('hot')).toBeUndefined();
      expect(await first.get('hot')).toBeUndefined();
      const started = Date.now();
      const failure = await first.set('cold', 'x').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(Date.now() - started).toBeLessThan(1500);
      expect(SyncedCacheError.isInstance(failure)).toBe(true);
      await own.restart();
      await waitForSync(
        async () => {
          try {
            await first.set('after', 'restart');
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 15_000, message: 'writes work again after the restart' },
      );
      // A set event reaches the other pod again (each round checks the previous round's write).
      let last: string | undefined;
      await waitForSync(
        async () => {
          if (last !== undefined && second.peek('after') === last) return true;
          last = `again-${Date.now()}`;
          await first.set('after', last);
          return false;
        },
        { timeoutMs: 15_000, intervalMs: 100, message: 'propagation works again after the restart' },
      );
      // The outage was reported, not swallowed: the failed set rejected (above) and the
      // synchronizer's status went down, then came back. (The write scripts publish each event in
      // the same round trip as its write, so no publish is left in flight to fail on its own.)
      await waitForSync(() => statuses.includes('resubscribed'), { message: "status 'resubscribed'" });
      expect(statuses.indexOf('down')).toBeGreaterThanOrEqual(0);
      expect(statuses.indexOf('down')).toBeLessThan(statuses.indexOf('resubscribed'));
      await first.close();
      await second.close();
    } finally {
      await own.stop();
    }
  });

  it('its connection sends commands without per-command timers, and a silent partition still fails calls within timeoutMs', async () => {
    const proxy = await startFaultProxy({ target: { host: server.host, port: server.port } });
    try {
      const ns = namespace();
      // The short timeout is what the test is about, but it also bounds the cache's setup (its
      // subscribe), which a loaded CI machine once took longer than 400 ms to answer: setup gets
      // three tries, only on a timeout.
      let cache: Awaited<ReturnType<typeof createRedisCache<string>>> | undefined;
      for (let attempt = 1; cache === undefined; attempt++) {
        try {
          cache = await createRedisCache<string>(proxy.url, { namespace: ns, podId: 'a', timeoutMs: 400 });
        } catch (error) {
          if (attempt === 3 || !TimeoutError.isInstance(error)) throw error;
        }
      }
      const timers = vi.spyOn(AbortSignal, 'timeout');
      try {
        await cache.set('k', 'v');
        await cache.delete('k');
        expect(await cache.get('missing')).toBeUndefined();
        expect(timers).not.toHaveBeenCalled();
      } finally {
        timers.mockRestore();
      }
      proxy.blackhole();
      // No reply ever comes: core bounds each call by timeoutMs (writes reject, reads miss).
      const started = Date.now();
      const failure = await cache.set('other', 'x').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(TimeoutError.isInstance(failure)).toBe(true);
      expect(await cache.get('missing-too')).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2000);
      proxy.heal();
      await cache.close();
    } finally {
      await proxy.close();
    }
  });

  for (const fault of ['while connected (the connection then drops)', 'while reconnecting'] as const) {
    it(`a write that timed out ${fault} is not sent after the reconnect`, async () => {
      const proxy = await startFaultProxy({ target: { host: server.host, port: server.port } });
      try {
        const ns = namespace();
        const a = await createRedisCache<string>(proxy.url, { namespace: ns, podId: 'a', timeoutMs: 300 });
        const b = await createRedisCache<string>(server.url, { namespace: ns, podId: 'b' });
        const statuses: string[] = [];
        a.on('status', (status) => statuses.push(status));
        await a.set('k', 'before');
        if (fault === 'while reconnecting') {
          proxy.refuse(); // a's connections drop and cannot come back: its next write is queued
          await waitForSync(() => statuses.includes('down'), { message: "a's status goes down" });
        } else {
          proxy.blackhole(); // a's next write reaches neither Redis nor an answer
        }
        await expect(a.set('k', 'stale')).rejects.toSatisfy(TimeoutError.isInstance);
        await new Promise((resolve) => setTimeout(resolve, 100)); // past the command's own bound too
        await b.set('k', 'fresh'); // written after a's write failed
        if (fault !== 'while reconnecting') proxy.cut(); // the held write is lost with the connection
        proxy.heal();
        await waitForSync(
          async () => {
            try {
              await a.set('probe', 'x');
              return true;
            } catch {
              return false;
            }
          },
          { timeoutMs: 10_000, message: 'a writes again after reconnecting' },
        );
        const reader = await createRedisCache<string>(server.url, { namespace: ns, podId: 'reader' });
        expect(await reader.get('k')).toBe('fresh');
        await Promise.all([a.close(), b.close(), reader.close()]);
      } finally {
        await proxy.close();
      }
    }, 30_000);
  }
});
