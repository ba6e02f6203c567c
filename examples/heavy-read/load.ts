/**
 * The load generator: wrk (C, the Go example's own) when it is installed, else autocannon (Node) in
 * a process of its own. Either way one run against one endpoint, measured the same way.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  name: 'wrk' | 'autocannon';
  version: string;
}

/** wrk when `wrk` is on the PATH, else autocannon. */
export function loadGenerator(): LoadGenerator {
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
  const dir = mkdtempSync(join(tmpdir(), 'heavy-read-'));
  try {
    const paths = join(dir, 'paths.txt');
    writeFileSync(paths, `${options.paths.join('\n')}\n`);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        'wrk',
        [
          `--threads=${options.threads}`,
          `--connections=${options.connections}`,
          `--duration=${options.durationS}s`,
          // long enough that a slow response is measured in the tail, not dropped as a timeout
          '--timeout=10s',
          `--script=${script}`,
          options.url,
          '--',
          paths,
        ],
        (error, out, err) =>
          error === null ? resolve(out) : reject(new Error(`wrk failed: ${error}\n${err}`)),
      ),
    );
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
