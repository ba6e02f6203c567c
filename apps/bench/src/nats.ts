/**
 * NATS (`@synced-cache/nats`) side by side with raw NATS on one private nats-server (JetStream
 * enabled), with the receiving pods in another process, in one run:
 *
 * - propagation: the writer's `set()` call → the pod in the other process applied the event → its
 *   acknowledgement back, p50/p99, vs the raw hop: a raw `publish` → a raw subscriber in the other
 *   process → the same acknowledgement. The acknowledgement path is identical, so the difference is
 *   what the cache adds. Pods: core mode with the embedded store (the bus path alone), core mode
 *   with a Redis store (a private redis-server: the write's round trip included), replay mode.
 * - absorb: messages per second the receiving process takes in from a flood of 100,000 events,
 *   one pod applying `set` events vs a raw subscriber counting the same bytes.
 *
 * `main()` writes docs/benchmarks/nats.md and returns the Markdown. Run alone:
 * `npx tsx apps/bench/src/nats.ts` (or `pnpm --filter @synced-cache/bench bench nats`).
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect } from '@nats-io/transport-node';
import {
  createCache,
  encodeEvent,
  jsonMarshaller,
  MemoryStore,
  type SyncedCache,
  type Synchronizer,
} from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import { createNatsSynchronizer } from '@synced-cache/nats';
import { startFaultProxy, startNats, startRedis, trackChild } from '@synced-cache/test-servers';
import { median } from './harness.js';
import type { ReceiverSetup } from './nats-receiver.js';
import {
  Arrivals,
  KEY_COUNT,
  type Latency,
  latencies,
  MASK,
  PROPAGATION_SAMPLES,
  VALUE,
  writeBenchmarkReport,
} from './redis-shared.js';

const ABSORB_MESSAGES = 100_000;
const ABSORB_ROUNDS = 5;

export async function main(): Promise<string> {
  const [nats, redis] = await Promise.all([startNats({ jetstream: true }), startRedis()]);
  const namespaces = {
    memory: 'bench-memory',
    redis: 'bench-redis',
    replay: 'bench-replay',
    absorb: 'bench-absorb',
  };
  const setup: ReceiverSetup = {
    natsUrl: nats.url,
    redisUrl: redis.url,
    namespaces,
    replayPrefix: 'bench-replay',
  };
  const child = fork(fileURLToPath(new URL('./nats-receiver.ts', import.meta.url)), [JSON.stringify(setup)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackChild(child);
  const replies: Array<{ type: string; count?: number; ms?: number; cpuMs?: number }> = [];
  child.on('message', (message) => replies.push(message as { type: string }));
  const reply = async (type: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const index = replies.findIndex((each) => each.type === type);
      if (index >= 0) return replies.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`receiver: no ${type} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const raw = await connect({ servers: nats.url });
  const writers: Array<SyncedCache<unknown>> = [];
  try {
    await reply('ready');
    const writer = async (namespace: string, redisStore: boolean, replay: boolean) => {
      const cache = await createCache<unknown>({
        namespace,
        podId: `writer-${namespace}`,
        store: redisStore ? createIoredisStore(redis.url) : new MemoryStore(),
        synchronizer: createNatsSynchronizer({
          servers: nats.url,
          ...(replay ? { subjectPrefix: 'bench-replay', replay: true } : {}),
        }),
        heartbeatMs: 0,
      });
      writers.push(cache);
      return cache;
    };
    const memoryWriter = await writer(namespaces.memory, false, false);
    const redisWriter = await writer(namespaces.redis, true, false);
    const replayWriter = await writer(namespaces.replay, false, true);
    const keys = Array.from({ length: KEY_COUNT }, (_, i) => `key:${i}`);
    const rawPayload = encodeEvent(
      {
        action: 'set',
        key: 'key:0',
        podId: 'writer-raw',
        epoch: 1,
        seq: 1,
        version: 1,
        ttlMs: 0,
        value: jsonMarshaller.encode(VALUE),
      },
      {},
    );

    // ---- propagation ----------------------------------------------------------------------------
    const arrivals = new Arrivals();
    raw.subscribe('bench.ack', { callback: () => arrivals.arrived() });
    await raw.flush();
    const propagation = await latencies(PROPAGATION_SAMPLES, {
      rawHop: arrivals.path(async () => raw.publish('bench.raw.ping', rawPayload)),
      memory: arrivals.path((index) => memoryWriter.set(keys[index & MASK]!, VALUE)),
      redis: arrivals.path((index) => redisWriter.set(keys[index & MASK]!, VALUE)),
      replay: arrivals.path((index) => replayWriter.set(keys[index & MASK]!, VALUE)),
    });
    arrivals.stop();

    // ---- absorb ---------------------------------------------------------------------------------
    const subject = `synced-cache.cache:invalidate:${namespaces.absorb}`;
    const value = jsonMarshaller.encode(VALUE);
    let seq = 0;
    const events = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        seq++;
        return encodeEvent(
          {
            action: 'set',
            key: keys[i & MASK]!,
            podId: 'flood',
            epoch: 7,
            seq,
            version: seq,
            ttlMs: 0,
            value,
          },
          {},
        );
      });
    const absorb = async (target: string, messages: Uint8Array[]) => {
      child.send({ type: 'absorb', count: messages.length, pod: target === subject });
      await reply('absorbing');
      for (const [index, message] of messages.entries()) {
        raw.publish(target, message);
        if ((index & 1023) === 1023) await raw.flush();
      }
      await raw.flush();
      const { ms, cpuMs } = await reply('absorbed');
      return {
        rate: messages.length / ((ms as number) / 1000),
        cpuUs: ((cpuMs as number) * 1000) / messages.length,
      };
    };
    const rawRates: number[] = [];
    const podRates: number[] = [];
    const rawCpu: number[] = [];
    const podCpu: number[] = [];
    for (let round = 0; round < ABSORB_ROUNDS + 1; round++) {
      const batch = events(ABSORB_MESSAGES);
      // The raw subscriber takes the very same bytes.
      const rawRound = await absorb('bench.absorb.raw', batch);
      const podRound = await absorb(subject, batch);
      if (round > 0) {
        rawRates.push(rawRound.rate);
        podRates.push(podRound.rate);
        rawCpu.push(rawRound.cpuUs);
        podCpu.push(podRound.cpuUs);
      }
      // The same bytes again would be duplicates for the pod: number the next round on.
    }
    // ---- after an outage -------------------------------------------------------------------------
    const recovery = {
      core: await outageRecovery(nats.port, false),
      replay: await outageRecovery(nats.port, true),
    };

    const coreRates: number[] = [];
    const coreReadRates: number[] = [];
    for (let round = 0; round < ABSORB_ROUNDS + 1; round++) {
      const rate = await coreApplyRate(events(ABSORB_MESSAGES), undefined);
      const readRate = await coreApplyRate(events(ABSORB_MESSAGES), keys);
      if (round > 0) {
        coreRates.push(rate);
        coreReadRates.push(readRate);
      }
    }
    const rawAbsorb = median(rawRates);
    const podAbsorb = median(podRates);
    return report({
      propagation,
      rawAbsorb,
      podAbsorb,
      rawRates,
      podRates,
      rawCpu,
      podCpu,
      coreRates,
      coreReadRates,
      recovery,
      natsVersion: String(raw.info?.version),
    });
  } finally {
    child.send({ type: 'close' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const each of writers) await each.close();
    await raw.close();
    await Promise.allSettled([nats.stop(), redis.stop()]);
  }
}

interface Recovery {
  /** Store reads the reader needed to serve every key again after the outage. */
  storeReads: number;
  /** Resyncs (flushes) of the reader. */
  resyncs: number;
  /** From the heal until the reader hears the bus again (core: `resubscribed`; replay: the missed events applied). */
  convergedMs: number;
}

