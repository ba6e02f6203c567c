/**
 * The load generator, a process of its own: h2load (C++, nghttp2's, with `--h1`) when it is
 * installed, else wrk (C, the Go example's own), else autocannon (Node). Either way one run against
 * one endpoint, measured the same way.
 *
 * h2load comes first because it can warm its connections up before measuring. A Node server
 * accepts one connection per event-loop iteration (libuv 1.45+), so a reader answering from
 * memory (few, long iterations under load) leaves most of a run's 400 new connections in the
 * accept queue for up to seconds; wrk counts that wait in their first requests, and it dominated
 * the local endpoints' p99 (see README). h2load opens the connections, loads them for the warm-up
 * time and then measures only what follows.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '@synced-cache/test-servers';
import { runProgram } from './processes.js';

/** What the benchmark asks the load generator to do. */
export interface LoadOptions {
  url: string;
  /** Request paths, replayed in order (a Zipf sample of post ids). */
  paths: string[];
  connections: number;
  /** wrk threads (autocannon has one). */
  threads: number;
  /** Seconds of load; autocannon ignores it when `amount` is set. */
  durationS: number;
  /** autocannon only: a fixed number of requests instead of a duration (the smoke test). */
  amount?: number;
  /** h2load only: seconds of load on the same connections before the measured `durationS`. */
  warmUpS: number;
}

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Seconds the load ran, as the load generator measured it. */
  seconds: number;
  /** CPU µs per request the server side spent: the reader process plus redis-server (bench fills it). */
  serverCpuMicrosPerRequest?: number;
  /** Responses other than 2xx, connection errors and timeouts: a run with any is a miss. */
  failures: number;
  /** `failures` by kind: non-2xx responses / connection errors / timeouts. */
  failureKinds: string;
}

/** Which load generator runs, and its version. */
export interface LoadGenerator {
  name: 'h2load' | 'wrk' | 'autocannon';
  version: string;
}

/** h2load when `h2load` is on the PATH, else wrk when `wrk` is, else autocannon. */
export function loadGenerator(): LoadGenerator {
  const h2load = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  if (h2load.error === undefined && h2load.status === 0) {
    return { name: 'h2load', version: /nghttp2\/(\S+)/.exec(h2load.stdout)?.[1] ?? '?' };
  }
  const wrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (wrk.error === undefined) {
    return { name: 'wrk', version: /^wrk (\S+)/m.exec(wrk.stdout)?.[1] ?? '?' };
  }
  return { name: 'autocannon', version: '9.0.0' };
}

const script = fileURLToPath(new URL('wrk.lua', import.meta.url));

/** One load run with `generator`. */
export async function runLoad(generator: LoadGenerator, options: LoadOptions): Promise<LoadResult> {
  if (generator.name === 'autocannon') {
    return JSON.parse(
      await runProgram('heavy-read/autocannon-load.ts', [JSON.stringify(options)]),
    ) as LoadResult;
  }
  if (generator.name === 'h2load') return runH2load(options);
  const dir = mkdtempSync(join(tmpdir(), 'heavy-read-'));
  try {
    const paths = join(dir, 'paths.txt');
    writeFileSync(paths, `${options.paths.join('\n')}\n`);
    const stdout = await run('wrk', [
      `--threads=${options.threads}`,
      `--connections=${options.connections}`,
      `--duration=${options.durationS}s`,
      // long enough that a slow response is measured in the tail, not dropped as a timeout
      '--timeout=10s',
      `--script=${script}`,
      options.url,
      '--',
      paths,
    ]);
    const line = stdout.split('\n').find((text) => text.startsWith('{"requests"'));
    if (line === undefined) throw new Error(`wrk printed no result:\n${stdout}`);
    const wrk = JSON.parse(line) as Record<
      | 'requests'
      | 'durationMicros'
      | 'p50Micros'
      | 'p99Micros'
      | 'connect'
      | 'read'
      | 'write'
      | 'status'
      | 'timeout',
      number
    >;
    const errors = wrk.connect + wrk.read + wrk.write;
    return {
      requestsPerSecond: wrk.requests / (wrk.durationMicros / 1e6),
      p50Ms: wrk.p50Micros / 1000,
      p99Ms: wrk.p99Micros / 1000,
      requests: wrk.requests,
      seconds: Math.round(wrk.durationMicros / 1e4) / 100,
      failures: wrk.status + errors + wrk.timeout,
      failureKinds: `${wrk.status}/${errors}/${wrk.timeout}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `command` (wrk, h2load) and resolves with its stdout; rejects with its stderr when it fails. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { maxBuffer: 16 * 2 ** 20 }, (error, out, err) =>
      error === null ? resolve(out) : reject(new Error(`${command} failed: ${error}\n${err}`)),
    ),
  );
}

/** One h2load run: warm-up on the connections, then `durationS` measured from its per-request log. */
async function runH2load(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'heavy-read-'));
  try {
    const uris = join(dir, 'uris.txt');
    const log = join(dir, 'requests.log');
    writeFileSync(uris, `${options.paths.map((path) => `${options.url}${path}`).join('\n')}\n`);
    const stdout = await run('h2load', [
      '--h1',
      `--threads=${options.threads}`,
      `--clients=${options.connections}`,
      `--duration=${Math.round(options.durationS * 1000)}ms`,
      `--warm-up-time=${Math.round(options.warmUpS * 1000)}ms`,
      `--input-file=${uris}`,
      `--log-file=${log}`,
    ]);
    return parseH2load(stdout, readFileSync(log, 'utf8'), options.durationS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * h2load's summary and per-request log (start µs, status, µs to the end of the response; status
 * -1 for a failed request) as a {@link LoadResult}. The log holds the measured window only.
 * @throws Error when the summary lacks its request counts.
 */
export function parseH2load(stdout: string, log: string, durationS: number): LoadResult {
  const counts = /requests: (\d+) total, .* (\d+) timeout/.exec(stdout);
  const statuses = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  if (counts === null || statuses === null) throw new Error(`h2load printed no result:\n${stdout}`);
  const total = Number(counts[1]);
  const timeouts = Number(counts[2]);
  const ok = Number(statuses[1]);
  const non2xx = Number(statuses[2]) + Number(statuses[3]) + Number(statuses[4]);
  // a request without a status that did not time out failed on the connection
  const errors = Math.max(0, total - ok - non2xx - timeouts);
  const latencies: number[] = [];
  for (const line of log.split('\n')) {
    const [, status, micros] = line.split('\t');
    if (status !== undefined && status !== '-1' && micros !== undefined)
      latencies.push(Number(micros) / 1000);
  }
  return {
    requestsPerSecond: total / durationS,
    p50Ms: latencies.length === 0 ? Number.NaN : percentile(latencies, 50),
    p99Ms: latencies.length === 0 ? Number.NaN : percentile(latencies, 99),
    requests: total,
    seconds: durationS,
    failures: total - ok,
    failureKinds: `${non2xx}/${errors}/${timeouts}`,
  };
}
