import {
  createCache,
  MemorySynchronizer,
  StoreError,
  type SyncedCache,
  SyncedCacheError,
  type SynchronizerStatus,
  TimeoutError,
} from '@synced-cache/core';
import { watchConnection } from '@synced-cache/redis-common';
import { freePort, type RedisServer, startFaultProxy, startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createIoredisCache, createIoredisStore } from '../src/index.js';
import { eventually, MAJORS, redisClient } from './helpers.js';

const namespace = () => `f${Math.random().toString(36).slice(2, 10)}`;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(): Promise<RedisServer> {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  return redis;
}

async function pod<V>(cache: Promise<SyncedCache<V>>): Promise<SyncedCache<V>> {
  const opened = await cache;
  cleanup.push(() => opened.close());
  return opened;
}

/** A Redis server, a fault proxy in front of it, pod `a` through the proxy and pod `b` direct. */
async function proxiedPods(timeoutMs: number, healthCheckIntervalMs?: number) {
  const redis = await server();
  const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
  cleanup.push(() => proxy.close());
  const ns = namespace();
  const redisOptions = healthCheckIntervalMs === undefined ? {} : { healthCheckIntervalMs };
  const a = await pod(
    createIoredisCache<string>(proxy.url, { namespace: ns, podId: 'a', timeoutMs, redis: redisOptions }),
  );
  const b = await pod(createIoredisCache<string>(redis.url, { namespace: ns, podId: 'b' }));
  return { redis, proxy, ns, a, b };
}

/**
 * Connections named `name` that are subscribed to a channel (plain or sharded), per the server's
 * CLIENT LIST: what a pod really holds open, whatever it believes it holds.
 */
