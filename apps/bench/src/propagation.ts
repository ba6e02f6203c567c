/**
 * Propagation across processes on one private redis-server, the receiver busy serving local hits,
 * in one run: a write in this process → the other process handled it (or read the new value) →
 * its acknowledgement back on a raw channel. Paths, taking turns sample by sample:
 *
 * - raw hop: `PUBLISH` → a raw subscriber in the other process (the floor of any bus);
 * - raw `SET` + `PUBLISH` in one pipelined round trip → the raw subscriber (the floor of a write
 *   that is also announced: what a cache's set cannot beat);
 * - synced-cache on ioredis and on node-redis (`set()`, default configuration with `ttlMs`);
 * - BentoCache with memory L1 + Redis L2 + Redis bus, as its docs set it up (`set()`).
 *
 * The acknowledgement is the same for every path, so "vs" columns compare like with like. Two
 * receiver modes: `applied` (acknowledged once the event was handled) and `read` (after a `get`
 * returned; for BentoCache that is an L2 read, since its bus only invalidates).
 *
 * `main()` writes docs/benchmarks/propagation.md. Run: `pnpm --filter @synced-cache/bench bench
 * propagation` (or `cd apps/bench && node --expose-gc --import tsx src/main.ts propagation`).
 */
import { execSync, fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache } from '@synced-cache/ioredis';
import { createRedisCache } from '@synced-cache/redis';
import { startRedis, trackChild } from '@synced-cache/test-servers';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';
import { interleaved } from './harness.js';
import type { PropagationSetup, ReceiverMode } from './propagation-receiver.js';
import { arrival, serverVersion, VALUE, writeBenchmarkReport } from './redis-shared.js';

const KEYS = 10_000;
const TTL_MS = 600_000;
const SAMPLES = Number(process.env.PROPAGATION_SAMPLES ?? 4000);
const WARMUP = 500;
const HITS_PER_TURN = Number(process.env.PROPAGATION_HITS_PER_TURN ?? 200);

type PathName = 'rawHop' | 'rawSetPublish' | 'ioredis' | 'nodeRedis' | 'bento';
const LABELS: Record<PathName, string> = {
  rawHop: 'raw PUBLISH → raw subscriber',
  rawSetPublish: 'raw SET + PUBLISH (one pipelined round trip) → raw subscriber',
  ioredis: 'synced-cache set, ioredis',
  nodeRedis: 'synced-cache set, node-redis',
  bento: 'BentoCache set (memory L1 + Redis L2 + Redis bus)',
};

interface Row {
  p50: number;
  p99: number;
  p999: number;
}

