import { Socket } from 'node:net';
import { type FaultProxy, type RedisServer, startFaultProxy, startRedis } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, connectionSettings, destroyClient } from '../src/connection.js';
import { createRedisSynchronizer } from '../src/index.js';
import { majors, randomPrefix } from './helpers.js';

/**
 * node-redis reconnects at once after a socket error, and holds the new socket only once it
 * connected: a `destroy()` landing while it still connects used to miss it, and the socket then
 * connected, completed its handshake and stayed open for good (a pod process that never exited
 * after `close()`). These tests close exactly in that window: on the `reconnecting` event (or the
 * `down` status it follows), one microtask later, when node-redis has created the socket and not
 * yet connected it.
 */

let server: RedisServer;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await server?.stop();
});

afterEach(async () => {
  await proxy?.close();
});

async function newProxy(): Promise<FaultProxy> {
  proxy = await startFaultProxy({ target: { host: server.host, port: server.port } });
  return proxy;
}

/** This process' open client sockets to `port` (the proxy's own sockets have another remote port). */
function socketsTo(port: number): Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter(
    (handle): handle is Socket => handle instanceof Socket && !handle.destroyed && handle.remotePort === port,
  );
}

/** Those that keep the process alive. */
function referencedSocketsTo(port: number): Socket[] {
  return socketsTo(port).filter(
    (socket) => (socket as unknown as { _handle?: { hasRef?(): boolean } })._handle?.hasRef?.() !== false,
  );
}

/** Waits until `count` connections were accepted after the cut and none of ours is still connecting. */
async function reconnectionsSettled(port: number, count: number): Promise<void> {
  await waitForSync(() => proxy.accepted >= count, { message: `${count} connections accepted` });
  await waitForSync(() => socketsTo(port).every((socket) => !socket.connecting), {
    message: 'no socket still connecting',
  });
}

/** No connection of ours left at the proxy, now and a little later (nothing connects afterwards). */
async function noConnectionLeft(): Promise<void> {
  await waitForSync(() => proxy.connections === 0, { message: 'every proxied connection closed' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(proxy.connections).toBe(0);
  expect(socketsTo(proxy.port)).toEqual([]);
}

describe('close() while node-redis reconnects after a reset: the socket still connecting is torn down too', () => {
  it("a standalone connection made from a URL (the store's and the cache's)", async () => {
    const { port, url } = await newProxy();
    const connection = new Connection(url, { ...connectionSettings({}), perCommandTimer: false });
    await connection.ready();
    expect(proxy.accepted).toBe(1);
    let closed: Promise<void> | undefined;
    const raw = connection.raw as unknown as { once(event: string, listener: () => void): unknown };
    raw.once('reconnecting', () => queueMicrotask(() => (closed = connection.close())));
    proxy.cut();
    await reconnectionsSettled(port, 2);
    await closed;
    await noConnectionLeft();
  });

  it('a synchronizer made from a URL: its connection and its subscriber connection', async () => {
    const { port, url } = await newProxy();
    const synchronizer = createRedisSynchronizer(url);
    let closed: Promise<void> | undefined;
    await synchronizer.subscribe(
      `${randomPrefix('close')}channel`,
      () => undefined,
      (status) => {
        // Reported from the subscriber's `error` event, just before node-redis reconnects it.
        if (status === 'down') queueMicrotask(() => (closed ??= synchronizer.close()));
      },
    );
    expect(proxy.accepted).toBe(2);
    proxy.cut();
    await reconnectionsSettled(port, 4);
    await closed;
    await noConnectionLeft();
  });

  for (const major of majors) {
    it(`${major.name}: destroyClient leaves no socket that keeps the process alive`, async () => {
      const { port, url } = await newProxy();
      const client = major.createClient({ url });
      client.on('error', () => undefined);
      await client.connect();
      client.once('reconnecting', () =>
        queueMicrotask(() => destroyClient(client as unknown as Parameters<typeof destroyClient>[0])),
      );
      proxy.cut();
      await reconnectionsSettled(port, 2);
      expect(referencedSocketsTo(port)).toEqual([]);
      expect(client.isOpen).toBe(false);
      // node-redis 6 lets a closed client be destroyed again, and the socket is closed; node-redis 5
      // refuses, so its socket is only unref'd (it stays connected until the process exits).
      if (major.name === 'redis@6') await noConnectionLeft();
    });
  }
});
