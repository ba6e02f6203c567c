import { cpus } from 'node:os';
import { percentile } from '@synced-cache/test-servers';
import type { LoadGenerator, LoadResult } from './load.js';

/**
 * The Go example's three endpoints, baseline first, then `/static`: the same bytes for every
 * request from a constant, the ceiling of any endpoint this HTTP server answers from memory.
 */
export const ENDPOINTS = ['/post-redis', '/post-marshal', '/post', '/static'] as const;

/** One of {@link ENDPOINTS}. */
export type Endpoint = (typeof ENDPOINTS)[number];

/** The Go library's published numbers (heavy-read-api example, wrk, Apple M3 Pro). */
export const GO: Record<Exclude<Endpoint, '/static'>, { rps: number; p50: number; p99: number }> = {
  '/post-redis': { rps: 51_807, p50: 7.01, p99: 27.26 },
  '/post-marshal': { rps: 71_891, p50: 5.16, p99: 14.4 },
  '/post': { rps: 74_720, p50: 4.98, p99: 12.5 },
};

/** What a run measured and under which conditions. */
export interface Run {
  rounds: Array<Record<Endpoint, LoadResult>>;
  /** Writer→reader delays in ms, every reader together. */
  delays: number[];
  conditions: Array<[string, string]>;
  /** The load generator that ran, with its threads and connections. */
  load: { generator: LoadGenerator; threads: number; connections: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Medians over rounds for one endpoint. */
export function summary(
  run: Run,
  endpoint: Endpoint,
): { rps: number; p50: number; p99: number; cpu: number; failures: number } {
  const results = run.rounds.map((round) => round[endpoint]);
  return {
    rps: median(results.map((r) => r.requestsPerSecond)),
    p50: median(results.map((r) => r.p50Ms)),
    p99: median(results.map((r) => r.p99Ms)),
    cpu: median(results.map((r) => r.serverCpuMicrosPerRequest ?? Number.NaN)),
    failures: results.reduce((sum, r) => sum + r.failures, 0),
  };
}

/**
 * `/post` req/s over `/post-redis` req/s and `/post-redis` p99 over `/post` p99 (the goals), and
 * the same two ratios with `/static` in place of `/post`: the most any local tier could reach on
 * this server in this run.
 */
export function ratios(run: Run): { rps: number; p99: number; ceilingRps: number; ceilingP99: number } {
  const baseline = summary(run, '/post-redis');
  const bytes = summary(run, '/post');
  const ceiling = summary(run, '/static');
  return {
    rps: bytes.rps / baseline.rps,
    p99: baseline.p99 / bytes.p99,
    ceilingRps: ceiling.rps / baseline.rps,
    ceilingP99: baseline.p99 / ceiling.p99,
  };
}

const x = (value: number) => `${value.toFixed(2)}x`;
const verdict = (ours: number, theirs: number) => (ours > theirs ? 'beaten' : '**missed**');
/** Whether a ceiling ratio leaves room to beat Go's ratio in this run. */
const reach = (ceiling: number, theirs: number) =>
  ceiling > theirs ? `Go's ${x(theirs)} within reach` : `Go's ${x(theirs)} out of reach here`;

const cpuCount = cpus().length;

/** The Markdown report. */
export function renderReport(run: Run, command: string): string {
  const { generator, threads, connections } = run.load;
  const lines: string[] = ["# Heavy-read API: the Go example's benchmark, reproduced", ''];
  lines.push(
    'One writer updating posts, four reader processes each serving every endpoint, a load',
    `generator (${generator.name}) in its own process hitting one reader per endpoint, endpoints interleaved`,
    'round by round. Medians over rounds. The library runs its default configuration (SIEVE local',
    'tier, JSON) plus, for `/post`, an `onSetLocalCache` hook that keeps the response bytes.',
    '`/static` is no lesson of the Go example: it answers every request with the same bytes from a',
    'constant, so it measures the HTTP server alone, the ceiling of any endpoint answering from memory.',
    '',
    `Command: \`${command}\``,
    '',
    '| endpoint | what it does | req/s | p50 | p99 | server CPU per request | failed requests | Go req/s | Go p99 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  const what: Record<Endpoint, string> = {
    '/post-redis': 'GET from Redis on every request (plain JSON key, sent as is; auto-pipelined)',
    '/post-marshal': 'local tier holds the object, `JSON.stringify` per request',
    '/post': 'local tier holds the response bytes (`onSetLocalCache`)',
    '/static': 'ceiling: the same bytes for every request, from a constant (no cache, no Redis)',
  };
  for (const endpoint of ENDPOINTS) {
    const s = summary(run, endpoint);
    const go = endpoint === '/static' ? undefined : GO[endpoint];
    lines.push(
      `| \`${endpoint}\` | ${what[endpoint]} | ${Math.round(s.rps).toLocaleString('en')} | ${s.p50.toFixed(2)} ms | ${s.p99.toFixed(2)} ms | ${s.cpu.toFixed(1)} µs | ${s.failures} | ${go === undefined ? '—' : go.rps.toLocaleString('en')} | ${go === undefined ? '—' : `${go.p99} ms`} |`,
    );
  }
  const ours = ratios(run);
  const goRps = GO['/post'].rps / GO['/post-redis'].rps;
  const goP99 = GO['/post-redis'].p99 / GO['/post'].p99;
  lines.push(
    '',
    '| ratio | ours | Go | goal |',
    '|---|---:|---:|---|',
    `| \`/post\` req/s ÷ \`/post-redis\` req/s | ${x(ours.rps)} | ${x(goRps)} | ${verdict(ours.rps, goRps)} |`,
    `| \`/post-redis\` p99 ÷ \`/post\` p99 | ${x(ours.p99)} | ${x(goP99)} | ${verdict(ours.p99, goP99)} |`,
    `| ceiling: \`/static\` req/s ÷ \`/post-redis\` req/s | ${x(ours.ceilingRps)} | — | ${reach(ours.ceilingRps, goRps)} |`,
    `| ceiling: \`/post-redis\` p99 ÷ \`/static\` p99 | ${x(ours.ceilingP99)} | — | ${reach(ours.ceilingP99, goP99)} |`,
    '',
    `No endpoint answering from memory can outrun \`/static\` on this server, so the ceiling rows bound what any local tier could score here. \`/post\` reached ${x(summary(run, '/post').rps / summary(run, '/static').rps)} of the ceiling's req/s.`,
    '',
    `Server CPU per request (the reader process plus redis-server, from \`process.cpuUsage()\` and \`INFO cpu\` around each load run) is the number least moved by other work on the machine: \`/post-redis\` costs ${x(summary(run, '/post-redis').cpu / summary(run, '/post').cpu)} what \`/post\` costs.`,
    '',
    `Writer→reader propagation (from the writer's \`set\` call to the value in a reader's local tier, ${run.delays.length} updates received, all readers, during the load): p50 ${percentile(run.delays, 50).toFixed(2)} ms, p99 ${percentile(run.delays, 99).toFixed(2)} ms, max ${percentile(run.delays, 100).toFixed(2)} ms.`,
    '',
    '## Reading these numbers',
    '',
    `- The Go numbers come from wrk (C, 4 threads, 400 connections) on an 11-core laptop; here the load generator is ${
      {
        h2load: `h2load (C++, HTTP/1.1), ${threads} thread(s), ${connections} connections,`,
        wrk: `wrk too, ${threads} thread(s), ${connections} connections,`,
        autocannon: `Node (autocannon, ${connections} connections; neither h2load nor wrk was installed)`,
      }[generator.name]
    } on the same ${cpuCount} CPUs as the reader, the writer and redis-server, so every endpoint also pays for the load generator, which pulls the ratios toward 1.`,
    generator.name === 'h2load'
      ? '- Each run opens its connections and loads them for a warm-up before measuring. A Node server accepts one connection per event-loop iteration (libuv 1.45+, Node 20+); a reader answering from memory runs few, long iterations under load, so without the warm-up most of 400 new connections wait up to seconds in the accept queue and their first requests dominate the p99 (see the README). The Go server accepts in a goroutine of its own.'
      : '- Every run opens its 400 connections at once and the latencies include their first requests. A Node server accepts one connection per event-loop iteration (libuv 1.45+, Node 20+), so under load most of them wait up to seconds in the accept queue, most of all on the endpoints answering from memory: their p99 measures that wait (install h2load, `apt-get install nghttp2-client`, to measure after a warm-up; see the README).',
    '- `/post-redis` sends the JSON it reads without parsing it, over one ioredis connection with',
    '  `enableAutoPipelining` (the GETs of one event-loop turn leave in one write): the cheapest read a',
    '  service without a local tier can do here. One write per GET (what a go-redis pool does) costs',
    '  more reader and redis-server CPU per request, decoding and re-encoding more still; either',
    '  would flatter the ratios.',
    '- The machine is shared (see the load average under Conditions): rounds of one endpoint can',
    '  differ by 2x, and a p99 over 400 connections is mostly time spent waiting for a core. The',
    '  verdicts use medians over rounds.',
    '',
    '## Conditions',
    '',
    ...run.conditions.map(([name, value]) => `- ${name}: ${value}`),
    '',
    '## Rounds',
    '',
    '| round | endpoint | req/s | p50 | p99 | server CPU µs/req | requests | seconds | failed (non-2xx/errors/timeouts) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  run.rounds.forEach((round, index) => {
    for (const endpoint of ENDPOINTS) {
      const r = round[endpoint];
      lines.push(
        `| ${index + 1} | \`${endpoint}\` | ${Math.round(r.requestsPerSecond).toLocaleString('en')} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${(r.serverCpuMicrosPerRequest ?? Number.NaN).toFixed(1)} | ${r.requests} | ${r.seconds} | ${r.failures} (${r.failureKinds}) |`,
      );
    }
  });
  return `${lines.join('\n')}\n`;
}
