import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCache, type SyncedCache } from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import {
  type NatsServer,
  type RedisServer,
  startNats,
  startRedis,
  trackChild,
} from '@synced-cache/test-servers';
import { waitForSync } from '@synced-cache/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsSynchronizer } from '../src/index.js';
import { cleanupList, randomName } from './helpers.js';

// NATS core never queues for a slow subscriber: once a client's pending bytes pass `max_pending`
// the server drops what it cannot send (nats-server 2.9 does so without telling the client; other
// versions cut the connection), and the other pods hear nothing of it. These tests flood a pod that
// blocks 2 ms per event, on a server with a 64 kB `max_pending`.
let nats: NatsServer;
let redis: RedisServer;
beforeAll(async () => {
  [nats, redis] = await Promise.all([
    startNats({ config: 'max_payload: 65536\nmax_pending: 65536\nwrite_deadline: "2s"' }),
    startRedis(),
  ]);
});
afterAll(async () => {
  await Promise.allSettled([nats?.stop(), redis?.stop()]);
});
const cleanup = cleanupList();
afterEach(() => cleanup.run());

interface SlowPod {
  readonly child: ChildProcess;
  readonly resyncs: string[];
  readonly statuses: string[];
  /** The synchronizer's own status reports, including those hidden from core. */
  readonly adapterStatuses: string[];
  request<T>(message: object, reply: string): Promise<T>;
}

async function slowPod(namespace: string, hideStatus: boolean): Promise<SlowPod> {
  const setup = { natsUrl: nats.url, redisUrl: redis.url, namespace, busyMs: 2, hideStatus };
  const child = fork(
    fileURLToPath(new URL('./child/slow-pod.ts', import.meta.url)),
    [JSON.stringify(setup)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  trackChild(child);
  cleanup.push(() => {
    if (child.connected) child.send({ type: 'close' });
    return new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  });
  const resyncs: string[] = [];
  const statuses: string[] = [];
  const adapterStatuses: string[] = [];
  const inbox: Array<{ type: string; [field: string]: unknown }> = [];
  child.on('message', (message: { type: string; reason?: string; status?: string }) => {
    if (message.type === 'resync') resyncs.push(String(message.reason));
    else if (message.type === 'status') statuses.push(String(message.status));
    else if (message.type === 'adapter-status') adapterStatuses.push(String(message.status));
    else inbox.push(message);
  });
  await waitForSync(() => inbox.some((message) => message.type === 'ready'), {
    message: 'slow pod ready',
    timeoutMs: 20_000,
  });
  return {
    child,
    resyncs,
    statuses,
    adapterStatuses,
    async request<T>(message: object, reply: string): Promise<T> {
      inbox.length = 0;
      child.send(message);
      await waitForSync(() => inbox.some((each) => each.type === reply), {
        message: reply,
        timeoutMs: 20_000,
      });
      return inbox.find((each) => each.type === reply) as T;
    },
  };
}

/** Floods `writer` with 4 kB sets until `stop()` says so, bounded by 20 000 writes and 30 s. */
async function flood(writer: SyncedCache<string>, stop: () => boolean): Promise<number> {
  const value = 'x'.repeat(4096);
  const deadline = Date.now() + 30_000;
  let written = 0;
  while (!stop() && written < 20_000 && Date.now() < deadline) {
    const batch = Array.from({ length: 100 }, (_, i) =>
      writer.set(`flood-${(written + i) % 500}`, `${value}${written + i}`),
    );
    await Promise.allSettled(batch);
    written += batch.length;
  }
  return written;
}

async function converges(pod: SlowPod, writer: SyncedCache<string>): Promise<void> {
  const keys = Array.from({ length: 50 }, (_, i) => `final-${i}`);
  for (const key of keys) await writer.set(key, `${key}=done`);
  await writer.set('flood-1', 'last');
  const all = [...keys, 'flood-1'];
  const expected = await Promise.all(all.map((key) => writer.get(key)));
  await waitForSync(
    async () => {
      const { values } = await pod.request<{ values: string[] }>({ type: 'read', keys: all }, 'values');
      return values.every((value, i) => value === expected[i]);
    },
    { message: 'the slow pod agrees with the store', timeoutMs: 30_000 },
  );
}

describe('slow consumer', () => {
  for (const hideStatus of [true, false]) {
    const title = hideStatus
      ? "with the adapter's status hidden from core, core's sequence-gap detection alone catches the events the server dropped (resync 'gap') and the pod converges"
      : "the adapter as it is: the loss is noticed (sequence gap, or 'resubscribed' if the server cuts the pod off), core resyncs and the pod converges";
    it(title, async () => {
      const namespace = randomName('slow');
      const pod = await slowPod(namespace, hideStatus);
      const writer = await createCache<string>({
        namespace,
        podId: 'writer',
        store: createIoredisStore(redis.url),
        synchronizer: createNatsSynchronizer({ servers: nats.url }),
      });
      cleanup.push(() => writer.close());
      const floodStarted = Date.now();
      const written = await flood(writer, () => pod.resyncs.length > 0);
      const floodMs = Date.now() - floodStarted;
      // The pod is still working through what its socket buffers held when the server cut it off.
      try {
        await waitForSync(() => pod.resyncs.length > 0, {
          message: `a resync of the slow pod after ${written} writes in ${floodMs} ms`,
          timeoutMs: 60_000,
        });
      } catch (error) {
        // Seen once in CI (not reproduced alone): say what the pod's link did meanwhile.
        const stats = await pod.request<{ stats: unknown }>({ type: 'stats' }, 'stats').then(
          ({ stats }) => JSON.stringify(stats),
          (reason: unknown) => `unavailable (${String(reason)})`,
        );
        throw new Error(
          `${(error as Error).message}; adapter statuses [${pod.adapterStatuses.join(', ')}], core statuses [${pod.statuses.join(', ')}], pod stats ${stats}`,
          { cause: error },
        );
      }
      await converges(pod, writer);
      const { stats } = await pod.request<{ stats: { resyncs: number } }>({ type: 'stats' }, 'stats');
      expect(stats.resyncs).toBeGreaterThan(0);
      // nats-server 2.9 drops the slow pod's messages without cutting it off (no status notice
      // at all, observed): the resync comes from core's sequence numbers either way.
      if (hideStatus) expect(pod.resyncs).toContain('gap');
      else expect(pod.resyncs.every((reason) => reason === 'gap' || reason === 'resubscribed')).toBe(true);
    }, 120_000);
  }
});
