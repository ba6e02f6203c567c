/**
 * The heavy-read benchmark: a private redis-server, one writer, a reader per endpoint (the three
 * lessons and the `/static` ceiling) and a load generator
 * (h2load when installed, else wrk, else autocannon), each its own process; writes
 * docs/benchmarks/heavy-read.md.
 *
 *   npx -y pnpm@10.34.8 --filter @synced-cache/examples heavy-read            # the full run
 *   npx tsx heavy-read/bench.ts --smoke                                      # about 1 s per endpoint
 *
 * Options: --rounds 5, --duration 10 (s per endpoint per round), --warm-up 5 (h2load's, s on the
 * run's connections before it measures), --connections 400, --threads 1 (h2load's or wrk's),
 * --posts 10000, --rate 50 (writer updates/s), --out <file> (the smoke run writes no
 * report unless given).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { zipfIndexes } from '../shared/zipf.js';
import { describeConditions } from './conditions.js';
import { type LoadOptions, type LoadResult, loadGenerator, runLoad } from './load.js';
import { type Program, startProgram } from './processes.js';
import { ENDPOINTS, type Endpoint, type Run, ratios, renderReport, summary } from './report.js';

const argv = process.argv.slice(2);
const { values } = parseArgs({
  // `pnpm heavy-read -- --out x` passes the `--` on
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    'warm-up': { type: 'string' },
    connections: { type: 'string' },
    threads: { type: 'string' },
    posts: { type: 'string' },
    rate: { type: 'string' },
    out: { type: 'string' },
  },
});
const smoke = values.smoke;
const generator = loadGenerator();
const settings = {
  // Five rounds: on this shared 2-core machine one round of an endpoint can differ from the next by 2x.
  rounds: Number(values.rounds ?? (smoke ? 1 : 5)),
  durationS: Number(values.duration ?? (smoke ? 1 : 10)),
  /**
   * h2load's warm-up on a run's own connections before it measures: long enough for a loaded reader
   * to accept all of them (a reader serving from memory took up to 3 s for 400).
   */
  warmUpS: Number(values['warm-up'] ?? (smoke ? 0.5 : 5)),
  // The Go example's 400 connections, from one wrk thread: the machine has 2 cores for everything.
  connections: Number(values.connections ?? (smoke ? 8 : 400)),
  threads: Number(values.threads ?? 1),
  posts: Number(values.posts ?? (smoke ? 500 : 10_000)),
  rate: Number(values.rate ?? 50),
  /** autocannon's smoke run sends a fixed number of requests per endpoint instead of a duration. */
  amount: smoke && generator.name === 'autocannon' ? 300 : undefined,
  zipfSkew: 0.99,
};
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = values.out ?? (smoke ? undefined : join(root, 'docs', 'benchmarks', 'heavy-read.md'));

