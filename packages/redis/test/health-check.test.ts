import {
  InvalidConfigError,
  StoreError,
  type SyncedCache,
  type Synchronizer,
  type SynchronizerStatus,
  TimeoutError,
} from '@synced-cache/core';
import { watchConnection } from '@synced-cache/redis-common';
import { type FaultProxy, type RedisServer, startFaultProxy, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisCache, createRedisStore, createRedisSynchronizer } from '../src/index.js';
import { adminClient, majors, randomPrefix } from './helpers.js';

/** PING every 200 ms, answered within 300 ms: a dead connection is noticed within about 0.5 s. */
const INTERVAL_MS = 200;
const TIMEOUT_MS = 300;
/** Slack on a loaded 2-core machine on top of interval + timeout. */
const SLACK_MS = 1000;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(): Promise<RedisServer> {
  const redis = await startRedis();
  // Resumed first, always: a paused server would hold every connection of the test open.
  cleanup.push(async () => {
    redis.resume();
    await redis.stop();
  });
  return redis;
}

async function proxied(): Promise<{ redis: RedisServer; proxy: FaultProxy }> {
  const redis = await server();
  const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
  cleanup.push(() => proxy.close());
  return { redis, proxy };
}

function closing<T extends { close(): Promise<void> }>(closable: T): T {
  cleanup.push(() => closable.close());
  return closable;
}

async function listen(synchronizer: Synchronizer, channel: string) {
  const received = { messages: [] as string[], statuses: [] as SynchronizerStatus[], at: [] as number[] };
  await synchronizer.subscribe(
    channel,
    (message) => received.messages.push(Buffer.from(message).toString()),
    (status) => {
      received.statuses.push(status);
      received.at.push(Date.now());
    },
  );
  return received;
}

async function pubsubClients(url: string): Promise<number> {
  const admin = await adminClient(url);
  const list = String(await admin.sendCommand(['CLIENT', 'LIST', 'TYPE', 'pubsub']));
  await admin.close();
  return list.trim() === '' ? 0 : list.trim().split('\n').length;
}

const health = { healthCheckIntervalMs: INTERVAL_MS, commandTimeoutMs: TIMEOUT_MS };

describe('healthCheckIntervalMs', () => {
  it('is validated by every factory before anything connects: 0 turns it off, anything else must be a positive integer', async () => {
    for (const value of [-1, 1.5, '100', Number.NaN]) {
      const options = { healthCheckIntervalMs: value as number };
      expect(() => createRedisStore('redis://127.0.0.1:1', options)).toThrow(InvalidConfigError);
      expect(() => createRedisSynchronizer('redis://127.0.0.1:1', options)).toThrow(/healthCheckIntervalMs/);
      await expect(createRedisCache('redis://127.0.0.1:1', { redis: options })).rejects.toThrow(
        /healthCheckIntervalMs/,
      );
    }
    const off = createRedisSynchronizer('redis://127.0.0.1:1', { healthCheckIntervalMs: 0 });
    await off.close();
  });
});

