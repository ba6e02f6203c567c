/**
 * The receiving process of `propagation.ts`: a raw Redis subscriber, a synced-cache pod on
 * ioredis, one on node-redis and a BentoCache instance (memory L1 + Redis L2 + Redis bus), each
 * acknowledging on a raw channel what it received, so the sending process times the whole hop —
 * while this process is kept busy with a loop of local hits, as a serving pod would be.
 *
 * Two modes, switched over IPC: `applied` acknowledges as soon as the event was handled (the copy
 * replaced or dropped); `read` acknowledges after a `get` of the key returned (what a request
 * arriving right then would see: a local hit for synced-cache, an L2 read for BentoCache, whose
 * bus only invalidates). Driven over IPC; not run on its own.
 */
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache } from '@synced-cache/ioredis';
import { createRedisCache } from '@synced-cache/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';

export interface PropagationSetup {
  redisUrl: string;
  keyCount: number;
  ttlMs: number;
  /** Local hits per turn of the busy loop before it yields to I/O. */
  hitsPerTurn: number;
}

export type ReceiverMode = 'applied' | 'read';

const setup = JSON.parse(process.argv[2] as string) as PropagationSetup;
const url = new URL(setup.redisUrl);
const connection = { host: url.hostname, port: Number(url.port) };
let mode: ReceiverMode = 'applied';

const acker = new Redis(setup.redisUrl);
const ack = (ok: boolean) => void acker.publish('bench:ack', ok ? '1' : '0');

// The raw hop: whatever arrives on bench:raw is acknowledged at once.
const rawSubscriber = new Redis(setup.redisUrl);
await rawSubscriber.subscribe('bench:raw');
rawSubscriber.on('message', () => ack(true));

const options = { ttlMs: setup.ttlMs, heartbeatMs: 0 };
const pods: Record<'ioredis' | 'redis', SyncedCache<{ n: number }>> = {
  ioredis: await createIoredisCache<{ n: number }>(setup.redisUrl, {
    ...options,
    namespace: 'prop-ioredis',
    podId: 'receiver-ioredis',
  }),
  redis: await createRedisCache<{ n: number }>(
    { clientOptions: { url: setup.redisUrl } },
    { ...options, namespace: 'prop-redis', podId: 'receiver-redis' },
  ),
};
for (const pod of Object.values(pods)) {
  pod.on('event', (event) => {
    if (event.action !== 'set') return;
    if (mode === 'applied') ack(true);
    else void pod.get(event.key).then((value) => ack(value !== undefined));
  });
}

// BentoCache as its docs set it up for several processes: memory L1, Redis L2, Redis bus.
const bento = new BentoCache({
  default: 'tiered',
  stores: {
    tiered: bentostore()
      .useL1Layer(memoryDriver({ maxItems: setup.keyCount }))
      .useL2Layer(redisDriver({ connection }))
      .useBus(redisBusDriver({ connection })),
  },
});
bento.on('bus:message:received', ({ message }) => {
  const key = message.keys[0];
  if (key === undefined) return;
  if (mode === 'applied') ack(true);
  else void bento.get<{ n: number }>({ key }).then((value) => ack(value !== undefined && value !== null));
});

// Every key held locally by every receiver before timing starts (so an event replaces a copy).
const keys = Array.from({ length: setup.keyCount }, (_, i) => `key:${i}`);

// The busy loop: local hits on the ioredis pod, yielding to I/O between turns.
let busy = true;
let hits = 0;
async function serve(): Promise<void> {
  let i = 0;
  while (busy) {
    for (let n = 0; n < setup.hitsPerTurn; n++) {
      await pods.ioredis.get(keys[i++ % keys.length]!);
      hits++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

process.on('message', async (message: { type: string; mode?: ReceiverMode }) => {
  if (message.type === 'warm') {
    for (const key of keys) {
      await pods.ioredis.get(key);
      await pods.redis.get(key);
      await bento.get({ key });
    }
    void serve();
    process.send?.({ type: 'warmed' });
  } else if (message.type === 'mode') {
    mode = message.mode ?? 'applied';
    process.send?.({ type: 'mode-set' });
  } else if (message.type === 'close') {
    busy = false;
    process.send?.({ type: 'hits', count: hits });
    await Promise.allSettled([pods.ioredis.close(), pods.redis.close(), bento.disconnect()]);
    acker.disconnect();
    rawSubscriber.disconnect();
    process.disconnect?.();
  }
});
process.send?.({ type: 'ready' });
