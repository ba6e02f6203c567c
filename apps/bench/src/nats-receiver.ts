/**
 * The receiving process of `nats.ts`: a raw NATS subscriber and synced-cache pods (core mode with
 * the embedded store or a Redis store, replay mode), each acknowledging what it received on a raw
 * subject so the sending process times the whole hop; and the absorb test, counting how fast a
 * flood arrives. Driven over IPC; not run on its own.
 */

import { connect } from '@nats-io/transport-node';
import { createCache, MemoryStore, type SyncedCache } from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import { createNatsSynchronizer } from '@synced-cache/nats';

export interface ReceiverSetup {
  natsUrl: string;
  redisUrl: string;
  /** Namespace per pod kind; the same as the sender's pods. */
  namespaces: { memory: string; redis: string; replay: string; absorb: string };
  replayPrefix: string;
}

const setup = JSON.parse(process.argv[2] as string) as ReceiverSetup;
const acks = await connect({ servers: setup.natsUrl });
const ack = new Uint8Array(1);

// The raw hop: whatever arrives on `raw.ping` is acknowledged at once.
acks.subscribe('bench.raw.ping', { callback: () => acks.publish('bench.ack', ack) });

const pods: Array<SyncedCache<unknown>> = [];
async function pod(namespace: string, redis: boolean, replay: boolean): Promise<SyncedCache<unknown>> {
  const cache = await createCache<unknown>({
    namespace,
    podId: `receiver-${namespace}`,
    store: redis ? createIoredisStore(setup.redisUrl) : new MemoryStore(),
    synchronizer: createNatsSynchronizer({
      servers: setup.natsUrl,
      ...(replay ? { subjectPrefix: setup.replayPrefix, replay: true } : {}),
    }),
    heartbeatMs: 0,
  });
  pods.push(cache);
  return cache;
}
for (const [namespace, redis, replay] of [
  [setup.namespaces.memory, false, false],
  [setup.namespaces.redis, true, false],
  [setup.namespaces.replay, false, true],
] as const) {
  (await pod(namespace, redis, replay)).on('event', () => acks.publish('bench.ack', ack));
}

// Absorb: count a flood on the raw subject (in its callback) and on a pod (its `eventsApplied`,
// polled every millisecond: an `event` listener would add its own cost to every event), first to
// last arrival.
const absorbPod = await pod(setup.namespaces.absorb, false, false);
let expected = 0;
let count = 0;
let first = 0;
// CPU time of this whole process (all threads: GC helpers included) from the absorb request to
// the last arrival: what taking in the flood cost, apart from waiting for a core.
let cpuAtStart = process.cpuUsage();
const done = (ms: number) => {
  const cpu = process.cpuUsage(cpuAtStart);
  process.send?.({ type: 'absorbed', ms, cpuMs: (cpu.user + cpu.system) / 1000 });
  expected = 0;
};
acks.subscribe('bench.absorb.raw', {
  callback: () => {
    if (count === 0) first = performance.now();
    if (++count === expected) done(performance.now() - first);
  },
});
let watch: NodeJS.Timeout | undefined;
function watchPod(count: number): void {
  const base = absorbPod.stats().eventsApplied;
  const stopFirst = absorbPod.on('event', () => {
    first = performance.now();
    stopFirst();
  });
  watch = setInterval(() => {
    if (absorbPod.stats().eventsApplied - base < count) return;
    clearInterval(watch);
    done(performance.now() - first);
  }, 1);
}
process.on('message', async (message: { type: string; count?: number }) => {
  if (message.type === 'absorb') {
    count = 0;
    cpuAtStart = process.cpuUsage();
    if ((message as { pod?: boolean }).pod) watchPod(message.count ?? 0);
    else expected = message.count ?? 0;
    process.send?.({ type: 'absorbing' });
  } else if (message.type === 'close') {
    for (const each of pods) await each.close();
    await acks.close();
    process.disconnect?.();
  }
});
process.send?.({ type: 'ready' });
