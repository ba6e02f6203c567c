import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startFaultProxy, startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Pod {
  child: ChildProcess;
  statuses: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  call(op: string, key?: string, value?: unknown): Promise<unknown>;
}

function startPod(url: string, namespace: string, podId: string): Promise<Pod> {
  const child = fork(join(here, 'child', 'pod.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(here, 'child', 'tsconfig.json'),
      REDIS_URL: url,
      NAMESPACE: namespace,
      POD_ID: podId,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const statuses: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let nextId = 1;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pod ${podId} did not start within 20 s`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pod ${podId} exited with ${code} before it was ready`));
      for (const waiter of pending.values()) waiter.reject(new Error(`pod ${podId} exited`));
    });
    child.on(
      'message',
      (message: { id?: number; event?: string; status?: string; result?: unknown; error?: string }) => {
        if (message.event === 'ready') {
          clearTimeout(timer);
          resolve({
            child,
            statuses,
            exited,
            call(op, key, value) {
              const id = nextId++;
              return new Promise((resolveCall, rejectCall) => {
                const callTimer = setTimeout(() => {
                  pending.delete(id);
                  rejectCall(new Error(`pod ${podId} ${op} did not answer within 5 s`));
                }, 5000);
                pending.set(id, {
                  resolve: (result) => {
                    clearTimeout(callTimer);
                    resolveCall(result);
                  },
                  reject: (error) => {
                    clearTimeout(callTimer);
                    rejectCall(error);
                  },
                });
                child.send({ id, op, key, value });
              });
            },
          });
        } else if (message.event === 'status') {
          statuses.push(message.status!);
        } else if (message.id !== undefined) {
          const waiter = pending.get(message.id);
          pending.delete(message.id);
          if (message.error !== undefined) waiter?.reject(new Error(message.error));
          else waiter?.resolve(message.result);
        }
      },
    );
  });
}

let redis: RedisServer;
const pods: Pod[] = [];
beforeAll(async () => {
  redis = await startRedis();
  const namespace = `mp${Math.random().toString(36).slice(2, 10)}`;
  pods.push(...(await Promise.all([0, 1, 2].map((index) => startPod(redis.url, namespace, `pod-${index}`)))));
}, 60_000);
/** Resolves true once `pod` has exited, false when it still runs after `timeoutMs`. */
async function exitsWithin(pod: Pod, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    pod.exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return exited;
}

/** Closes `pod` and kills its process if it has not exited by itself within 5 s. */
async function stopPod(pod: Pod): Promise<void> {
  if (pod.child.exitCode !== null || pod.child.signalCode !== null) return;
  await pod.call('close').catch(() => undefined);
  if (!(await exitsWithin(pod, 5000))) pod.child.kill('SIGKILL');
}

afterAll(async () => {
  await Promise.all(pods.map(stopPod));
  await redis?.stop();
});

describe('three pods in separate processes', () => {
  it('a set on one pod reaches the local tier of the others; updates and deletes follow', async () => {
    const [a, b, c] = pods as [Pod, Pod, Pod];
    await a.call('set', 'user:1', { name: 'Ada' });
    for (const pod of [b, c]) {
      await eventually(
        'propagated',
        async () => JSON.stringify(await pod.call('peek', 'user:1')) === '{"name":"Ada"}',
      );
    }
    await b.call('set', 'user:1', { name: 'Grace' });
    for (const pod of [a, c]) {
      await eventually(
        'updated',
        async () => JSON.stringify(await pod.call('peek', 'user:1')) === '{"name":"Grace"}',
      );
    }
    await c.call('delete', 'user:1');
    for (const pod of [a, b]) {
      await eventually('deleted', async () => (await pod.call('peek', 'user:1')) === null);
      expect(await pod.call('get', 'user:1')).toBeNull();
    }
  });

  it('CLIENT KILL TYPE pubsub: every pod reports resubscribed and sync works afterwards', async () => {
    const [a, b, c] = pods as [Pod, Pod, Pod];
    await a.call('set', 'k', 1);
    await eventually('b has k', async () => (await b.call('peek', 'k')) === 1);
    const admin = new Redis({ host: redis.host, port: redis.port });
    try {
      expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(3);
    } finally {
      admin.disconnect();
    }
    for (const pod of pods) {
      await eventually('resubscribed', () => pod.statuses.includes('resubscribed'), 10_000);
      expect(pod.statuses.slice(0, 2)).toEqual(['down', 'resubscribed']);
    }
    expect(await b.call('peek', 'k')).toBeNull(); // flushed on resubscription
    await c.call('set', 'k', 2);
    for (const pod of [a, b]) await eventually('k = 2', async () => (await pod.call('peek', 'k')) === 2);
  });
});

describe('a pod in its own process behind a fault proxy', () => {
  it('after a 3 s outage and its reconnect, close() lets the process exit by itself within 1.5 s', async () => {
    const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
    const namespace = `mp${Math.random().toString(36).slice(2, 10)}`;
    const pod = await startPod(proxy.url, namespace, 'behind-proxy');
    try {
      proxy.refuse();
      await eventually('down', () => pod.statuses.includes('down'));
      // The outage itself, not a wait for propagation: every failed reconnect attempt happens in it.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      proxy.heal();
      const healedAt = Date.now();
      await eventually('resubscribed', () => pod.statuses.includes('resubscribed'), 10_000);
      // Give every reconnect timer that could still be pending (at most maxReconnectDelayMs, 2000
      // by default) and its connect (timeoutMs) time to fire before closing.
      const quiet = healedAt + 2000 + 1000 - Date.now();
      if (quiet > 0) await new Promise((resolve) => setTimeout(resolve, quiet));

      const closing = Date.now();
      await pod.call('close');
      // Well under ioredis' 2 s disconnect timer, which a disconnect() of an ended connection
      // leaves armed.
      expect(await exitsWithin(pod, 1500), 'the pod process exits by itself after close()').toBe(true);
      console.info(`pod process exited ${Date.now() - closing} ms after close() was sent`);
      expect(await pod.exited).toBe(0);
    } finally {
      await stopPod(pod);
      await proxy.close();
    }
  }, 30_000);

  it('close() while the server refuses connections lets the process exit by itself within 1.8 s', async () => {
    const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
    const namespace = `mp${Math.random().toString(36).slice(2, 10)}`;
    const pod = await startPod(proxy.url, namespace, 'refused');
    try {
      proxy.refuse();
      await eventually('down', () => pod.statuses.includes('down'));
      const closing = Date.now();
      const exited = exitsWithin(pod, 1800);
      await pod.call('close');
      // ioredis ends a socket on disconnect and destroys it after `disconnectTimeout` (2 s unless
      // set, which kept the process alive past this bound): the adapter bounds it by the timeout.
      expect(await exited, 'the pod process exits by itself within 1.8 s of close()').toBe(true);
      console.info(`pod process exited ${Date.now() - closing} ms after close() was sent (server refusing)`);
      expect(await pod.exited).toBe(0);
    } finally {
      await stopPod(pod);
      await proxy.close();
    }
  }, 30_000);
});
