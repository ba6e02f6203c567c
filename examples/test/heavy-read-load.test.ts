import { describe, expect, it } from 'vitest';
import { parseH2load } from '../heavy-read/load.js';

// What h2load 1.52 prints after a run (the lines parseH2load reads, with their neighbours).
const summary = (done: string, codes: string) => `finished in 8.03s, 25031.50 req/s, 26.71MB/s
requests: ${done}
status codes: ${codes}
traffic: 213.76MB (224140908) total, 20.34MB (21326838) headers (space savings 0.00%), 190.69MB (199951400) data
time for request:     3.39ms       2.50s     16.42ms     33.40ms    99.98%
`;

describe('parseH2load', () => {
  it('takes req/s from the measured duration and the percentiles from the per-request log', () => {
    const log = Array.from({ length: 100 }, (_, i) => `1796394299101991\t200\t${(i + 1) * 1000}`).join('\n');
    const result = parseH2load(
      summary(
        '100 total, 100 started, 100 done, 100 succeeded, 0 failed, 0 errored, 0 timeout',
        '100 2xx, 0 3xx, 0 4xx, 0 5xx',
      ),
      `${log}\n`,
      4,
    );
    expect(result).toMatchObject({ requestsPerSecond: 25, requests: 100, seconds: 4, failures: 0 });
    expect(result.p50Ms).toBe(50);
    expect(result.p99Ms).toBe(99);
    expect(result.failureKinds).toBe('0/0/0');
  });

  it('counts every request without a 2xx as failed, by kind, and leaves failed rows out of the latencies', () => {
    const log = ['1\t200\t2000', '2\t404\t3000', '3\t-1\t900000', '4\t200\t4000'].join('\n');
    const result = parseH2load(
      summary(
        '10 total, 10 started, 10 done, 6 succeeded, 4 failed, 2 errored, 1 timeout',
        '6 2xx, 0 3xx, 1 4xx, 0 5xx',
      ),
      log,
      1,
    );
    // 1 non-2xx, 1 timeout, and 2 requests with no status that did not time out
    expect(result.failures).toBe(4);
    expect(result.failureKinds).toBe('1/2/1');
    expect(result.p99Ms).toBe(4);
  });

  it('rejects output without a summary', () => {
    expect(() => parseH2load('connect failed\n', '', 1)).toThrow(/h2load printed no result/);
  });
});
