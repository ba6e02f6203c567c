/**
 * The remote path (issue 13), for ioredis and node-redis side by side with the same raw client,
 * on one private redis-server, in one run:
 *
 * - remote get one at a time (latency) and {@link IN_FLIGHT} in flight (throughput) vs raw `GET`,
 *   every get a local miss, over {@link KEYS} keys with a TTL;
 * - `setMany` of {@link BATCH} vs one `set`, vs {@link BATCH} sequential sets, and vs the raw
 *   floor (`SET`+`PUBLISH` pipelined in one round trip, per key and for the whole batch);
 * - `getMany` / `getOrSetMany` of {@link BATCH} cold keys vs one raw `GET` round trip.
 *
 * The load generator runs in this process (the server is its own process); candidates take
 * turns call by call (latency) or round by round (throughput), and every ratio comes from one run.
 *
 *   pnpm --filter @synced-cache/bench bench remote      # writes docs/benchmarks/remote.md
 */
import { execSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { startRedis } from '@synced-cache/test-servers';
import { type Candidate, compare, consume, interleaved, type Result, type Step } from './harness.js';
import { ratioTable, serverVersion, VALUE, VALUE_JSON } from './redis-shared.js';
import { ioredisSubject, nodeRedisSubject, type Peer, type Subject } from './remote-subjects.js';

/** Keys read by the get benchmarks (each with {@link TTL_MS}). */
const KEYS = 10_000;
const TTL_MS = 600_000;
/** Calls in flight in the throughput benchmark. */
const IN_FLIGHT = 64;
/** Keys per batch call. */
const BATCH = 50;
const GET_SAMPLES = 20_000;
const BATCH_SAMPLES = 1_500;
const CHANNEL = 'raw:bench-channel';

const GET = 'synced-cache get (local miss → Redis)';
const RAW_GET = 'raw GET';
const RAW_GET_PARSE = 'raw GET + JSON.parse';
const RAW_GET_BYTES = 'raw GET, reply as bytes (Buffer)';
const SET = 'synced-cache set (1 key)';
const RAW_SET = 'raw SET+PUBLISH, pipelined (1 round trip)';
const SET_MANY = `synced-cache setMany (${BATCH} keys)`;
const SET_SEQUENTIAL = `${BATCH} sequential synced-cache sets`;
const RAW_SET_MANY = `raw ${BATCH} × SET+PUBLISH in one pipeline`;
const DELETE_MANY = `synced-cache deleteMany (${BATCH} keys)`;
const RAW_MGET = `raw MGET of ${BATCH} keys + JSON.parse of each`;
const GET_MANY = `synced-cache getMany (${BATCH} cold keys)`;
const GET_OR_SET_MANY_STORED = `synced-cache getOrSetMany (${BATCH} cold keys, all in Redis)`;
const GET_OR_SET_MANY_ABSENT = `synced-cache getOrSetMany (${BATCH} keys absent: read, load, write)`;

/** The row of a peer's operation (its batch operations take {@link BATCH} keys). */
function peerName(peer: Peer, operation: 'get' | 'set' | 'getMany' | 'setMany'): string {
  const what =
    operation === 'get'
      ? 'get (local miss → Redis)'
      : operation === 'set'
        ? 'set (1 key)'
        : `${operation} (${BATCH} keys)`;
  return `${peer.name}: ${what}`;
}

/** Runs `ops` calls of `call`, `width` at a time. */
async function inFlight(
  ops: number,
  width: number,
  call: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ops) consume(await call(next++));
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** The `BATCH` keys of batch number `index`, rotating over `keys`. */
function window(keys: readonly string[], index: number): string[] {
  const start = (index * BATCH) % keys.length;
  return keys.slice(start, start + BATCH);
}

interface Measured {
  subject: string;
  peer: Peer;
  getSequential: Result[];
  getConcurrent: Result[];
  writes: Result[];
  reads: Result[];
}

async function measure(subject: Subject): Promise<Measured> {
  const { cache } = subject;
  const keys = Array.from({ length: KEYS }, (_, index) => `user:${index}`);
  const rawKeys = keys.map((key) => `raw:${subject.name}:${key}`);
  const writeKeys = keys.map((key) => `write:${key}`);
  const { peer } = subject;
  const peerKeys = keys.map((key) => `peer:${key}`);
  const peerWriteKeys = keys.map((key) => `peer-write:${key}`);
  for (let start = 0; start < KEYS; start += 100) {
    const slice = keys.slice(start, start + 100);
    await cache.setMany(
      slice.map((key) => [key, VALUE] as const),
      { ttlMs: TTL_MS },
    );
    await Promise.all(slice.map((_, offset) => subject.set(rawKeys[start + offset]!, VALUE_JSON, TTL_MS)));
    await Promise.all(slice.map((_, offset) => peer.set(peerKeys[start + offset]!, VALUE, TTL_MS)));
  }
  await cache.get(keys[0]!); // the adapters' first server-clock sample (plain GET reads)
  await new Promise((resolve) => setTimeout(resolve, 100));

  const getSequential = await interleaved(
    [
      { name: RAW_GET, once: (i) => subject.get(rawKeys[i % KEYS]!) },
      {
        name: RAW_GET_PARSE,
        once: async (i) => JSON.parse((await subject.get(rawKeys[i % KEYS]!)) as string),
      },
      { name: RAW_GET_BYTES, once: (i) => subject.getBytes(rawKeys[i % KEYS]!) },
      { name: GET, once: (i) => cache.get(keys[i % KEYS]!) },
      { name: peerName(peer, 'get'), once: (i) => peer.get(peerKeys[i % KEYS]!) },
    ],
    { samples: GET_SAMPLES, warmupSamples: 2000 },
  );
  const concurrent: Candidate[] = [
    { name: RAW_GET, run: (ops) => inFlight(ops, IN_FLIGHT, (i) => subject.get(rawKeys[i % KEYS]!)) },
    {
      name: RAW_GET_PARSE,
      run: (ops) =>
        inFlight(ops, IN_FLIGHT, async (i) => JSON.parse((await subject.get(rawKeys[i % KEYS]!)) as string)),
    },
    {
      name: RAW_GET_BYTES,
      run: (ops) => inFlight(ops, IN_FLIGHT, (i) => subject.getBytes(rawKeys[i % KEYS]!)),
    },
    { name: GET, run: (ops) => inFlight(ops, IN_FLIGHT, (i) => cache.get(keys[i % KEYS]!)) },
    {
      name: peerName(peer, 'get'),
      run: (ops) => inFlight(ops, IN_FLIGHT, (i) => peer.get(peerKeys[i % KEYS]!)),
    },
  ];
  const getConcurrent = await compare(concurrent, { ops: 20_000, rounds: 9, warmupRounds: 2 });

  let absent = 0;
  const loadAll = (missing: readonly string[]) => missing.map(() => VALUE);
  const writeSteps: Step[] = [
    { name: RAW_SET, once: (i) => subject.setPublish(rawKeys[i % KEYS]!, VALUE_JSON, TTL_MS, CHANNEL) },
    { name: SET, once: (i) => cache.set(writeKeys[i % KEYS]!, VALUE, { ttlMs: TTL_MS }) },
    {
      name: RAW_SET_MANY,
      once: (i) => subject.setPublishMany(window(rawKeys, i), VALUE_JSON, TTL_MS, CHANNEL),
    },
    {
      name: SET_MANY,
      once: (i) =>
        cache.setMany(
          window(writeKeys, i).map((key) => [key, VALUE] as const),
          { ttlMs: TTL_MS },
        ),
    },
    {
      name: SET_SEQUENTIAL,
      once: async (i) => {
        for (const key of window(writeKeys, i + 7)) await cache.set(key, VALUE, { ttlMs: TTL_MS });
      },
    },
    { name: DELETE_MANY, once: (i) => cache.deleteMany(window(writeKeys, i + 3)) },
    { name: peerName(peer, 'set'), once: (i) => peer.set(peerWriteKeys[i % KEYS]!, VALUE, TTL_MS) },
  ];
  const { setMany: peerSetMany, getMany: peerGetMany } = peer;
  if (peerSetMany !== undefined) {
    writeSteps.push({
      name: peerName(peer, 'setMany'),
      once: (i) => peerSetMany(window(peerWriteKeys, i + 5), VALUE, TTL_MS),
    });
  }
  const writes = await interleaved(writeSteps, { samples: BATCH_SAMPLES, warmupSamples: 200, pauseMs: 2 });
  const readSteps: Step[] = [
    { name: RAW_GET, once: (i) => subject.get(rawKeys[i % KEYS]!) },
    {
      name: RAW_MGET,
      once: async (i) => {
        const values = (await subject.mget(window(rawKeys, i + 5))) as Array<string | null>;
        return values.map((value) => (value === null ? undefined : JSON.parse(value)));
      },
    },
    { name: GET_MANY, once: (i) => cache.getMany(window(keys, i)) },
    { name: GET_OR_SET_MANY_STORED, once: (i) => cache.getOrSetMany(window(keys, i + 11), loadAll) },
    {
      name: GET_OR_SET_MANY_ABSENT,
      once: () => {
        const batch = Array.from({ length: BATCH }, (_, j) => `absent:${absent}:${j}`);
        absent++;
        return cache.getOrSetMany(batch, loadAll, { ttlMs: 60_000 });
      },
    },
  ];
  if (peerGetMany !== undefined) {
    readSteps.push({ name: peerName(peer, 'getMany'), once: (i) => peerGetMany(window(peerKeys, i + 13)) });
  }
  const reads = await interleaved(readSteps, { samples: BATCH_SAMPLES, warmupSamples: 200, pauseMs: 2 });
  return { subject: subject.name, peer, getSequential, getConcurrent, writes, reads };
}

function find(results: Result[], name: string): Result {
  const result = results.find((candidate) => candidate.name === name);
  if (result === undefined) throw new Error(`no result named ${name}`);
  return result;
}

/** Median time of `name` over median time of `baseline`. */
function medianRatio(results: Result[], name: string, baseline: string): number {
  return find(results, name).p50Ns! / find(results, baseline).p50Ns!;
}

function goalRows(m: Measured): string[] {
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const x = (value: number) => `${value.toFixed(2)}x`;
  const sequential = medianRatio(m.getSequential, GET, RAW_GET);
  const sequentialMean = find(m.getSequential, GET).nsPerOp / find(m.getSequential, RAW_GET).nsPerOp;
  const throughputOf = (name: string) =>
    find(m.getConcurrent, RAW_GET).nsPerOp / find(m.getConcurrent, name).nsPerOp;
  const throughput = throughputOf(GET);
  const rawGet = find(m.reads, RAW_GET).p50Ns!;
  const roundTrips = (name: string) => find(m.reads, name).p50Ns! / rawGet;
  const setMany = medianRatio(m.writes, SET_MANY, SET);
  // What the raw client scores on the same measure, doing only what the goal's operation must do
  // at the least (read and decode; write and publish; both for a load).
  const readWrite = (find(m.reads, RAW_MGET).p50Ns! + find(m.writes, RAW_SET_MANY).p50Ns!) / rawGet;
  const row = (goal: string, measured: string, floor: string, ok: boolean) =>
    `| ${m.subject} | ${goal} | ${measured} | ${floor} | ${verdict(ok)} |`;
  return [
    row(
      'remote get one at a time ≤ 1.05x raw GET (median)',
      `${x(sequential)} (mean ${x(sequentialMean)})`,
      `${x(medianRatio(m.getSequential, RAW_GET_PARSE, RAW_GET))} (raw GET + JSON.parse)`,
      sequential <= 1.05,
    ),
    row(
      `${IN_FLIGHT} gets in flight ≥ 0.85x raw GET throughput`,
      x(throughput),
      `${x(throughputOf(RAW_GET_PARSE))} (raw GET + JSON.parse)`,
      throughput >= 0.85,
    ),
    row(
      `getMany of ${BATCH} cold keys ≤ 2 raw GET round trips`,
      roundTrips(GET_MANY).toFixed(2),
      `${roundTrips(RAW_MGET).toFixed(2)} (raw MGET + JSON.parse)`,
      roundTrips(GET_MANY) <= 2,
    ),
    row(
      `getOrSetMany of ${BATCH} cold keys ≤ 2 round trips (all in Redis)`,
      roundTrips(GET_OR_SET_MANY_STORED).toFixed(2),
      `${roundTrips(RAW_MGET).toFixed(2)} (raw MGET + JSON.parse)`,
      roundTrips(GET_OR_SET_MANY_STORED) <= 2,
    ),
    row(
      `getOrSetMany of ${BATCH} keys absent (read + write) ≤ 2 round trips`,
      roundTrips(GET_OR_SET_MANY_ABSENT).toFixed(2),
      `${readWrite.toFixed(2)} (raw MGET + JSON.parse, then ${BATCH} × SET+PUBLISH pipelined)`,
      roundTrips(GET_OR_SET_MANY_ABSENT) <= 2,
    ),
    row(
      `setMany of ${BATCH} ≤ 1.5x one set (median)`,
      x(setMany),
      `${x(medianRatio(m.writes, RAW_SET_MANY, SET))} (${BATCH} × SET+PUBLISH pipelined)`,
      setMany <= 1.5,
    ),
  ];
}

/** synced-cache beside the peer on the same client library, operation by operation. */
function peerRows(m: Measured): string[] {
  const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
  const rows: string[] = [];
  const add = (operation: string, results: Result[], ours: string, theirs: string, median: boolean) => {
    if (!results.some((result) => result.name === theirs)) return;
    const time = (name: string) => (median ? find(results, name).p50Ns! : find(results, name).nsPerOp);
    rows.push(
      `| ${m.peer.name} | ${operation} | ${us(time(ours))} | ${us(time(theirs))} | ${(time(theirs) / time(ours)).toFixed(2)}x |`,
    );
  };
  add('get, one at a time (median)', m.getSequential, GET, peerName(m.peer, 'get'), true);
  add(`get, ${IN_FLIGHT} in flight (time per get)`, m.getConcurrent, GET, peerName(m.peer, 'get'), false);
  add('set of 1 key (median)', m.writes, SET, peerName(m.peer, 'set'), true);
  add(`setMany of ${BATCH} keys (median)`, m.writes, SET_MANY, peerName(m.peer, 'setMany'), true);
  add(`getMany of ${BATCH} keys (median)`, m.reads, GET_MANY, peerName(m.peer, 'getMany'), true);
  return rows;
}

function commit(): string {
  try {
    const hash = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- packages apps', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${hash} + uncommitted changes` : hash;
  } catch {
    return 'unknown';
  }
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

export async function main(): Promise<string> {
  const redis = await startRedis();
  const loadBefore = load();
  const measured: Measured[] = [];
  let version: string;
  try {
    version = await rawVersion(redis.url);
    for (const make of [ioredisSubject, nodeRedisSubject]) {
      const subject = await make(redis.url);
      try {
        measured.push(await measure(subject));
      } finally {
        await subject.close();
      }
    }
  } finally {
    await redis.stop();
  }
  const us = (ns: number) => (ns / 1000).toFixed(1);
  const sections = measured.flatMap((m) => [
    `## ${m.subject}`,
    '',
    `Remote get, one call at a time (${GET_SAMPLES.toLocaleString('en-US')} calls each, interleaved call by call):`,
    '',
    ratioTable(m.getSequential, RAW_GET, ''),
    `Remote get, ${IN_FLIGHT} calls in flight (throughput; median of 9 rounds of 20,000 calls):`,
    '',
    ratioTable(m.getConcurrent, RAW_GET, ''),
    `Batch tables: a 2 ms untimed pause after every call lets the echoes of a call's own events (a pod`,
    'receives what it publishes) be handled before the next candidate starts, instead of billed to it.',
    '',
    `Writes (${BATCH_SAMPLES.toLocaleString('en-US')} calls each, interleaved; median ${us(find(m.writes, SET).p50Ns!)} µs for one set):`,
    '',
    ratioTable(m.writes, SET, ''),
    `Batch reads (${BATCH_SAMPLES.toLocaleString('en-US')} calls each, interleaved; "median vs raw GET" is in round trips):`,
    '',
    ratioTable(m.reads, RAW_GET, ''),
  ]);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    '# Remote path — ioredis and node-redis',
    '',
    `Run \`pnpm --filter @synced-cache/bench bench remote\` (\`apps/bench/src/remote.ts\`) at commit ${commit()},`,
    `${new Date().toISOString()}, Node ${process.version}, ${process.platform}/${process.arch}, ${cpu},`,
    `${availableParallelism()} cores (shared), load average ${loadBefore} at the start and ${load()} at the end;`,
    `a private redis-server ${version} on loopback. The load generator runs in this process.`,
    '',
    `Each cache is the adapter's default configuration (\`createIoredisCache(url)\` /`,
    '`createRedisCache(url)`: timeout 1000 ms, JSON marshaller) except for a local tier that admits',
    `nothing, so every get is a local miss and reads Redis. ${KEYS.toLocaleString('en-US')} keys, each with a TTL of`,
    `${TTL_MS / 60_000} minutes; the value is a ~70-byte JSON object. Raw baselines use the same client library:`,
    'ioredis as `new Redis(url)`, node-redis with `withCommandOptions({ timeout: 0 })` (no per-command',
    'timer). A raw set is `SET … PX` and `PUBLISH` pipelined in one round trip, the honest equivalent of',
    "the cache's one-script write-and-publish. The goals compare with plain raw GET (a string reply);",
    `"${RAW_GET_BYTES}" shows what the client itself costs for the bytes a binary-safe store must read`,
    '(node-redis: a client created with Buffer replies in its default command options), and',
    `"${RAW_GET_PARSE}" what decoding the JSON value costs on top of the round trip.`,
    '',
    '## Goals',
    '',
    '"raw client" is what the same client library scores on the same measure in this run, doing the',
    "least the goal's operation must do (the read and the JSON decode; the writes and their",
    "publishes) with none of the cache's bookkeeping (versions, local tier, timeouts). Where it misses",
    'the goal too, the goal asks the cache to be faster than the plain commands it is built on.',
    '',
    '| client | goal | measured | raw client, same measure | verdict |',
    '|---|---|---:|---:|---|',
    ...measured.flatMap(goalRows),
    '',
    '## Peers',
    '',
    'Each peer runs on the client library its Redis driver uses, in the same interleaved samples as',
    'the rows above (full tables below). A ratio above 1x means the peer took longer than synced-cache.',
    "A peer without a bus does less on a write than synced-cache's write and announcement.",
    '',
    '| peer | operation | synced-cache | peer | peer ÷ synced-cache |',
    '|---|---|---:|---:|---:|',
    ...measured.flatMap(peerRows),
    '',
    ...sections,
  ].join('\n');
}

async function rawVersion(url: string): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url);
  try {
    return await serverVersion(client);
  } finally {
    client.disconnect();
  }
}