describe('synchronizer: a subscriber connection that goes silent', () => {
  for (const major of majors) {
    it(`${major.name}: a frozen link (proxy freeze) is reported 'down' within interval + timeout, replaced by one new connection, 'resubscribed', and delivers again`, async ({
      annotate,
    }) => {
      const { redis, proxy } = await proxied();
      const client = major.createClient({ url: proxy.url });
      client.on('error', () => undefined);
      await client.connect();
      cleanup.push(() => void client.destroy());
      const synchronizer = closing(createRedisSynchronizer(client, health));
      const publisher = closing(createRedisSynchronizer(redis.url));
      const channel = `${randomPrefix('hc')}events`;
      const received = await listen(synchronizer, channel);
      await publisher.publish(channel, Buffer.from('before'));
      await waitForSync(() => received.messages.includes('before'), { message: 'delivered before' });

      proxy.freeze();
      const frozenAt = Date.now();
      await waitForSync(() => received.statuses.includes('down'), {
        message: "'down' after the freeze",
        timeoutMs: 10_000,
      });
      const downAfterMs = (received.at[received.statuses.indexOf('down')] as number) - frozenAt;
      await annotate(`'down' ${downAfterMs} ms after the freeze`);
      expect(downAfterMs).toBeLessThan(INTERVAL_MS + TIMEOUT_MS + SLACK_MS);

      proxy.heal();
      await waitForSync(() => received.statuses.includes('resubscribed'), {
        message: "'resubscribed'",
        timeoutMs: 10_000,
      });
      expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
      await publisher.publish(channel, Buffer.from('after'));
      await waitForSync(() => received.messages.includes('after'), { message: 'delivered after' });
      // The dead connection is gone: one subscriber on the server, and through the proxy only
      // the injected client's connection and the new subscriber connection.
      await waitForSync(async () => (await pubsubClients(redis.url)) === 1 && proxy.connections === 2, {
        message: 'exactly one subscriber connection',
      });
      expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
    });
  }

  it("a paused server (SIGSTOP) is reported 'down' within interval + timeout; after SIGCONT 'resubscribed' and delivering again", async ({
    annotate,
  }) => {
    const redis = await server();
    const synchronizer = closing(createRedisSynchronizer(redis.url, health));
    const publisher = closing(createRedisSynchronizer(redis.url));
    const channel = `${randomPrefix('hc')}paused`;
    const received = await listen(synchronizer, channel);

    redis.pause();
    const pausedAt = Date.now();
    await waitForSync(() => received.statuses.includes('down'), {
      message: "'down' while paused",
      timeoutMs: 10_000,
    });
    const downAfterMs = (received.at[received.statuses.indexOf('down')] as number) - pausedAt;
    await annotate(`'down' ${downAfterMs} ms after SIGSTOP`);
    expect(downAfterMs).toBeLessThan(INTERVAL_MS + TIMEOUT_MS + SLACK_MS);
    redis.resume();

    await waitForSync(() => received.statuses.includes('resubscribed'), {
      message: "'resubscribed' after SIGCONT",
      timeoutMs: 10_000,
    });
    expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
    await waitForSync(
      async () => {
        await publisher.publish(channel, Buffer.from('after')).catch(() => undefined);
        return received.messages.includes('after');
      },
      { message: 'delivered after SIGCONT', intervalMs: 50 },
    );
    await waitForSync(async () => (await pubsubClients(redis.url)) === 1, {
      message: 'exactly one subscriber connection',
    });
  });
});

describe('synchronizer: a reconnection that hangs', () => {
  for (const major of majors) {
    it(`${major.name}: a reconnection whose handshake is never answered is abandoned after the bound and tried again, one connection at a time`, async () => {
      const { redis, proxy } = await proxied();
      // Yours, through the proxy: never checked nor replaced by us, so it keeps one pipe open.
      const client = major.createClient({ url: proxy.url });
      client.on('error', () => undefined);
      await client.connect();
      cleanup.push(() => void client.destroy());
      const synchronizer = closing(createRedisSynchronizer(client, health));
      const publisher = closing(createRedisSynchronizer(redis.url));
      const channel = `${randomPrefix('hc')}handshake`;
      const received = await listen(synchronizer, channel);

      const acceptedBefore = proxy.accepted;
      redis.pause();
      await waitForSync(() => received.statuses.includes('down'), { message: "'down' while paused" });
      // A reconnection attempt is under way (a new connection; the old one is gone) and its
      // handshake reached the paused server's backlog: freeze it, so its answer never arrives,
      // even once the server runs again.
      let most = 0;
      await waitForSync(
        () => {
          most = Math.max(most, proxy.connections);
          if (proxy.accepted === acceptedBefore || proxy.connections !== 2) return false;
          proxy.freeze();
          return true;
        },
        { message: 'a reconnection attempt' },
      );
      redis.resume();
      await waitForSync(
        () => {
          most = Math.max(most, proxy.connections);
          return received.statuses.includes('resubscribed');
        },
        { message: "'resubscribed' without a heal", timeoutMs: 10_000 },
      );
      expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
      expect(most).toBeLessThanOrEqual(2);
      await publisher.publish(channel, Buffer.from('after'));
      await waitForSync(() => received.messages.includes('after'), { message: 'delivered after' });
    });
  }
});

