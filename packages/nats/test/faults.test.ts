import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import {
  createCache,
  InvalidConfigError,
  MemoryStore,
  type SyncedCache,
  SynchronizerError,
} from '@synced-cache/core';
import { type NatsServer, startNats, trackChild } from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createNatsSynchronizer } from '../src/index.js';
import { cleanupList, listen, randomName } from './helpers.js';

const cleanup = cleanupList();
afterEach(() => cleanup.run());

/** A private server for one test, resumed and stopped afterwards. */
async function server(jetstream = false): Promise<NatsServer> {
  const nats = await startNats({ jetstream });
  cleanup.push(async () => {
    nats.resume();
    await nats.stop();
  });
  return nats;
}

function closing<T extends { close(): Promise<unknown> }>(closable: T): T {
  cleanup.push(() => closable.close());
  return closable;
}

const fast = { healthCheckIntervalMs: 200, healthCheckTimeoutMs: 300 };

describe('options', () => {
  it('rejects unknown and invalid options with InvalidConfigError naming the option, before connecting', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ servers: 'nats://127.0.0.1:1', subjectPrefx: 'x' }, /subjectPrefx/],
      [{}, /servers/],
      [{ servers: [] }, /servers/],
      [{ servers: 'nats://127.0.0.1:1', subjectPrefix: 'a.*' }, /subjectPrefix/],
      [{ servers: 'nats://127.0.0.1:1', subjectPrefix: 'a..b' }, /subjectPrefix/],
      [{ servers: 'nats://127.0.0.1:1', healthCheckIntervalMs: -1 }, /healthCheckIntervalMs/],
      [{ servers: 'nats://127.0.0.1:1', healthCheckTimeoutMs: 0 }, /healthCheckTimeoutMs/],
      [{ servers: 'nats://127.0.0.1:1', user: 'u' }, /pass/],
      [{ servers: 'nats://127.0.0.1:1', token: '' }, /token/],
      [{ servers: 'nats://127.0.0.1:1', connectOptions: { noEcho: true } }, /noEcho/],
      [{ servers: 'nats://127.0.0.1:1', replay: { maxAgeMs: 0 } }, /replay\.maxAgeMs/],
      [{ servers: 'nats://127.0.0.1:1', replay: { stream: 'a.b' } }, /replay\.stream/],
      [{ servers: 'nats://127.0.0.1:1', replay: { replicas: 0 } }, /replay\.replicas/],
      [{ servers: 'nats://127.0.0.1:1', replay: { replicas: 6 } }, /replay\.replicas/],
      [{ servers: 'nats://127.0.0.1:1', replay: { windowMs: 1 } }, /replay\.windowMs/],
      [{ connection: { publish: 1 } }, /connection/],
    ];
    for (const [options, message] of cases) {
      expect(() => createNatsSynchronizer(options as never), JSON.stringify(options)).toThrow(
        InvalidConfigError,
      );
      expect(() => createNatsSynchronizer(options as never)).toThrow(message);
    }
  });

  it('rejects owned-connection options next to a borrowed connection, and a noEcho connection', async () => {
    const nats = await server();
    const mine = await connect({ servers: nats.url });
    cleanup.push(() => mine.close());
    expect(() => createNatsSynchronizer({ connection: mine, servers: nats.url })).toThrow(/servers/);
    expect(() => createNatsSynchronizer({ connection: mine, token: 't' })).toThrow(/token/);
    const silent = await connect({ servers: nats.url, noEcho: true });
    cleanup.push(() => silent.close());
    expect(() => createNatsSynchronizer({ connection: silent })).toThrow(/noEcho/);
  });
});

describe('connections', () => {
  it('a borrowed connection is used and never closed; an owned one is drained and closed', async () => {
    const nats = await server();
    const mine = await connect({ servers: nats.url });
    cleanup.push(() => mine.close());
    const borrowed = createNatsSynchronizer({ connection: mine });
    const owned = closing(createNatsSynchronizer({ servers: nats.url }));
    const channel = randomName('conn');
    const received = await listen(borrowed, channel);
    await owned.publish(channel, Buffer.from('hello'));
    await waitForSync(() => received.messages.includes('hello'), { message: 'delivered' });
    await borrowed.close();
    expect(mine.isClosed()).toBe(false);
    // Our subscription is gone from your connection.
    await owned.publish(channel, Buffer.from('after close'));
    await mine.flush();
    expect(received.messages).toEqual(['hello']);
  });

  it('a message for another pod is passed through as bytes: a hostile payload is dropped and counted by core, the pod goes on', async () => {
    const nats = await server();
    const namespace = randomName('hostile');
    const pod = closing(
      await createCache<string>({
        namespace,
        store: new MemoryStore(),
        synchronizer: createNatsSynchronizer({ servers: nats.url }),
        heartbeatMs: 0,
      }),
    );
    const raw = await connect({ servers: nats.url });
    cleanup.push(() => raw.close());
    for (const payload of [
      new Uint8Array(0),
      Buffer.from('not an event'),
      new Uint8Array([0xca, 1, 255, 0]),
    ]) {
      raw.publish(`synced-cache.cache:invalidate:${namespace}`, payload);
    }
    await raw.flush();
    await waitForSync(() => pod.stats().eventsDropped === 3, { message: 'three drops counted' });
    await pod.set('k', 'v');
    expect(await pod.get('k')).toBe('v');
  });
});