const OUTAGE_KEYS = 1000;
const OUTAGE_WRITES = 100;
const OUTAGE_MS = 500;

/**
 * A reader pod (behind a fault proxy) holds 1,000 keys locally; its NATS link is refused for 500 ms
 * while a writer rewrites 100 of them; then the link heals. Counted: the store reads the reader
 * needs to serve all 1,000 keys again, its resyncs, and how long until it serves the 100 new values.
 */
async function outageRecovery(natsPort: number, replay: boolean): Promise<Recovery> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: natsPort } });
  const store = new MemoryStore();
  const prefix = `bench-outage-${replay ? 'replay' : 'core'}`;
  const bus = (port: number) =>
    createNatsSynchronizer({
      servers: `nats://127.0.0.1:${port}`,
      subjectPrefix: prefix,
      ...(replay ? { replay: { stream: prefix, graceMs: 5000 } } : {}),
    });
  const options = { namespace: prefix, store, heartbeatMs: 0 };
  const writer = await createCache<number>({ ...options, podId: 'writer', synchronizer: bus(natsPort) });
  const reader = await createCache<number>({ ...options, podId: 'reader', synchronizer: bus(proxy.port) });
  let resyncs = 0;
  reader.on('resync', () => resyncs++);
  try {
    const keys = Array.from({ length: OUTAGE_KEYS }, (_, i) => `k${i}`);
    for (const key of keys) await writer.set(key, 0);
    await until(() => keys.every((key) => reader.peek(key) === 0), 'the reader holds every key');
    let resubscribed = false;
    reader.on('status', (status) => {
      if (status === 'resubscribed') resubscribed = true;
    });
    proxy.refuse();
    const refusedAt = Date.now();
    const rewritten = keys.slice(0, OUTAGE_WRITES);
    for (const key of rewritten) await writer.set(key, 1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - refusedAt))));
    proxy.heal();
    const healedAt = performance.now();
    // Hearing the bus again: core mode once it resubscribed (and flushed), replay mode once the
    // replayed events put the new values in its local tier.
    await until(
      () => (replay ? rewritten.every((key) => reader.peek(key) === 1) : resubscribed),
      'the reader hears the bus again',
    );
    const convergedMs = performance.now() - healedAt;
    const before = reader.stats();
    for (const key of keys) {
      if ((await reader.get(key)) !== (rewritten.includes(key) ? 1 : 0)) {
        throw new Error(`the reader serves a stale ${key}`);
      }
    }
    const after = reader.stats();
    const storeReads = after.remoteHits + after.remoteMisses - before.remoteHits - before.remoteMisses;
    return { storeReads, resyncs, convergedMs };
  } finally {
    await reader.close();
    await writer.close();
    await proxy.close();
  }
}

