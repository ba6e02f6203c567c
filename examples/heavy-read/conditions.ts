import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadGenerator } from './load.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How the benchmark ran, as `describeConditions` reports it. */
export interface RunSettings {
  smoke: boolean;
  rounds: number;
  durationS: number;
  warmUpS: number;
  connections: number;
  threads: number;
  generator: LoadGenerator;
  posts: number;
  rate: number;
  amount: number | undefined;
  zipfSkew: number;
  /** `os.loadavg()` before the run. */
  loadBefore: number[];
  /** The loaded readers' cache counters, one line. */
  readerStats: string;
}

/** The report's conditions: machine, load, Node, commit, servers, load generator, data. */
export function describeConditions(run: RunSettings): Array<[string, string]> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  // Code only: Markdown (this report's previous version, READMEs) does not change what ran.
  const dirty =
    execFileSync('git', ['status', '--porcelain', '--', '.', ':(exclude)*.md'], {
      cwd: root,
      encoding: 'utf8',
    }).trim() !== '';
  const redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' ')[2] ?? '?';
  return [
    [
      'machine',
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}`,
    ],
    [
      'load average (1/5/15 min) before / after',
      `${run.loadBefore.map((v) => v.toFixed(2)).join(' ')} / ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')} (the machine is shared)`,
    ],
    ['Node', process.version],
    ['commit', `${commit}${dirty ? ' (with uncommitted changes)' : ''}`],
    ['redis-server', `${redisVersion}, private, loopback, persistence off`],
    ['load generator', describeLoad(run)],
    [
      'data',
      `${run.posts.toLocaleString('en')} posts of ~1 KB JSON, store TTL 1 h, ids drawn Zipf(${run.zipfSkew}), writer updating ${run.rate} random posts/s throughout`,
    ],
    [
      'library counters of the loaded readers (a store read that fails or times out is a miss: a 404 here)',
      run.readerStats,
    ],
    ['Go reference', 'wrk, 4 threads, 400 connections, 10 s, Apple M3 Pro (11 cores), Go 1.25'],
  ];
}

/** The load generator's line of the conditions. */
function describeLoad(run: RunSettings): string {
  const { name, version } = run.generator;
  const tool = {
    h2load: `h2load nghttp2/${version} (C++, HTTP/1.1), ${run.threads} thread(s)`,
    wrk: `wrk ${version} (C), ${run.threads} thread(s)`,
    autocannon: 'autocannon 9.0.0 (Node; neither h2load nor wrk is installed)',
  }[name];
  const each =
    run.amount !== undefined
      ? `${run.amount} requests`
      : name === 'h2load'
        ? `${run.durationS} s measured after ${run.warmUpS} s of load on the same connections`
        : `${run.durationS} s`;
  const percentiles = {
    h2load:
      "latency percentiles from h2load's per-request log of the measured window (every response); failed = responses other than 2xx (the readers send only 200, 404 and 500), connection errors and timeouts",
    wrk: "latency percentiles from wrk's histogram of every response, the connections' first requests included (they wait to be accepted, see the README); failed = responses above 399 (wrk's \"Non-2xx or 3xx\"; the readers send only 200, 404 and 500), socket errors and 10 s timeouts",
    autocannon: 'latency percentiles from every 2xx response time',
  }[name];
  return `${tool} in its own process on the same ${cpus().length} CPUs as the servers, ${run.connections} connections, ${each} per endpoint per round, ${run.rounds} round(s)${run.smoke ? '' : ' after a 3 s warm-up run each'}; ${percentiles}`;
}
