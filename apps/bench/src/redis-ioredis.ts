/**
 * Redis over ioredis, side by side with the raw client on one private redis-server, in one run:
 *
 * - remote get (every get misses the local tier) vs raw `GET` (and raw `GET` + `JSON.parse`);
 * - `set` vs raw `SET` + `PUBLISH`;
 * - propagation (writer's `set()` call → the other pod applied the event) p50/p99 vs the raw
 *   floor (`PUBLISH` call → a raw subscriber got the message), and raw `SET` + `PUBLISH`.
 *
 * Sequential (one call in flight: latency) and concurrent (32 in flight: throughput). `main()`
 * writes docs/benchmarks/redis.md and returns the Markdown. Run alone: `npx tsx apps/bench/src/redis-ioredis.ts` (or through the
 * runner: `pnpm --filter @synced-cache/bench bench redis-ioredis`).
 */
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { encodeEvent, type SyncedCache } from '@synced-cache/core';
import { createIoredisCache, createIoredisStore, createIoredisSynchronizer } from '@synced-cache/ioredis';
import { startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { compare, consume, interleaved } from './harness.js';
import {
  Arrivals,
  CONCURRENCY,
  concurrently,
  GET_SAMPLES,
  KEY_COUNT,
  latencies,
  MASK,
  medianRatio,
  missingLocalCache,
  PROPAGATION_SAMPLES,
  PROPAGATION_WARMUP,
  ratio,
  ratioTable,
  rawGetConcurrent,
  rawGetSequential,
  rawSetConcurrent,
  rawSetSequential,
  serverVersion,
  VALUE,
  VALUE_JSON,
  writeBenchmarkReport,
} from './redis-shared.js';

export async function main(): Promise<string> {
  const redis = await startRedis();
  const raw = new Redis({ host: redis.host, port: redis.port });
  const rawSubscriber = new Redis({ host: redis.host, port: redis.port });
  // The bare store's client, made like the raw one: a store given a URL would add ioredis's
  // per-command timeout timer, which the connection createIoredisCache makes leaves out.
  const storeClient = new Redis({ host: redis.host, port: redis.port });
  const pods: SyncedCache<unknown>[] = [];
  try {
    // The remote reader lives on its own namespace (so its own channel): no events reach it
    // during the set benchmark. The receiver pod joins only for the propagation part, so during
    // the set benchmark exactly one subscriber connection gets each message on both sides: the
    // writer's own (a pod always receives its own events) and one raw subscriber.
    const remote = await createIoredisCache<unknown>(redis.url, {
      namespace: 'bench-remote',
      podId: 'remote-reader',
      localCache: missingLocalCache,
      heartbeatMs: 0,
    });
    const writer = await createIoredisCache<unknown>(redis.url, {
      namespace: 'bench',
      podId: 'writer',
      heartbeatMs: 0,
    });
    pods.push(remote, writer);
    // The adapter alone (no cache around it), to tell its cost from core's.
    const store = createIoredisStore(storeClient);
    const adapterKeys = Array.from({ length: KEY_COUNT }, (_, index) => `adapter:user:${index}`);
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const valueBytes = encoder.encode(VALUE_JSON);
    const channel = 'raw:channel';
    const arrivals = new Arrivals();
    let rawReceived = 0;
    await rawSubscriber.subscribe(channel);
    rawSubscriber.on('messageBuffer', () => {
      rawReceived++;
      arrivals.arrived();
    });
    const keys = Array.from({ length: KEY_COUNT }, (_, index) => `user:${index}`);
    const rawKeys = keys.map((key) => `raw:${key}`);
    for (let index = 0; index < KEY_COUNT; index++) {
      await writer.set(keys[index]!, VALUE);
      await remote.set(keys[index]!, VALUE);
      await raw.set(rawKeys[index]!, VALUE_JSON);
      await store.set(adapterKeys[index]!, valueBytes);
    }
    await store.get(adapterKeys[0]!); // takes the first server-clock sample (plain GET reads)
    await new Promise((resolve) => setTimeout(resolve, 100));

    // ---- remote get -------------------------------------------------------------------------
    const getSequential = await interleaved(
      [
        ...rawGetSequential(raw, rawKeys),
        {
          name: 'adapter only: store.get + JSON.parse',
          once: async (i) => JSON.parse(decoder.decode((await store.get(adapterKeys[i & MASK]!))!.payload)),
        },
        { name: 'synced-cache get (local miss → Redis)', once: (i) => remote.get(keys[i & MASK]!) },
      ],
      { samples: GET_SAMPLES },
    );
    const getConcurrent = await compare(
      [
        ...rawGetConcurrent(raw, rawKeys),
        {
          name: 'synced-cache get (local miss → Redis)',
          run: (ops) => concurrently(ops, (i) => remote.get(keys[i & MASK]!)),
        },
      ],
      { ops: 20_000, rounds: 7, warmupRounds: 2 },
    );

    // ---- set ----------------------------------------------------------------------------------
    const setSequential = await compare(
      [
        ...rawSetSequential(raw, rawKeys, channel),
        {
          name: 'adapter only: JSON.stringify + store.set',
          run: async (ops) => {
            for (let i = 0; i < ops; i++)
              await store.set(adapterKeys[i & MASK]!, encoder.encode(JSON.stringify(VALUE)));
          },
        },
        {
          name: 'synced-cache set',
          run: async (ops) => {
            for (let i = 0; i < ops; i++) await writer.set(keys[i & MASK]!, VALUE);
          },
        },
      ],
      { ops: 3000, rounds: 7, warmupRounds: 2 },
    );
    const setConcurrent = await compare(
      [
        ...rawSetConcurrent(raw, rawKeys, channel),
        {
          name: 'synced-cache set',
          run: (ops) => concurrently(ops, (i) => writer.set(keys[i & MASK]!, VALUE)),
        },
      ],
      { ops: 10_000, rounds: 7, warmupRounds: 2 },
    );

    // ---- propagation --------------------------------------------------------------------------
    // let publishes the set benchmarks left in flight arrive before timing single messages
    await new Promise((resolve) => setTimeout(resolve, 500));
    const receiver = await createIoredisCache<unknown>(redis.url, {
      namespace: 'bench',
      podId: 'receiver',
      heartbeatMs: 0,
    });
    pods.push(receiver);
    receiver.on('event', () => arrivals.arrived());
    // the adapter alone: synchronizer publish → another synchronizer's handler
    const publisher = createIoredisSynchronizer(redis.url);
    const listener = createIoredisSynchronizer(redis.url);
    const adapterChannel = 'adapter:channel';
    const subscription = await listener.subscribe(
      adapterChannel,
      () => arrivals.arrived(),
      () => undefined,
    );
    // what core hands the store for a set event (the envelope without value bytes, version 0)
    const publication = {
      channel: adapterChannel,
      head: encodeEvent(
        {
          action: 'set',
          key: 'k',
          podId: 'bench',
          epoch: 1,
          seq: 1,
          version: 0,
          ttlMs: 0,
          value: valueBytes,
        },
        {},
        true,
      ),
      appendPayload: true,
    };
    const measured = await latencies(PROPAGATION_SAMPLES, {
      rawFloor: arrivals.path(() => raw.publish(channel, VALUE_JSON)),
      rawSetPublish: arrivals.path(async (index) => {
        await raw.set(rawKeys[index & MASK]!, JSON.stringify(VALUE));
        await raw.publish(channel, VALUE_JSON);
      }),
      adapterPublish: arrivals.path(() => publisher.publish(adapterChannel, valueBytes)),
      adapterSetPublish: arrivals.path(async (index) => {
        await store.set(adapterKeys[index & MASK]!, valueBytes);
        await publisher.publish(adapterChannel, valueBytes);
      }),
      adapterSetAndPublish: arrivals.path((index) =>
        store.setAndPublish(adapterKeys[index & MASK]!, valueBytes, undefined, publication),
      ),
      cachePropagation: arrivals.path((index) => writer.set(keys[index & MASK]!, VALUE)),
    });
    const {
      rawFloor,
      rawSetPublish,
      adapterPublish,
      adapterSetPublish,
      adapterSetAndPublish,
      cachePropagation,
    } = measured;
    await subscription.unsubscribe();
    await publisher.close();
    await listener.close();
    arrivals.stop();
    consume(rawReceived);

    const remoteGetRatio = ratio(getSequential, 'synced-cache get (local miss → Redis)', 'raw client.get');
    const remoteGetParseRatio = ratio(
      getSequential,
      'synced-cache get (local miss → Redis)',
      'raw client.get + JSON.parse',
    );
    const setRatio = ratio(setSequential, 'synced-cache set', 'raw SET then PUBLISH (both awaited)');
    const propagationExcess = cachePropagation.p99 - rawFloor.p99;
    const ms = (value: number) => `${value.toFixed(3)} ms`;
    const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

    const markdown = [
      '# Redis benchmarks — ioredis adapter',
      '',
      `Generated by \`apps/bench/src/redis-ioredis.ts\` on ${new Date().toISOString()}, Node ${process.version},`,
      `ioredis 6, a private redis-server ${await serverVersion(raw)} on loopback, ${process.platform}/${process.arch},`,
      `load average at the end ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' / ')} on ${availableParallelism()} cores (a shared machine: treat single ratios with care).`,
      'Every number is from this one run, and candidates take turns so machine noise hits all of them alike:',
      `one-at-a-time remote gets call by call (${GET_SAMPLES.toLocaleString('en-US')} calls each, mean and median), the other tables in rounds`,
      '(median of 7). The value is a small JSON object (~70 bytes); the cache uses its default',
      'JSON marshaller, so its get includes decoding and its set includes encoding.',
      '',
      '## Goals',
      '',
      '| goal | measured | verdict |',
      '|---|---:|---|',
      `| remote get ≤ 1.1x raw GET (mean of one-at-a-time calls) | ${remoteGetRatio.toFixed(2)}x (${remoteGetParseRatio.toFixed(2)}x of GET + JSON.parse; median ${medianRatio(getSequential, 'synced-cache get (local miss → Redis)', 'raw client.get').toFixed(2)}x) | ${verdict(remoteGetRatio <= 1.1)} |`,
      `| set ≤ 1.2x raw SET + PUBLISH | ${setRatio.toFixed(2)}x | ${verdict(setRatio <= 1.2)} |`,
      `| propagation p99 ≤ raw floor p99 + 0.3 ms | ${ms(cachePropagation.p99)} vs ${ms(rawFloor.p99)} (${propagationExcess >= 0 ? '+' : '−'}${ms(Math.abs(propagationExcess))}) | ${verdict(propagationExcess <= 0.3)} |`,
      '',
      '## Remote get (every get misses the local tier)',
      '',
      'One call in flight (latency):',
      '',
      ratioTable(getSequential, 'raw client.get', ''),
      `${CONCURRENCY} calls in flight (throughput):`,
      '',
      ratioTable(getConcurrent, 'raw client.get', ''),
      'The adapter reads with a plain GET: the version (and, for values with a TTL, the absolute expiry)',
      'sits in a header inside the value, and a sampled server clock turns the expiry into the remaining',
      'TTL, so "adapter only" is the store alone; the rest of "synced-cache get" is core (local-tier',
      'miss, fill bookkeeping, the timeout bookkeeping around the store call, decoding). The store here',
      "runs on a client made like the raw one; a store given a URL adds ioredis's per-command",
      '`commandTimeout` (a timer per command, about 1.5 µs), which the connection `createIoredisCache`',
      'makes leaves out, because core already bounds every call.',
      '',
      'Against raw GET alone, the cache also pays for decoding the value, which "raw client.get +',
      'JSON.parse" shows on its own; on a fast loopback round trip that is a larger share than on a slow',
      'one, so the ratio depends on how fast this machine answers at the time (see the raw GET above).',
      '',
      '## Set',
      '',
      'One call in flight:',
      '',
      ratioTable(setSequential, 'raw SET then PUBLISH (both awaited)', ''),
      `${CONCURRENCY} calls in flight:`,
      '',
      ratioTable(setConcurrent, 'raw SET then PUBLISH (both awaited)', ''),
      "The cache's set is one EVALSHA, awaited, that assigns the version (TIME, the key's header and the",
      'clock key), writes the value and PUBLISHes the event in the same script, so its raw equivalent is',
      '"SET then PUBLISH (both awaited)" in one round trip. "adapter only" is the plain versioned write',
      'without the event.',
      '',
      '## Propagation',
      '',
      `${PROPAGATION_SAMPLES.toLocaleString('en-US')} samples per path, one at a time, after ${PROPAGATION_WARMUP.toLocaleString('en-US')} warm-up samples (so V8 has optimized the receiving pod's event path: this is steady state, a pod's first events are slower); the paths take turns sample by sample (rotating order), so machine noise reaches all of them alike.`,
      '',
      '| path | p50 | p99 |',
      '|---|---:|---:|',
      `| raw floor: PUBLISH call → raw subscriber got it | ${ms(rawFloor.p50)} | ${ms(rawFloor.p99)} |`,
      `| raw SET + PUBLISH → raw subscriber got it | ${ms(rawSetPublish.p50)} | ${ms(rawSetPublish.p99)} |`,
      `| adapter only: synchronizer.publish → other synchronizer's handler | ${ms(adapterPublish.p50)} | ${ms(adapterPublish.p99)} |`,
      `| adapter only: store.set, then synchronizer.publish → handler | ${ms(adapterSetPublish.p50)} | ${ms(adapterSetPublish.p99)} |`,
      `| adapter only: store.setAndPublish (one script) → handler | ${ms(adapterSetAndPublish.p50)} | ${ms(adapterSetAndPublish.p99)} |`,
      `| synced-cache: writer.set() call → other pod applied the event | ${ms(cachePropagation.p50)} | ${ms(cachePropagation.p99)} |`,
      '',
      "The cache's store and synchronizer share one connection, so its set is one EVALSHA that writes",
      'the value and PUBLISHes the event with the version it assigned (`setAndPublish`): one server step',
      'like the raw floor, where raw SET + PUBLISH and the two-call adapter path need two. On top come',
      'encoding the envelope and, on the receiver, decoding and applying it.',
      '',
    ].join('\n');
    await store.close();
    writeReport(markdown);
    return markdown;
  } finally {
    await Promise.all(pods.map((pod) => pod.close()));
    rawSubscriber.disconnect();
    raw.disconnect();
    storeClient.disconnect();
    await redis.stop();
  }
}

/** Writes the report next to the other benchmark reports. */
export function writeReport(markdown: string): string {
  return writeBenchmarkReport('redis.md', markdown);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await main());
  console.log('written to docs/benchmarks/redis.md');
}