/** Polls `check` every 5 ms until it is true, failing after 20 s. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The same events handed straight to a pod's message handler in this process (a synchronizer that
 * only captures it): core's own cost per event, without NATS or a socket. With `readKeys` (the key
 * of each message, by index & MASK), every value is also read once right after its event.
 */
async function coreApplyRate(messages: Uint8Array[], readKeys: string[] | undefined): Promise<number> {
  let handler: ((message: Uint8Array) => void) | undefined;
  const capture: Synchronizer = {
    publish: async () => undefined,
    subscribe: async (_channel, onMessage) => {
      handler = onMessage;
      return { unsubscribe: async () => undefined };
    },
    close: async () => undefined,
  };
  const cache = await createCache({
    namespace: 'core-only',
    store: new MemoryStore(),
    synchronizer: capture,
    heartbeatMs: 0,
  });
  // The events are numbered on from the absorb rounds, so the first one is a first contact with a
  // peer that already published: the pod resyncs and, until the store's clock arrives, only holds
  // `set` events back. Hand it over untimed and let the clock arrive, so the timed ones are applied.
  handler?.(messages[0]!);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const appliedBefore = cache.stats().eventsApplied;
  const start = performance.now();
  if (readKeys !== undefined) {
    // Every value read once right after it arrived (message i is for key i & MASK): the decode a
    // pod defers to the first read.
    for (let i = 1; i < messages.length; i++) {
      handler?.(messages[i]!);
      if (cache.peek(readKeys[i & MASK]!) === undefined) throw new Error('core alone: a value was not held');
    }
  } else {
    for (let i = 1; i < messages.length; i++) handler?.(messages[i]!);
  }
  const ms = performance.now() - start;
  const applied = cache.stats().eventsApplied - appliedBefore;
  await cache.close();
  if (applied !== messages.length - 1) {
    throw new Error(`core alone applied ${applied} of ${messages.length - 1} events`);
  }
  return (messages.length - 1) / (ms / 1000);
}