export async function main(): Promise<string> {
  const redis = await startRedis();
  const setup: PropagationSetup = {
    redisUrl: redis.url,
    keyCount: KEYS,
    ttlMs: TTL_MS,
    hitsPerTurn: HITS_PER_TURN,
  };
  const child = fork(
    fileURLToPath(new URL('./propagation-receiver.ts', import.meta.url)),
    [JSON.stringify(setup)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  trackChild(child);
  const replies: Array<{ type: string; count?: number }> = [];
  child.on('message', (message) => replies.push(message as { type: string }));
  const reply = async (type: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = replies.findIndex((each) => each.type === type);
      if (index >= 0) return replies.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`receiver: no ${type} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  const raw = new Redis(redis.url);
  const ackSubscriber = new Redis(redis.url);
  const url = new URL(redis.url);
  const connection = { host: url.hostname, port: Number(url.port) };
  const writers: Record<'ioredis' | 'nodeRedis', SyncedCache<unknown>> = {
    ioredis: await createIoredisCache<unknown>(redis.url, {
      ttlMs: TTL_MS,
      namespace: 'prop-ioredis',
      podId: 'writer-ioredis',
    }),
    nodeRedis: await createRedisCache<unknown>(
      { clientOptions: { url: redis.url } },
      { ttlMs: TTL_MS, namespace: 'prop-redis', podId: 'writer-redis' },
    ),
  };
  const bento = new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: KEYS }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  });
  let failures = 0;
  let hits = 0;
  try {
    await reply('ready');
    const keys = Array.from({ length: KEYS }, (_, i) => `key:${i}`);
    // Every key exists in the store before the receiver reads it into its local tiers.
    for (const key of keys) {
      await writers.ioredis.set(key, VALUE);
      await writers.nodeRedis.set(key, VALUE);
      await bento.set({ key, value: VALUE, ttl: TTL_MS });
    }
    child.send({ type: 'warm' });
    await reply('warmed');

    let pending: (() => void) | undefined;
    await ackSubscriber.subscribe('bench:ack');
    ackSubscriber.on('message', (_channel: string, message: string) => {
      if (message !== '1') failures++;
      pending?.();
    });
    const path =
      (send: (index: number) => Promise<unknown>) =>
      async (index: number): Promise<void> => {
        const { wait, fire } = arrival();
        pending = fire;
        await send(index);
        await wait;
      };
    const value = (index: number) => ({ ...VALUE, n: index });
    const key = (index: number) => keys[(index * 7919) % KEYS]!;
    const paths: Record<PathName, (index: number) => Promise<void>> = {
      rawHop: path(() => raw.publish('bench:raw', 'x')),
      rawSetPublish: path((index) =>
        raw
          .pipeline()
          .set(`raw:${key(index)}`, JSON.stringify(value(index)))
          .publish('bench:raw', 'x')
          .exec(),
      ),
      ioredis: path((index) => writers.ioredis.set(key(index), value(index))),
      nodeRedis: path((index) => writers.nodeRedis.set(key(index), value(index))),
      bento: path((index) => bento.set({ key: key(index), value: value(index), ttl: TTL_MS })),
    };
    const results: Record<ReceiverMode, Record<PathName, Row>> = { applied: {}, read: {} } as never;
    for (const mode of ['applied', 'read'] as const) {
      child.send({ type: 'mode', mode });
      await reply('mode-set');
      const names = Object.keys(paths) as PathName[];
      const measured = await interleaved(
        names.map((name) => ({ name, once: paths[name] })),
        { samples: SAMPLES, warmupSamples: WARMUP },
      );
      results[mode] = Object.fromEntries(
        measured.map((result, i) => [
          names[i]!,
          { p50: result.p50Ns! / 1e6, p99: result.p99Ns! / 1e6, p999: result.p999Ns! / 1e6 },
        ]),
      ) as Record<PathName, Row>;
    }
    pending = undefined;
    child.send({ type: 'close' });
    hits = (await reply('hits')).count ?? 0;
    const markdown = report(results, failures, hits, await serverVersion(raw));
    writeBenchmarkReport('propagation.md', markdown);
    return markdown;
  } finally {
    await Promise.allSettled([writers.ioredis.close(), writers.nodeRedis.close(), bento.disconnect()]);
    raw.disconnect();
    ackSubscriber.disconnect();
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(undefined);
      else child.once('exit', resolve);
      setTimeout(() => child.kill(), 10_000).unref();
    });
    await redis.stop();
  }
}

const ms = (value: number) => `${value.toFixed(3)} ms`;
const verdict = (met: boolean) => (met ? 'met' : '**not met**');

function report(
  results: Record<ReceiverMode, Record<PathName, Row>>,
  failures: number,
  hits: number,
  server: string,
): string {
  const applied = results.applied;
  const read = results.read;
  const goals = (['ioredis', 'nodeRedis'] as const).flatMap((name) => [
    `| ${LABELS[name]}: p50 ≤ 0.4x BentoCache (read) | ${ms(read[name].p50)} vs ${ms(read.bento.p50)} (${(read[name].p50 / read.bento.p50).toFixed(2)}x) | ${verdict(read[name].p50 <= 0.4 * read.bento.p50)} |`,
    `| ${LABELS[name]}: p99 ≤ raw SET + PUBLISH p99 + 0.3 ms (applied) | ${ms(applied[name].p99)} vs ${ms(applied.rawSetPublish.p99)} + 0.3 ms | ${verdict(applied[name].p99 <= applied.rawSetPublish.p99 + 0.3)} |`,
  ]);
  const table = (rows: Record<PathName, Row>) =>
    (Object.keys(LABELS) as PathName[])
      .map(
        (name) =>
          `| ${LABELS[name]} | ${ms(rows[name].p50)} | ${ms(rows[name].p99)} | ${ms(rows[name].p999)} | ${(rows[name].p50 / rows.rawHop.p50).toFixed(2)}x | ${(rows[name].p50 / rows.bento.p50).toFixed(2)}x |`,
      )
      .join('\n');
  const head =
    '| path | p50 | p99 | p99.9 | p50 vs raw hop | p50 vs BentoCache |\n|---|---:|---:|---:|---:|---:|';
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const [one, five] = loadavg();
  return `# Propagation across processes (Redis)

Generated by \`apps/bench/src/propagation.ts\` on ${new Date().toISOString()} at commit \`${commit}\`,
Node ${process.version}, redis-server ${server} (private, loopback), ${availableParallelism()} cores,
load average ${one!.toFixed(1)} / ${five!.toFixed(1)} (1 / 5 min) at the end: a shared machine, so compare
ratios within this run, not absolute numbers.
Command: \`cd apps/bench && node --expose-gc --import tsx src/main.ts propagation\`.

Writers in this process; the receivers in a second process that meanwhile serves local hits on
its ioredis pod (${HITS_PER_TURN} \`await get\` per turn, then yields to I/O: ${hits.toLocaleString('en-US')} hits during
the run). ${KEYS.toLocaleString('en-US')} keys, every entry with a ${TTL_MS / 60_000}-minute TTL, each receiver holding every
key before timing (an event replaces or drops a held copy); each sample writes another key
(a ~70-byte JSON value). ${SAMPLES.toLocaleString('en-US')} samples per path and mode after ${WARMUP} warm-up samples,
one write in flight, paths taking turns. Each sample ends when the receiver's acknowledgement
(a raw \`PUBLISH\`, the same for every path) arrives. Receiver answers that were not the new
value: ${failures}.

## Goals

| goal | measured | verdict |
|---|---:|---|
${goals.join('\n')}

## Applied: the receiver handled the event

${head}
${table(applied)}

## Read: a \`get\` on the receiver returned the new value

${head}
${table(read)}

synced-cache sends the value with the event, so the receiver's \`get\` is a local hit; BentoCache's
bus only invalidates, so its \`get\` reads Redis (L2). The raw rows do no read.
`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await main());
}