describe('cache: a pod whose connections froze', () => {
  it("does not keep reporting 'up' and serving its stale local copy: 'down', the other pod's write, then 'resubscribed'", async ({
    annotate,
  }) => {
    const { redis, proxy } = await proxied();
    const namespace = randomPrefix('hc').slice(0, -1);
    const a = closing(
      await createRedisCache<string>(proxy.url, {
        namespace,
        podId: 'a',
        timeoutMs: TIMEOUT_MS,
        redis: { healthCheckIntervalMs: INTERVAL_MS },
      }),
    );
    const b: SyncedCache<string> = closing(
      await createRedisCache<string>(redis.url, { namespace, podId: 'b' }),
    );
    const statuses: SynchronizerStatus[] = [];
    a.on('status', (status) => statuses.push(status));
    await b.set('k', 'v1');
    await waitForSync(() => a.peek('k') === 'v1', { message: 'a holds v1' });

    proxy.freeze();
    const frozenAt = Date.now();
    await b.set('k', 'v2'); // a misses this event: its subscriber connection is frozen
    let staleReads = 0;
    let freshAfterMs: number | undefined;
    // Bounded: at most 10 s, or 500 reads.
    for (let read = 0; read < 500 && Date.now() - frozenAt < 10_000; read++) {
      const value = await a.get('k');
      if (value === 'v2') {
        freshAfterMs = Date.now() - frozenAt;
        break;
      }
      staleReads++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await annotate(
      `${staleReads} stale reads; fresh ${freshAfterMs ?? 'never (within 10 s)'} ms after the freeze`,
    );
    // A pod that reports 'down' reads past its local tier, so the fresh value can come from the
    // store (its connection replaced) before the subscriber finishes resubscribing: wait for it.
    await waitForSync(() => statuses.includes('resubscribed'), {
      message: "'resubscribed' after the freeze",
      timeoutMs: 10_000,
    });
    expect(statuses).toEqual(['down', 'resubscribed']);
    expect(freshAfterMs).toBeDefined();
    expect(freshAfterMs).toBeLessThan(INTERVAL_MS + TIMEOUT_MS + 2 * SLACK_MS);
    expect(a.connectionStatus).toBe('up');
    expect(staleReads).toBeLessThan(500);
    // After the resync every read is fresh, and events arrive again (the first one from b shows
    // a gap, as a missed v2, so a takes it as an invalidation; the next one carries its value).
    expect(await a.get('k')).toBe('v2');
    await b.set('k', 'v3');
    await waitForSync(async () => (await a.get('k')) === 'v3', { message: 'a reads v3' });
    await b.set('k', 'v4');
    await waitForSync(() => a.peek('k') === 'v4', { message: 'a hears b again' });
  });
});

describe('store: a connection it created that goes silent', () => {
  it('is dropped and replaced: calls time out while it hangs, then work again without a heal', async () => {
    const { redis, proxy } = await proxied();
    const store = closing(createRedisStore(proxy.url, health));
    const key = `${randomPrefix('hc')}k`;
    await store.set(key, Buffer.from('before'));

    proxy.freeze(); // this connection never answers again; a new one reaches the server
    await expect(store.set(key, Buffer.from('lost'))).rejects.toSatisfy(
      (error) => TimeoutError.isInstance(error) || StoreError.isInstance(error),
    );
    await waitForSync(
      async () => {
        await store.set(key, Buffer.from('after'));
        return true;
      },
      { message: 'set works on a new connection', timeoutMs: 10_000, intervalMs: 50 },
    );
    const reader = closing(createRedisStore(redis.url));
    expect(Buffer.from((await reader.get(key))?.payload ?? []).toString()).toBe('after');
  });
});

describe('watchConnection', () => {
  it('takes a stalled event loop for a stall, not for a dead connection', async () => {
    const redis = await server();
    const client = await adminClient(redis.url);
    cleanup.push(() => void client.destroy());
    const dead: Error[] = [];
    await new Promise<void>((resolve) => {
      let pinged = false;
      const stop = watchConnection(
        () => client,
        (connection) => {
          if (pinged) return connection.ping();
          pinged = true;
          // The PONG waits behind an 80 ms BLPOP on the same connection, and reaches the socket
          // while the event loop is blocked from about 10 to 310 ms, past the 100 ms bound: when
          // the loop unblocks, the bound's timer and the answer are both due.
          void connection.blPop('hc-test:nothing', 0.08).catch(() => undefined);
          const answer = connection.ping();
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
        20,
        100,
        (_, error) => dead.push(error),
      );
      cleanup.push(stop);
    });
    expect(dead).toEqual([]);
  });

  it('reports a PING left unanswered past the bound, once per failed check', async () => {
    const dead: Error[] = [];
    const stop = watchConnection(
      () => 'connection',
      () => new Promise(() => undefined),
      20,
      50,
      (connection, error) => dead.push(Object.assign(error, { connection })),
    );
    cleanup.push(stop);
    await waitForSync(() => dead.length >= 2, { message: 'two failed checks' });
    stop();
    expect(dead[0]?.message).toMatch(/no PING answer within 50 ms/);
  });
});