async function subscriberConnections(redis: RedisServer, name: string): Promise<number> {
  const admin = new Redis({ host: redis.host, port: redis.port });
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `) && /\b(sub|ssub)=[1-9]/.test(line)).length;
  } finally {
    admin.disconnect();
  }
}

function isTyped(error: unknown): boolean {
  return StoreError.isInstance(error) || TimeoutError.isInstance(error);
}

describe('faults (standalone)', () => {
  it('createIoredisCache against a server that is not there rejects with a typed error within the timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await createIoredisCache(`redis://127.0.0.1:${port}`, { timeoutMs: 300 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(SyncedCacheError.isInstance(error), String(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('Redis stopped mid-run: typed errors within the timeout, reads fail open and the local tier stops serving, recovery after restart without new pods', async () => {
    const redis = await server();
    const ns = namespace();
    const timeoutMs = 1000;
    const errors: unknown[] = [];
    const a = await pod(createIoredisCache<string>(redis.url, { namespace: ns, podId: 'a', timeoutMs }));
    const b = await pod(
      createIoredisCache<string>(redis.url, {
        namespace: ns,
        podId: 'b',
        timeoutMs,
        onError: (error) => errors.push(error),
      }),
    );
    const statuses: SynchronizerStatus[] = [];
    b.on('status', (status) => statuses.push(status));
    await a.set('k', 'v1');
    await eventually('b holds v1 locally', () => b.peek('k') === 'v1');

    await redis.kill();

    const started = Date.now();
    const writeError = await a.set('k', 'v2').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTyped(writeError), String(writeError)).toBe(true);
    const deleteError = await a.delete('k').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTyped(deleteError), String(deleteError)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2 * timeoutMs + 500);

    // b can hear no changes (and the store may come back empty): it stops serving its local
    // tier; reads go to the store, fail open and report through onError
    await eventually('b reports down', () => statuses.includes('down'));
    expect(b.peek('k')).toBeUndefined();
    const missStarted = Date.now();
    expect(await b.get('k')).toBeUndefined();
    expect(await b.get('never-set')).toBeUndefined();
    expect(Date.now() - missStarted).toBeLessThan(2 * timeoutMs + 500);
    expect(errors.some(isTyped)).toBe(true);

    await redis.restart();
    await eventually('b resubscribed', () => statuses.includes('resubscribed'), 10_000);
    await eventually(
      'writes work again',
      () =>
        a.set('k', 'v3').then(
          () => true,
          () => false,
        ),
      10_000,
    );
    await eventually('b sees v3', async () => (await b.get('k')) === 'v3');
    // Events published while b was resubscribing may reveal a gap and count as invalidations;
    // once the sequence is whole again, values arrive over the bus into b's local tier.
    await eventually(
      'b gets a value over the bus',
      async () => {
        const value = `v-${Date.now()}`;
        await a.set('k', value);
        return eventually('peek', () => b.peek('k') === value, 1000).then(
          () => true,
          () => false,
        );
      },
      10_000,
    );
  }, 30_000);

  it.each(MAJORS)(
    'CLIENT KILL TYPE pubsub (ioredis %i): the pod reports down then resubscribed, flushes, and serves no stale value',
    async (major) => {
      const redis = await server();
      const ns = namespace();
      const client = redisClient(major, { host: redis.host, port: redis.port });
      cleanup.push(async () => client.disconnect());
      const a = await pod(createIoredisCache<string>(client as never, { namespace: ns, podId: 'a' }));
      // A writer whose events never reach the Redis channel: it changes the store behind a's back,
      // like an event lost while a's subscriber is disconnected.
      const silentStore = createIoredisStore(redis.url);
      const silent = await pod(
        createCache<string>({
          namespace: ns,
          podId: 'silent',
          store: silentStore,
          synchronizer: new MemorySynchronizer(),
        }),
      );
      await a.set('k', 'v1');
      expect(await a.get('k')).toBe('v1');
      await silent.set('k', 'v2');
      expect(await a.get('k')).toBe('v1'); // stale: the scenario the resubscription must repair

      const statuses: SynchronizerStatus[] = [];
      a.on('status', (status) => statuses.push(status));
      const admin = new Redis({ host: redis.host, port: redis.port });
      try {
        expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1);
      } finally {
        admin.disconnect();
      }
      await eventually('a resubscribed', () => statuses.includes('resubscribed'), 10_000);
      expect(statuses).toEqual(['down', 'resubscribed']);
      expect(a.peek('k')).toBeUndefined();
      expect(await a.get('k')).toBe('v2');
      expect(a.stats().resyncs).toBeGreaterThanOrEqual(1);
    },
  );

  it('a silent partition (blackhole) is noticed by the health check: down, then resubscribed and fresh after heal', async () => {
    const { proxy, a, b } = await proxiedPods(500, 200);
    const statuses: SynchronizerStatus[] = [];
    a.on('status', (status) => statuses.push(status));
    await b.set('k', 'v1');
    await eventually('a holds v1', () => a.peek('k') === 'v1');

    proxy.blackhole();
    // Store calls on a's connection get no answer: core bounds them by timeoutMs (the connection
    // createIoredisCache owns has no per-command timer of its own).
    const started = Date.now();
    await expect(a.set('other', 'x')).rejects.toSatisfy(TimeoutError.isInstance);
    expect(await a.get('missing')).toBeUndefined(); // reads fail open
    expect(Date.now() - started).toBeLessThan(2500);
    await eventually('a reports down', () => statuses.includes('down'), 5000);
    expect(a.peek('k')).toBeUndefined(); // a cannot hear changes: its local tier stops serving
    await b.set('k', 'v2'); // a misses this event

    proxy.heal();
    await eventually('a resubscribed', () => statuses.includes('resubscribed'), 10_000);
    await eventually('a reads v2', async () => (await a.get('k')) === 'v2');
    // the next event from b reveals the gap (v2 was lost): a treats it as an invalidation
    await b.set('k', 'v3');
    await eventually('a reads v3', async () => (await a.get('k')) === 'v3');
    await b.set('k', 'v4');
    await eventually('a gets v4 over the bus', () => a.peek('k') === 'v4');
  }, 30_000);

  it('a write that timed out on a connection that then dropped is not replayed after the reconnect', async () => {
    const { redis, proxy, ns, a, b } = await proxiedPods(300);
    await a.set('k', 'before');

    proxy.blackhole(); // a's next write reaches neither Redis nor an answer
    await expect(a.set('k', 'stale')).rejects.toSatisfy(TimeoutError.isInstance);
    await b.set('k', 'fresh'); // written after a's write failed
    proxy.cut(); // the held write is lost with the connection, as when a connection dies
    proxy.heal();
    await eventually('a writes again after reconnecting', async () => {
      await a.set('probe', 'x');
      return true;
    });
    // ioredis resends commands left unanswered by a dropped connection unless told not to: the
    // stale write would now carry the newest version and overwrite 'fresh'.
    const reader = await pod(createIoredisCache<string>(redis.url, { namespace: ns, podId: 'reader' }));
    expect(await reader.get('k')).toBe('fresh');
  }, 30_000);

  it('connections whose server went silent for good are dropped by the health check, and calls work again', async () => {
    const { proxy, a, b } = await proxiedPods(300, 200);
    await a.set('k', 'before');
    // Every connection a has now stays silent forever (its server "vanished" without a reset); a
    // new connection reaches Redis. Without the check, a's store connection would stay "ready"
    // and every call on it would time out until the kernel gave up on it (many minutes).
    proxy.freeze();
    await expect(a.set('k', 'lost')).rejects.toSatisfy(TimeoutError.isInstance);
    await eventually(
      'a writes again over a new connection',
      async () => {
        await a.set('k', 'after');
        return true;
      },
      10_000,
    );
    await eventually('b reads what a wrote', async () => (await b.get('k')) === 'after');
    await b.set('k', 'from b');
    await eventually(
      'a hears b again (its subscriber reconnected too)',
      () => a.peek('k') === 'from b',
      10_000,
    );
  }, 30_000);

  it('the health check takes a stalled event loop for a stall, not for a dead connection', async () => {
    const redis = await server();
    const client = new Redis({ host: redis.host, port: redis.port });
    cleanup.push(async () => client.disconnect());
    await client.ping();
    const dead: Error[] = [];
    const checked = new Promise<void>((resolve) => {
      let pinged = false;
      const watched = {
        ping: () => {
          if (pinged) return client.ping();
          pinged = true;
          // The PONG waits behind an 80 ms BLPOP on the same connection, and reaches the socket
          // while the event loop is blocked from about 10 to 310 ms, past the 100 ms bound: when
          // the loop unblocks, the bound's timer and the answer are both due.
          void client.blpop('sc-test:nothing', 0.08).catch(() => undefined);
          const answer = client.ping();
          setTimeout(() => {
            // Blocked outside the timers phase (as by work in an I/O callback): the next loop
            // iteration runs due timers before it reads sockets.
            setImmediate(() => {
              const until = Date.now() + 300;
              while (Date.now() < until);
            });
          }, 10);
          return answer.finally(() => setTimeout(resolve, 50));
        },
      };
      const stop = watchConnection(
        () => watched,
        (connection) => connection.ping(),
        20,
        100,
        (_, error) => dead.push(error),
      );
      cleanup.push(async () => stop());
    });
    await checked;
    expect(dead).toEqual([]);
  });

  it('hostile keys travel between pods (spaces, newlines, glob characters, 10 kB, non-ASCII)', async () => {
    const redis = await server();
    const ns = namespace();
    const a = await pod(createIoredisCache<string>(redis.url, { namespace: ns, podId: 'a' }));
    const b = await pod(createIoredisCache<string>(redis.url, { namespace: ns, podId: 'b' }));
    const keys = [
      'with space',
      'new\nline',
      '*?[]{}\\^-',
      'x'.repeat(10_000),
      'ключ-鍵-🔑',
      '{tag}',
      '__proto__',
    ];
    for (const key of keys) await a.set(key, `value of ${key.slice(0, 20)}`);
    for (const key of keys) {
      await eventually(`b has ${key.slice(0, 20)}`, () => b.peek(key) === `value of ${key.slice(0, 20)}`);
    }
    const c = await pod(createIoredisCache<string>(redis.url, { namespace: ns, podId: 'c' }));
    for (const key of keys) expect(await c.get(key)).toBe(`value of ${key.slice(0, 20)}`);
    expect((await c.fetchStats()).remoteSize).toBe(keys.length);
    await b.clear();
    await eventually('a cleared', () => keys.every((key) => a.peek(key) === undefined));
    expect((await c.fetchStats()).remoteSize).toBe(0);
  });
});

