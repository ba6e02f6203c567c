/**
 * Propagation across processes (issue 13): the time from a writer's call to the moment another
 * process, busy with a loop of local hits, has the change — the raw pub/sub hop (`PUBLISH` →
 * a raw subscriber's handler) next to a synced-cache `set` → the other pod applied the event, for
 * ioredis and node-redis, on one private redis-server, in one run. The receiver is its own process
 * (`propagation-receiver.ts`) and reports each arrival's `process.hrtime.bigint()`: CLOCK_MONOTONIC
 * is one clock for every process of the machine, so the hop is timed without a round trip back.
 * Paths take turns sample by sample (rotating order).
 *
 *   pnpm --filter @synced-cache/bench bench propagation   # writes docs/benchmarks/propagation.md
 */
import { execSync, fork } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache } from '@synced-cache/ioredis';
import { createRedisCache } from '@synced-cache/redis';
import { startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { bentoOn, type PropagationSetup } from './propagation-setup.js';
import { VALUE, VALUE_JSON } from './redis-shared.js';

const SAMPLES = 5000;
const WARMUP = 500;
type Path = 'raw' | 'raw-set' | 'ioredis' | 'node-redis' | 'bentocache';
const PATHS: Path[] = ['raw', 'raw-set', 'ioredis', 'node-redis', 'bentocache'];

interface Arrival {
  path: string;
  at: string;
}

export async function main(): Promise<string> {
  const redis = await startRedis();
  const setup: PropagationSetup = {
    url: redis.url,
    host: redis.host,
    port: redis.port,
    rawChannel: 'bench:propagation:raw',
    rawSetChannel: 'bench:propagation:raw-set',
    namespaces: { ioredis: 'prop-ioredis', nodeRedis: 'prop-node-redis' },
  };
  const child = fork(
    fileURLToPath(new URL('./propagation-receiver.ts', import.meta.url)),
    [JSON.stringify(setup)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let waiting: { path: Path; resolve: (at: bigint) => void } | undefined;
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  let receiverReads = 0;
  child.on('message', (message: { type: string } & Partial<Arrival> & { reads?: number }) => {
    if (message.type === 'ready') ready();
    else if (message.type === 'closed') receiverReads = message.reads ?? 0;
    else if (message.type === 'arrived' && waiting !== undefined && message.path === waiting.path) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve(BigInt(message.at!));
    }
  });
  const raw = new Redis(redis.url);
  const writers: Array<SyncedCache<unknown>> = [];
  const bento = bentoOn(redis.host, redis.port);
  const loadBefore = load();
  try {
    await started;
    writers.push(
      await createIoredisCache<unknown>(redis.url, {
        namespace: setup.namespaces.ioredis,
        podId: 'writer',
        heartbeatMs: 0,
      }),
      await createRedisCache<unknown>(redis.url, {
        namespace: setup.namespaces.nodeRedis,
        podId: 'writer',
        heartbeatMs: 0,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // the receiver's own start-up echoes
    const send: Record<Path, (index: number) => Promise<unknown>> = {
      raw: () => raw.publish(setup.rawChannel, VALUE_JSON),
      // The floor of a write that is also announced: one pipelined round trip, what a set cannot beat.
      'raw-set': (index) =>
        raw
          .pipeline()
          .set(`raw:user:${index % 1000}`, VALUE_JSON)
          .publish(setup.rawSetChannel, VALUE_JSON)
          .exec(),
      ioredis: (index) => writers[0]!.set(`user:${index % 1000}`, VALUE),
      'node-redis': (index) => writers[1]!.set(`user:${index % 1000}`, VALUE),
      bentocache: (index) => bento.set({ key: `prop:user:${index % 1000}`, value: VALUE }),
    };
    const times: Record<Path, number[]> = {
      raw: [],
      'raw-set': [],
      ioredis: [],
      'node-redis': [],
      bentocache: [],
    };
    for (let sample = -WARMUP; sample < SAMPLES; sample++) {
      for (let offset = 0; offset < PATHS.length; offset++) {
        const path = PATHS[(sample + WARMUP + offset) % PATHS.length]!;
        const arrived = new Promise<bigint>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${path}: no arrival within 2 s`)), 2000);
          waiting = {
            path,
            resolve: (at) => {
              clearTimeout(timer);
              resolve(at);
            },
          };
        });
        const sentAt = process.hrtime.bigint();
        await send[path](sample + WARMUP);
        const at = await arrived;
        if (sample >= 0) times[path].push(Number(at - sentAt) / 1000);
      }
    }
    child.send({ type: 'close' });
    await new Promise<void>((resolve) => child.once('disconnect', () => resolve()));
    return report(times, receiverReads, loadBefore);
  } finally {
    await Promise.allSettled([...writers.map((writer) => writer.close()), bento.disconnect()]);
    raw.disconnect();
    if (child.connected) child.kill();
    await redis.stop();
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

function load(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
}

function report(times: Record<Path, number[]>, receiverReads: number, loadBefore: string): string {
  const stats = Object.fromEntries(
    PATHS.map((path) => {
      const sorted = [...times[path]].sort((a, b) => a - b);
      return [
        path,
        { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999) },
      ];
    }),
  ) as Record<Path, { p50: number; p99: number; p999: number }>;
  const rawHop = stats.raw;
  const us = (value: number) => `${Math.round(value)} µs`;
  const verdict = (met: boolean) => (met ? 'met' : '**not met**');
  const row = (name: string, path: Path) => {
    const s = stats[path];
    return `| ${name} | ${us(s.p50)} | ${us(s.p99)} | ${us(s.p999)} | ${(s.p50 / rawHop.p50).toFixed(2)}x / ${(s.p99 / rawHop.p99).toFixed(2)}x |`;
  };
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {}
  return [
    '# Propagation across processes',
    '',
    `Run \`pnpm --filter @synced-cache/bench bench propagation\` (\`apps/bench/src/propagation.ts\`) at commit ${commit},`,
    `${new Date().toISOString()}, Node ${process.version}, ${process.platform}/${process.arch}, ${cpus()[0]?.model ?? 'unknown CPU'},`,
    `${availableParallelism()} cores (shared), load average ${loadBefore} at the start and ${load()} at the end; a private`,
    'redis-server on loopback.',
    '',
    'The writer (this process) and the receiver (a child process) are separate processes. The receiver',
    'runs a loop of local-hit `get`s on 1,000 keys of its pods, yielding every ~0.2 ms, as a server busy',
    `with requests (${receiverReads.toLocaleString('en-US')} reads during the run). A sample is timed from just before the writer's call to`,
    "the receiver's handler (`process.hrtime.bigint()` on both sides: CLOCK_MONOTONIC is one clock per",
    `machine). ${SAMPLES.toLocaleString('en-US')} samples per path after ${WARMUP} warm-up samples, one in flight, paths taking turns.`,
    "Both caches are the adapters' defaults (`createIoredisCache(url)` / `createRedisCache(url)`): a `set` is",
    'one script that writes, assigns the version and PUBLISHes the event; the receiver applies it to its',
    'local tier. BentoCache 1.6 (memory L1, Redis L2, Redis bus, its defaults otherwise) is timed to its',
    '`bus:message:received` event on the receiver, emitted right before it expires its local copy (its bus',
    'sends an invalidation; the value is fetched from L2 on the next get, which is not timed here).',
    '',
    '## Goals (issue 13)',
    '',
    '| goal | measured | verdict |',
    '|---|---:|---|',
    ...(['ioredis', 'node-redis'] as const).flatMap((path) => [
      `| ${path}: p50 ≤ 0.4x BentoCache | ${us(stats[path].p50)} vs ${us(stats.bentocache.p50)} (${(stats[path].p50 / stats.bentocache.p50).toFixed(2)}x) | ${verdict(stats[path].p50 <= 0.4 * stats.bentocache.p50)} |`,
      `| ${path}: p99 ≤ raw SET + PUBLISH p99 + 0.3 ms | ${us(stats[path].p99)} vs ${us(stats['raw-set'].p99)} + 300 µs | ${verdict(stats[path].p99 <= stats['raw-set'].p99 + 300)} |`,
    ]),
    '',
    `No path can beat the raw hop, whose p50 was ${(rawHop.p50 / stats.bentocache.p50).toFixed(2)}x BentoCache's in this run: a goal below that is out of reach by construction.`,
    '',
    '| path | p50 | p99 | p99.9 | vs raw hop (p50 / p99) |',
    '|---|---:|---:|---:|---:|',
    row('raw hop: PUBLISH → raw ioredis subscriber in the receiver', 'raw'),
    row('raw SET + PUBLISH, one pipelined round trip → the raw subscriber', 'raw-set'),
    row('ioredis cache: writer.set() → the receiver pod applied the event', 'ioredis'),
    row('node-redis cache: writer.set() → the receiver pod applied the event', 'node-redis'),
    row('BentoCache (Redis L2 + Redis bus): set() → the receiver got the bus message', 'bentocache'),
    '| cache-manager 7 (memory store + Redis store `@keyv/redis`, as its docs set up tiers): set() → the receiver | never: no bus, its memory copy stays until its TTL | | | |',
    '',
    'cache-manager has no bus, so there is nothing to time: a write reaches another process only through',
    "Redis, on a read that misses that process's memory store. With the Redis store alone every read",
    'goes to Redis; its remote get and set are timed beside the caches in `remote.md`.',
    '',
  ].join('\n');
}