const loadBefore = loadavg();
const redis = await startRedis();
const programs: Program[] = [];
try {
  const env = { REDIS_URL: redis.url, POSTS: String(settings.posts), RATE: String(settings.rate) };
  programs.push(await startProgram('heavy-read/writer.ts', env, 'seeded'));
  const readers = {} as Record<Endpoint, string>;
  for (const [index, endpoint] of ENDPOINTS.entries()) {
    const port = await freePort();
    programs.push(
      await startProgram(
        'heavy-read/reader.ts',
        { ...env, PORT: String(port), POD_NAME: `reader-${index}` },
        'ready',
      ),
    );
    readers[endpoint] = `http://127.0.0.1:${port}`;
  }

  const monitor = new Redis(redis.url);
  /** CPU µs the reader serving `endpoint` and redis-server used so far, and the requests it answered. */
  const serverCpu = async (endpoint: Endpoint): Promise<{ micros: number; requests: number }> => {
    const reader = (await (await fetch(`${readers[endpoint]}/cpu`)).json()) as {
      cpuMicros: number;
      requests: number;
    };
    const info = await monitor.info('cpu');
    const seconds = ['used_cpu_sys', 'used_cpu_user'].map((name) =>
      Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1]),
    );
    return {
      micros: reader.cpuMicros + (seconds[0] ?? 0) * 1e6 + (seconds[1] ?? 0) * 1e6,
      requests: reader.requests,
    };
  };

  const ids = zipfIndexes(settings.posts, 5000, settings.zipfSkew, 7);
  const load = async (endpoint: Endpoint, durationS: number): Promise<LoadResult> => {
    const options: LoadOptions = {
      url: readers[endpoint],
      paths: ids.map((id) => `${endpoint}?id=${id}`),
      connections: settings.connections,
      threads: settings.threads,
      durationS,
      warmUpS: settings.warmUpS,
      ...(settings.amount === undefined ? {} : { amount: settings.amount }),
    };
    const before = await serverCpu(endpoint);
    const result = await runLoad(generator, options);
    const after = await serverCpu(endpoint);
    // over every request the reader answered in the run, h2load's warm-up included
    result.serverCpuMicrosPerRequest = (after.micros - before.micros) / (after.requests - before.requests);
    return result;
  };

  // Warm-up (not counted): JIT, connections, and the readers' local tiers.
  if (!smoke) for (const endpoint of ENDPOINTS) await load(endpoint, 3);

  const run: Run = {
    rounds: [],
    delays: [],
    conditions: [],
    load: { generator, threads: settings.threads, connections: settings.connections },
  };
  for (let round = 0; round < settings.rounds; round++) {
    const order = ENDPOINTS.map((_, i) => ENDPOINTS[(i + round) % ENDPOINTS.length] as Endpoint);
    const results = {} as Record<Endpoint, LoadResult>;
    for (const endpoint of order) {
      results[endpoint] = await load(endpoint, settings.durationS);
      const r = results[endpoint];
      console.log(
        `round ${round + 1} ${endpoint}: rps=${Math.round(r.requestsPerSecond)} p50=${r.p50Ms} p99=${r.p99Ms} requests=${r.requests} seconds=${r.seconds} serverCpuMicros=${r.serverCpuMicrosPerRequest?.toFixed(1)} failures=${r.failures} (${r.failureKinds})`,
      );
    }
    run.rounds.push(results);
  }
  monitor.disconnect();
  const readerStats: string[] = [];
  for (const endpoint of ['/post-marshal', '/post'] as const) {
    const stats = (await (await fetch(`${readers[endpoint]}/stats`)).json()) as Record<
      string,
      Record<string, number>
    >;
    const cache = stats[endpoint === '/post' ? 'bytes' : 'objects'] ?? {};
    readerStats.push(
      `${endpoint}: ${Object.entries(cache)
        .map(([name, value]) => `${name} ${value}`)
        .join(', ')}`,
    );
  }
  for (const base of Object.values(readers)) {
    run.delays.push(...((await (await fetch(`${base}/propagation`)).json()) as number[]));
  }

  run.conditions = describeConditions({
    ...settings,
    generator,
    smoke,
    loadBefore,
    readerStats: readerStats.join('; '),
  });
  const report = renderReport(
    run,
    smoke
      ? 'npx tsx heavy-read/bench.ts --smoke'
      : 'npx -y pnpm@10.34.8 --filter @synced-cache/examples heavy-read',
  );
  const { rps, p99, ceilingRps, ceilingP99 } = ratios(run);
  console.log(
    `ratios: rps=${rps.toFixed(3)} p99=${p99.toFixed(3)} ceilingRps=${ceilingRps.toFixed(3)} ceilingP99=${ceilingP99.toFixed(3)} propagationSamples=${run.delays.length}`,
  );
  console.log(`failures=${ENDPOINTS.reduce((sum, e) => sum + summary(run, e).failures, 0)}`);
  if (out !== undefined) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `<!-- generated by examples/heavy-read/bench.ts on ${new Date().toISOString()} -->\n\n${report}`,
    );
    console.log(`wrote ${out}`);
  } else console.log(report);
} finally {
  for (const program of programs.reverse()) await program.stop();
  await redis.stop();
}
