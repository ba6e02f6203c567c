import type { ChildProcess } from 'node:child_process';
import { freePort, type RedisServer, startRedis } from '@synced-cache/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../shared/env.js';
import { startLesson } from './run-lesson.js';

interface Replica {
  name: string;
  base: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

async function startReplica(name: string, redisUrl: string): Promise<Replica> {
  const port = await freePort();
  const child = startLesson('kubernetes/main.ts', {
    REDIS_URL: redisUrl,
    POD_NAME: name,
    PORT: String(port),
  });
  const replica: Replica = {
    name,
    base: `http://127.0.0.1:${port}`,
    child,
    output: '',
    exited: new Promise((resolve) => child.on('exit', resolve)),
  };
  child.stdout?.on('data', (chunk) => (replica.output += chunk));
  child.stderr?.on('data', (chunk) => (replica.output += chunk));
  return replica;
}

async function status(url: string, init?: RequestInit): Promise<number> {
  try {
    return (await fetch(url, init)).status;
  } catch {
    return 0; // not listening yet
  }
}

async function price(replica: Replica, id: string): Promise<number | undefined> {
  const response = await fetch(`${replica.base}/products/${id}`);
  return response.status === 200 ? ((await response.json()) as { price: number }).price : undefined;
}

describe('kubernetes', () => {
  let redis: RedisServer;
  let replicas: Replica[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    replicas = await Promise.all(
      ['products-0', 'products-1', 'products-2'].map((n) => startReplica(n, redis.url)),
    );
  });
  afterAll(async () => {
    for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('three replicas configured from env become ready and converge after a PUT or DELETE on any one', async () => {
    for (const replica of replicas) {
      await waitUntil(
        `${replica.name} ready`,
        async () => (await status(`${replica.base}/readyz`)) === 200,
        20_000,
      );
      const health = await fetch(`${replica.base}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-pod')).toBe(replica.name);
    }
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    expect(await price(b, 'lamp')).toBeUndefined();

    const put = (replica: Replica, body: unknown) =>
      status(`${replica.base}/products/lamp`, { method: 'PUT', body: JSON.stringify(body) });
    expect(await put(a, { name: 'Lamp', price: 20 })).toBe(200);
    for (const replica of [b, c])
      await waitUntil(`price 20 on ${replica.name}`, async () => (await price(replica, 'lamp')) === 20);

    // every replica now holds the product locally: only the event can move them to the new price
    expect(await put(b, { name: 'Lamp', price: 25 })).toBe(200);
    for (const replica of [a, c])
      await waitUntil(`price 25 on ${replica.name}`, async () => (await price(replica, 'lamp')) === 25);
    const stats = (await (await fetch(`${c.base}/stats`)).json()) as { pod: string; localHits: number };
    expect(stats.pod).toBe('products-2');
    expect(stats.localHits).toBeGreaterThan(0);

    expect(await status(`${c.base}/products/lamp`, { method: 'DELETE' })).toBe(204);
    for (const replica of [a, b])
      await waitUntil(
        `lamp gone on ${replica.name}`,
        async () => (await price(replica, 'lamp')) === undefined,
      );
    expect(await put(a, { name: 'Lamp' })).toBe(400);
  });

  it('on SIGTERM a replica drains, closes its cache and exits 0', async () => {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    for (const replica of replicas) {
      expect(await replica.exited, replica.output).toBe(0);
      expect(replica.output).toContain(`${replica.name} stopped`);
    }
  });
});