describe('subscriber reconnects (standalone)', () => {
  it.each([3000, 6000])(
    'after a %i ms outage each pod holds one subscriber connection, reports resubscribed once and applies a write once',
    async (outageMs) => {
      const redis = await server();
      const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
      cleanup.push(() => proxy.close());
      const ns = namespace();
      const pods = await Promise.all(
        ['a', 'b'].map((podId) =>
          // The connection name passes to the subscriber duplicate, so CLIENT LIST tells the pods apart.
          pod(
            createIoredisCache<string>(
              { host: proxy.host, port: proxy.port, connectionName: `${ns}-${podId}` },
              { namespace: ns, podId, timeoutMs: 1000 },
            ),
          ),
        ),
      );
      const [a, b] = pods as [SyncedCache<string>, SyncedCache<string>];
      const statuses: SynchronizerStatus[][] = [[], []];
      a.on('status', (status) => statuses[0]!.push(status));
      b.on('status', (status) => statuses[1]!.push(status));
      for (const podId of ['a', 'b']) expect(await subscriberConnections(redis, `${ns}-${podId}`)).toBe(1);

      proxy.refuse();
      await eventually('both pods report down', () => statuses.every((seen) => seen.includes('down')));
      // The outage itself, not a wait for propagation: every failed reconnect attempt happens in it.
      await new Promise((resolve) => setTimeout(resolve, outageMs));
      proxy.heal();
      const healedAt = Date.now();
      await eventually(
        'both pods resubscribed',
        () => statuses.every((seen) => seen.includes('resubscribed')),
        10_000,
      );
      // Absence cannot be waited for: give every reconnect timer that could still be pending (at
      // most maxReconnectDelayMs, 2000 by default) and its connect (commandTimeoutMs) time to fire.
      const quiet = healedAt + 2000 + 1000 - Date.now();
      if (quiet > 0) await new Promise((resolve) => setTimeout(resolve, quiet));

      for (const podId of ['a', 'b']) expect(await subscriberConnections(redis, `${ns}-${podId}`)).toBe(1);
      expect(statuses).toEqual([
        ['down', 'resubscribed'],
        ['down', 'resubscribed'],
      ]);
      const received: Array<{ key: string; applied: boolean }> = [];
      b.on('event', (event, applied) => received.push({ key: event.key, applied }));
      await a.set('k', 'after the outage');
      await a.set('fence', 'x');
      // Redis writes a message to every subscriber connection before it handles the next PUBLISH:
      // once the fence arrived, every copy of the first event has arrived too.
      await eventually('b received the fence', () => received.some((event) => event.key === 'fence'));
      expect(received.filter((event) => event.key === 'k')).toEqual([{ key: 'k', applied: true }]);
      expect(b.peek('k')).toBe('after the outage');
    },
    30_000,
  );
});
