/**
 * Redis over node-redis (`redis` v6), side by side with the raw client on one private
 * redis-server, in one run:
 *
 * - remote get (every get misses the local tier) vs raw `GET` (and raw `GET` + `JSON.parse`);
 * - `set` (one EVALSHA that writes and publishes) vs raw `SET` + `PUBLISH`;
 * - propagation (writer's `set()` call → the other pod applied the event) p50/p99 vs the raw
 *   floor (`PUBLISH` call → a raw subscriber got the message), and raw `SET` + `PUBLISH`.
 *
 * Sequential (one call in flight: latency) and concurrent (32 in flight: throughput). `main()`
 * writes docs/benchmarks/node-redis.md and returns the Markdown. Run alone:
 * `npx tsx apps/bench/src/redis-node-redis.ts` (or through the runner:
 * `pnpm --filter @synced-cache/bench bench redis-node-redis`).
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { SyncedCache } from '@synced-cache/core';
import { createRedisCache, createRedisStore } from '@synced-cache/redis';
import { startRedis } from '@synced-cache/test-servers';
import { createClient } from 'redis';
import { compare, interleaved } from './harness.js';
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

const RAW_UNTIMED = 'raw client.get, no timer (timeout 0)';

export async function main(): Promise<string> {
  const redis = await startRedis();
  const raw = createClient({ url: redis.url });
  const rawSubscriber = raw.duplicate();
  await Promise.all([raw.connect(), rawSubscriber.connect()]);
  const pods: SyncedCache<unknown>[] = [];
  try {
    const namespace = 'bench';
    const remote = await createRedisCache<unknown>(redis.url, {
      namespace,
      podId: 'remote-reader',
      localCache: missingLocalCache,
      heartbeatMs: 0,
    });
    // The adapter alone (no cache around it), to tell its cost from core's: a bare store keeps
    // node-redis' per-command timer (default commandTimeoutMs 1000), as the raw client keeps its own
    // default one (5 s in node-redis 6).
    const store = createRedisStore(raw);
    const decoder = new TextDecoder();
    // node-redis 6 gives every command a 5 s timeout (an AbortSignal timer) unless told otherwise.
    const rawUntimed = raw.withCommandOptions({ timeout: 0 });
    const writer = await createRedisCache<unknown>(redis.url, {
      namespace,
      podId: 'writer',
      heartbeatMs: 0,
    });
    const receiver = await createRedisCache<unknown>(redis.url, {
      namespace,
      podId: 'receiver',
      heartbeatMs: 0,
    });
    // Sets are timed on a namespace nobody else subscribes to, like the raw PUBLISH (no subscriber
    // during the set phase): otherwise the in-process receiving pods' decoding would be billed to set.
    const setWriter = await createRedisCache<unknown>(redis.url, {
      namespace: 'bench-set',
      podId: 'set-writer',
      heartbeatMs: 0,
    });
    pods.push(remote, writer, receiver, setWriter);
    const keys = Array.from({ length: KEY_COUNT }, (_, index) => `user:${index}`);
    const rawKeys = keys.map((key) => `raw:${key}`);
    for (let index = 0; index < KEY_COUNT; index++) {
      await writer.set(keys[index]!, VALUE);
      await raw.set(rawKeys[index]!, VALUE_JSON);
      await store.set(`adapter:${keys[index]!}`, Buffer.from(VALUE_JSON));
    }
    await store.get(`adapter:${keys[0]!}`); // takes the first server-clock sample (plain GET reads)
    await new Promise((resolve) => setTimeout(resolve, 100));
    const channel = 'raw:channel';

    // ---- remote get -------------------------------------------------------------------------
    const getSequential = await interleaved(
      [
        ...rawGetSequential(raw, rawKeys),
        { name: RAW_UNTIMED, once: (i) => rawUntimed.get(rawKeys[i & MASK]!) },
        { name: 'synced-cache get (local miss → Redis)', once: (i) => remote.get(keys[i & MASK]!) },
        {
          name: 'adapter only: store.get + JSON.parse',
          once: async (i) =>
            JSON.parse(decoder.decode((await store.get(`adapter:${keys[i & MASK]!}`))!.payload)),
        },
      ],
      { samples: GET_SAMPLES },
    );
    const getConcurrent = await compare(
      [
        ...rawGetConcurrent(raw, rawKeys),
        { name: RAW_UNTIMED, run: (ops) => concurrently(ops, (i) => rawUntimed.get(rawKeys[i & MASK]!)) },
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
          name: 'synced-cache set',
          run: async (ops) => {
            for (let i = 0; i < ops; i++) await setWriter.set(keys[i & MASK]!, VALUE);
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
          run: (ops) => concurrently(ops, (i) => setWriter.set(keys[i & MASK]!, VALUE)),
        },
      ],
      { ops: 10_000, rounds: 7, warmupRounds: 2 },
    );

    // ---- propagation --------------------------------------------------------------------------
    // let publishes the set benchmarks left in flight arrive before timing single messages
    await new Promise((resolve) => setTimeout(resolve, 500));
    const arrivals = new Arrivals();
    await rawSubscriber.subscribe(channel, () => arrivals.arrived(), true);
    receiver.on('event', () => arrivals.arrived());
    const { rawFloor, rawSetPublish, cachePropagation } = await latencies(PROPAGATION_SAMPLES, {
      rawFloor: arrivals.path(() => raw.publish(channel, VALUE_JSON)),
      rawSetPublish: arrivals.path(async (index) => {
        await raw.set(rawKeys[index & MASK]!, JSON.stringify(VALUE));
        await raw.publish(channel, VALUE_JSON);
      }),
      cachePropagation: arrivals.path((index) => writer.set(keys[index & MASK]!, VALUE)),
    });
    arrivals.stop();

    const remoteGetRatio = ratio(getSequential, 'synced-cache get (local miss → Redis)', 'raw client.get');
    const remoteGetUntimedRatio = ratio(getSequential, 'synced-cache get (local miss → Redis)', RAW_UNTIMED);
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
      '# Redis benchmarks — node-redis adapter (`@synced-cache/redis`)',
      '',
      `Generated by \`apps/bench/src/redis-node-redis.ts\` on ${new Date().toISOString()}, Node ${process.version},`,
      `node-redis (redis) 6, RESP3, a private redis-server ${await serverVersion(raw)} on loopback, ${process.platform}/${process.arch}.`,
      `Load average at the end of the run: ${loadavg()
        .map((load) => load.toFixed(1))
        .join(', ')} (a shared 2-core machine: compare ratios, not absolute numbers).`,
      'Every number is from this one run, and candidates take turns so machine noise hits all of them alike:',
      `one-at-a-time remote gets call by call (${GET_SAMPLES.toLocaleString('en-US')} calls each, mean and median), the other tables in rounds`,
      '(median of 7). The value is a small JSON object (~70 bytes); the cache uses its default',
      'JSON marshaller, so its get includes decoding and its set includes encoding.',
      '',
      '## Goals',
      '',
      '| goal | measured | verdict |',
      '|---|---:|---|',
      `| remote get ≤ 1.1x raw GET (mean of one-at-a-time calls) | ${remoteGetRatio.toFixed(2)}x (${remoteGetParseRatio.toFixed(2)}x of GET + JSON.parse, ${remoteGetUntimedRatio.toFixed(2)}x of GET without node-redis' default timer; median ${medianRatio(getSequential, 'synced-cache get (local miss → Redis)', 'raw client.get').toFixed(2)}x) | ${verdict(remoteGetRatio <= 1.1)} |`,
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
      'The cache reads with one plain GET (as a Buffer), like the raw client, then decodes the version',
      "header; for a value with a TTL the header's absolute expiry and a background TIME sample of the",
      'server clock give the remaining TTL (erring short), which bounds the local copy. Before the first',
      'clock sample and after a reconnect it reads with one EVALSHA of a read-only script returning the',
      'value and its PTTL instead (a Cluster always does).',
      'A bare store ("adapter only") sends every command with node-redis\' per-command `timeout`',
      '(default 1000 ms), as the raw client sends its own default one (5 s in node-redis 6): an',
      'AbortSignal timer per command. The connection `createRedisCache` makes sends commands without',
      "it, since core bounds every call by the cache's `timeoutMs`.",
      '',
      '## Set',
      '',
      'One call in flight:',
      '',
      ratioTable(setSequential, 'raw SET then PUBLISH (both awaited)', ''),
      `${CONCURRENCY} calls in flight:`,
      '',
      ratioTable(setConcurrent, 'raw SET then PUBLISH (both awaited)', ''),
      "`createRedisCache` gives store and synchronizer one node-redis client, so the cache's set is one",
      "EVALSHA, awaited, that assigns the version (TIME, the key's header and the clock key), writes the",
      'value and PUBLISHes the event in the same script (`setAndPublish`): its raw equivalent is',
      '"SET then PUBLISH (both awaited)", done in one round trip instead of two.',
      'Sets are timed on a namespace no other pod subscribes to (the raw PUBLISH has no subscriber either).',
      '',
      '## Propagation',
      '',
      `${PROPAGATION_SAMPLES.toLocaleString('en-US')} samples per path, one at a time, after ${PROPAGATION_WARMUP.toLocaleString('en-US')} warm-up samples (so V8 has optimized the receiving pod's event path: this is steady state, a pod's first events are slower); the paths take turns sample by sample (rotating order), so machine noise reaches all of them alike.`,
      '',
      '| path | p50 | p99 |',
      '|---|---:|---:|',
      `| raw floor: PUBLISH call → raw subscriber got it | ${ms(rawFloor.p50)} | ${ms(rawFloor.p99)} |`,
      `| raw SET + PUBLISH → raw subscriber got it | ${ms(rawSetPublish.p50)} | ${ms(rawSetPublish.p99)} |`,
      `| synced-cache: writer.set() call → other pod applied the event | ${ms(cachePropagation.p50)} | ${ms(cachePropagation.p99)} |`,
      '',
      "The cache's set is one EVALSHA that writes the value and PUBLISHes the event with the version it",
      'assigned: one round trip, like the raw floor, where raw SET + PUBLISH needs two. On top come',
      'encoding the envelope and, on the receiver, decoding and applying it.',
      '',
    ].join('\n');
    await store.close();
    writeReport(markdown);
    return markdown;
  } finally {
    await Promise.all(pods.map((pod) => pod.close()));
    await rawSubscriber.close();
    await raw.close();
    await redis.stop();
  }
}

/** Writes the report next to the other benchmark reports. */
export function writeReport(markdown: string): string {
  return writeBenchmarkReport('node-redis.md', markdown);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await main());
  console.log('written to docs/benchmarks/node-redis.md');
}