describe('faults on a real server', () => {
  it("a server restart is reported 'down', then 'resubscribed'; the pods resync and converge", async () => {
    const nats = await server();
    const store = new MemoryStore();
    const namespace = randomName('restart');
    const pods: Array<SyncedCache<string>> = [];
    const resyncs: string[][] = [[], []];
    for (const index of [0, 1]) {
      const pod = closing(
        await createCache<string>({
          namespace,
          store,
          synchronizer: createNatsSynchronizer({ servers: nats.url, ...fast }),
          heartbeatMs: 0,
        }),
      );
      pod.on('resync', (reason) => resyncs[index]?.push(reason));
      pods.push(pod);
    }
    const [a, b] = pods as [SyncedCache<string>, SyncedCache<string>];
    const watcher = closing(createNatsSynchronizer({ servers: nats.url, ...fast }));
    const received = await listen(watcher, randomName('watch'));
    await a.set('k', 'one');
    await waitForSync(async () => (await b.get('k')) === 'one', { message: 'b has one' });

    await nats.restart();
    await waitForSync(() => received.statuses.includes('resubscribed'), {
      message: "'resubscribed'",
      timeoutMs: 10_000,
    });
    expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
    await waitForSync(() => resyncs.every((reasons) => reasons.includes('resubscribed')), {
      message: 'both pods resynced',
      timeoutMs: 10_000,
    });
    await a.set('k', 'two');
    // Served from b's local tier again: the bus carries events after the resync.
    await waitForSync(
      async () => {
        const hits = b.stats().localHits;
        return (await b.get('k')) === 'two' && b.stats().localHits > hits;
      },
      { message: 'b serves two from its local tier after the restart' },
    );
  });

  it("a frozen server (SIGSTOP) is found by the health check: 'down', publishes fail fast; after SIGCONT 'resubscribed' and delivering", async () => {
    const nats = await server();
    const synchronizer = closing(createNatsSynchronizer({ servers: nats.url, ...fast }));
    const publisher = closing(createNatsSynchronizer({ servers: nats.url, ...fast }));
    const channel = randomName('frozen');
    const received = await listen(synchronizer, channel);
    nats.pause();
    await waitForSync(() => received.statuses.includes('down'), {
      message: "'down' while frozen",
      timeoutMs: 10_000,
    });
    await waitForSync(
      () =>
        publisher.publish(channel, Buffer.from('x')).then(
          () => false,
          (error: unknown) => error instanceof SynchronizerError,
        ),
      { message: 'publish fails fast while frozen', timeoutMs: 10_000 },
    );
    nats.resume();
    await waitForSync(() => received.statuses.includes('resubscribed'), {
      message: "'resubscribed'",
      timeoutMs: 15_000,
    });
    expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
    await waitForSync(
      async () => {
        await publisher.publish(channel, Buffer.from('after')).catch(() => undefined);
        return received.messages.includes('after');
      },
      { message: 'delivered after SIGCONT', timeoutMs: 10_000 },
    );
  });

  it("a borrowed connection's frozen server is reported 'down' and 'resubscribed' too (never reconnected by us)", async () => {
    const nats = await server();
    const mine = await connect({ servers: nats.url });
    cleanup.push(() => mine.close());
    const synchronizer = closing(createNatsSynchronizer({ connection: mine, ...fast }));
    const received = await listen(synchronizer, randomName('borrowed'));
    nats.pause();
    await waitForSync(() => received.statuses.includes('down'), { message: "'down'", timeoutMs: 10_000 });
    nats.resume();
    await waitForSync(() => received.statuses.includes('resubscribed'), {
      message: "'resubscribed'",
      timeoutMs: 10_000,
    });
    expect(received.statuses).toEqual(['up', 'down', 'resubscribed']);
  });

  for (const [state, mode] of [
    ['frozen (SIGSTOP)', 'core'],
    ['killed', 'core'],
    ['frozen (SIGSTOP)', 'replay'],
    ['killed', 'replay'],
  ] as const) {
    it(`close() with the server ${state} settles and the pod process exits by itself (${mode} mode)`, async () => {
      const nats = await server(mode === 'replay');
      const child = fork(fileURLToPath(new URL('./child/close-pod.ts', import.meta.url)), [nats.url, mode], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      trackChild(child);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const messages: Array<{ type: string; outcome?: string }> = [];
      child.on('message', (message) => messages.push(message as { type: string }));
      await waitForSync(() => messages.some((message) => message.type === 'ready'), {
        message: 'pod ready',
        timeoutMs: 30_000,
      });
      if (state === 'killed') await nats.kill();
      else nats.pause();
      child.send('close');
      await waitForSync(() => messages.some((message) => message.type === 'closed'), {
        message: 'close settled',
        timeoutMs: 10_000,
      });
      expect(messages.find((message) => message.type === 'closed')?.outcome).toBe('closed');
      let code: number | null | undefined;
      void exited.then((value) => (code = value));
      await waitForSync(() => code !== undefined, {
        message: 'the pod process exited by itself',
        timeoutMs: 10_000,
      });
      expect(code).toBe(0);
    });
  }
});
