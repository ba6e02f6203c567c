/**
 * The fallback load generator, a process of its own: runs autocannon with the options given as JSON
 * in its first argument and prints one JSON line of results.
 */
import { percentile } from '@synced-cache/test-servers';
import autocannon from 'autocannon';
import type { LoadOptions, LoadResult } from './load.js';

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