function report(results: {
  propagation: Record<'rawHop' | 'memory' | 'redis' | 'replay', Latency>;
  rawAbsorb: number;
  podAbsorb: number;
  rawRates: number[];
  podRates: number[];
  /** CPU time of the receiving process per message, µs, per round. */
  rawCpu: number[];
  podCpu: number[];
  coreRates: number[];
  /** The same, with every value read once (`peek`) right after its event. */
  coreReadRates: number[];
  recovery: { core: Recovery; replay: Recovery };
  natsVersion: string;
}): string {
  const { propagation, rawAbsorb, podAbsorb } = results;
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const excess = propagation.memory.p99 - propagation.rawHop.p99;
  const absorbRatio = podAbsorb / rawAbsorb;
  const rate = (value: number) => Math.round(value).toLocaleString('en-US');
  const cpu = (values: number[]) => `${median(values).toFixed(2)} µs`;
  const row = (name: string, latency: Latency) =>
    `| ${name} | ${ms(latency.p50)} | ${ms(latency.p99)} | ${ms(latency.p50 - propagation.rawHop.p50)} | ${ms(latency.p99 - propagation.rawHop.p99)} |`;
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(', ');
  const markdown = `# NATS benchmarks (\`@synced-cache/nats\`)

Generated by \`apps/bench/src/nats.ts\` on ${new Date().toISOString()}, Node ${process.version},
nats.js (\`@nats-io/transport-node\`) 3.4.0, a private nats-server ${results.natsVersion} with JetStream
(file store in a temp dir) and a private redis-server, on loopback, ${process.platform}/${process.arch}.
Load average at the end of the run: ${load} (a shared 2-core machine: compare ratios, not absolute numbers).
The receiving pods and the raw subscriber run in a second process; the sender, the writing pods and
the timing in this one. Every number is from this one run. The value is a small JSON object (~70 bytes),
events carry it (\`set\`).

## Goals

| goal | measured | verdict |
|---|---:|---|
| propagation p99 ≤ raw hop p99 + 0.3 ms (core mode, embedded store) | ${ms(propagation.memory.p99)} vs ${ms(propagation.rawHop.p99)} (${excess >= 0 ? '+' : '−'}${ms(Math.abs(excess))}) | ${verdict(excess <= 0.3)} |
| absorb ≥ 0.7x raw | ${absorbRatio.toFixed(2)}x (${rate(podAbsorb)} vs ${rate(rawAbsorb)} messages/s) | ${verdict(absorbRatio >= 0.7)} |

## Propagation across processes

${PROPAGATION_SAMPLES.toLocaleString('en-US')} samples per path after 2,000 warm-up samples, one message in flight, paths taking
turns. Each sample is a round trip: the send (a raw \`publish\`, or a writer pod's \`set()\`), the
receiving process (the raw subscriber, or a pod applying the event), and its acknowledgement on a raw
subject back to this process. The acknowledgement is the same for every path, so the columns "vs
raw" are what the cache adds to one hop.

| path | p50 | p99 | p50 vs raw | p99 vs raw |
|---|---:|---:|---:|---:|
${row('raw NATS publish → raw subscriber', propagation.rawHop)}
${row('synced-cache set → pod (core mode, embedded store)', propagation.memory)}
${row('synced-cache set → pod (core mode, Redis store)', propagation.redis)}
${row('synced-cache set → pod (replay mode, JetStream)', propagation.replay)}

The Redis-store path includes the write's round trip to Redis before the event leaves (core publishes
after the write returned). Replay mode delivers through the stream (stored, then pushed by an
ordered consumer): that extra step is the price of replaying after a reconnect instead of flushing.

## After an outage: flush (core mode) vs replay

A reader pod holds ${OUTAGE_KEYS.toLocaleString('en-US')} keys in its local tier; its NATS link is refused for ${OUTAGE_MS} ms (a fault proxy) while a
writer rewrites ${OUTAGE_WRITES} of them; then the link heals (both pods in this process, one embedded store).

| mode | reader resyncs | heal → hearing the bus again | then: store reads to serve all ${OUTAGE_KEYS.toLocaleString('en-US')} keys |
|---|---:|---:|---:|
| core mode (flush on \`resubscribed\`) | ${results.recovery.core.resyncs} | ${ms(results.recovery.core.convergedMs)} | ${results.recovery.core.storeReads} |
| replay mode (JetStream) | ${results.recovery.replay.resyncs} | ${ms(results.recovery.replay.convergedMs)} | ${results.recovery.replay.storeReads} |

In core mode the reader stops serving its local tier while \`down\` (reads go to the store) and
flushes on \`resubscribed\`: afterwards every key is read from the store again. In replay mode it kept
serving its local tier during the outage (up to \`graceMs\`: that staleness is the price) and received
the missed events from the stream, so its tier is warm and current. Both times include nats.js'
reconnect (every 250 ms) and, in replay mode, the stream check and the catch-up. Every value served
afterwards was checked against what the writer wrote.

## Absorb (messages per second one receiving process takes in)

${ABSORB_MESSAGES.toLocaleString('en-US')} pre-encoded \`set\` events published as fast as the sender can, first to last arrival in
the receiving process, median of ${ABSORB_ROUNDS} rounds (after one warm-up round): a raw subscriber whose
callback only counts, vs a pod that decodes each event, checks its sequence and version and holds
the value in its local tier (1,024 keys), undecoded until its first read (the default: see
"Received values are decoded on first read" in docs/architecture.md; nothing reads here); the pod's
count is its \`eventsApplied\`, polled every millisecond. Both receive the very same bytes.

| receiver | messages/s (median) | vs raw | rounds | receiving process CPU per message (median) |
|---|---:|---:|---|---:|
| raw subscriber (count only) | ${rate(rawAbsorb)} | 1.00x | ${results.rawRates.map(rate).join(', ')} | ${cpu(results.rawCpu)} |
| synced-cache pod | ${rate(podAbsorb)} | ${absorbRatio.toFixed(2)}x | ${results.podRates.map(rate).join(', ')} | ${cpu(results.podCpu)} |

The last column is the receiving process's CPU time (every thread, GC helpers included) from the
request to the last arrival, per message: what taking in the flood cost, apart from waiting for a
core. The rates are wall-clock: on this shared machine they also measure how long each process
waited for a core, and while the sender is the slower side the raw subscriber only keeps pace
with it.

For scale: core alone, the same events handed straight to a pod's handler in the sending process
(no socket, no NATS parsing), applied ${rate(median(results.coreRates))} events/s (median; rounds ${results.coreRates.map(rate).join(', ')}),
that is ${(1e6 / median(results.coreRates)).toFixed(2)} µs per event against the raw subscriber's ${(1e6 / rawAbsorb).toFixed(2)} µs per message
(the client's parsing and dispatch). The pod pays both, plus the adapter's hand-over.
Reading every value once right after its event (\`peek\`, which decodes it), core alone managed
${rate(median(results.coreReadRates))} events/s (median; rounds ${results.coreReadRates.map(rate).join(', ')}), ${(1e6 / median(results.coreReadRates)).toFixed(2)} µs per event and read:
the decode a pod defers is paid by the first read of each value, not by every event.
`;
  writeBenchmarkReport('nats.md', markdown);
  return markdown;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await main());
  process.exit(0);
}
