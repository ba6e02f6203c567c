/**
 * The load generator, a process of its own: runs autocannon with the options given as JSON in its
 * first argument and prints one JSON line of results.
 */
import { percentile } from '@synced-cache/test-servers';
import autocannon from 'autocannon';

/** What the benchmark asks the load generator to do. */
export interface LoadOptions {
  url: string;
  /** Request paths, replayed in order by every connection (a Zipf sample of post ids). */
  paths: string[];
  connections: number;
  /** Seconds of load; ignored when `amount` is set. */
  durationS: number;
  /** A fixed number of requests instead of a duration (the smoke test). */
  amount?: number;
}

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Seconds the load ran, as autocannon measured it. */
  seconds: number;
  /** CPU µs per request the server side spent: the reader process plus redis-server (bench fills it). */
  serverCpuMicrosPerRequest?: number;
  /** Responses other than 2xx, connection errors and timeouts: a run with any is a miss. */
  failures: number;
  /** `failures` by kind: non-2xx responses / connection errors / timeouts. */
  failureKinds: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const tracker = autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationS,
  ...(options.amount === undefined ? {} : { amount: options.amount }),
  requests: options.paths.map((path) => ({ method: 'GET', path })),
});
// autocannon's own histogram keeps whole milliseconds; its per-response times are exact.
const latencies: number[] = [];
tracker.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
  if (statusCode === 200) latencies.push(responseTimeMs);
});
const result = await tracker;
const measured: LoadResult = {
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  requests: result.requests.total,
  seconds: result.duration,
  failures: result.non2xx + result.errors + result.timeouts,
  failureKinds: `${result.non2xx}/${result.errors}/${result.timeouts}`,
};
console.log(JSON.stringify(measured));
