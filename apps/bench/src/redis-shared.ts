/**
 * What the Redis benchmarks (`redis-ioredis.ts`, `redis-node-redis.ts`) share: the workload, the
 * local tier that admits nothing, the concurrency and latency drivers, the raw-client candidates
 * both compare against, the Markdown ratio table and the report writer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalCache, LocalCacheMetrics } from '@synced-cache/core';
import { type Candidate, consume, interleaved, type Result, type Step } from './harness.js';

export const KEY_COUNT = 1024;
export const MASK = KEY_COUNT - 1;
export const VALUE = { id: 1, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true };
export const VALUE_JSON = JSON.stringify(VALUE);
export const CONCURRENCY = 32;
export const PROPAGATION_SAMPLES = 5000;
/**
 * Warm-up samples per propagation path before timing. The receiving pod joins for this part, and
 * its event path needs a few thousand calls before V8 has optimized it: with 200 warm-up samples
 * the first 5,000 timed samples had a p99 0.2–0.4 ms above later ones.
 */
export const PROPAGATION_WARMUP = 2000;
/** Interleaved one-at-a-time remote gets per candidate. */
export const GET_SAMPLES = 20_000;

/** The commands of a raw client (ioredis or node-redis) that the raw candidates use. */
export interface RawClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
}

/** A local tier that admits nothing, so every `get` goes to Redis (the remote-get path). */
export function missingLocalCache(): LocalCache<unknown> {
  let misses = 0;
  return {
    get() {
      misses++;
      return undefined;
    },
    set: () => false,
    delete: () => false,
    clear() {},
    size: 0,
    metrics: (): LocalCacheMetrics => ({
      hits: 0,
      misses,
      sets: 0,
      evictions: 0,
      rejections: 0,
      size: 0,
      cost: 0,
    }),
    close() {},
  };
}

/** Runs `ops` calls of `call`, `CONCURRENCY` at a time. */
export async function concurrently(ops: number, call: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ops) consume(await call(next++));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

export interface Latency {
  p50: number;
  p99: number;
}

/**
 * Measures one-at-a-time round trips of several paths side by side ({@link interleaved}, after
 * {@link PROPAGATION_WARMUP} warm-up samples of each), in milliseconds. `once` resolves when the
 * message arrived.
 */
export async function latencies<Name extends string>(
  samples: number,
  paths: Record<Name, (index: number) => Promise<void>>,
): Promise<Record<Name, Latency>> {
  const names = Object.keys(paths) as Name[];
  const results = await interleaved(
    names.map((name) => ({ name, once: paths[name] })),
    { samples, warmupSamples: PROPAGATION_WARMUP },
  );
  const byName = {} as Record<Name, Latency>;
  for (const [index, name] of names.entries()) {
    const result = results[index]!;
    byName[name] = { p50: result.p50Ns! / 1e6, p99: result.p99Ns! / 1e6 };
  }
  return byName;
}

/**
 * One timed message in flight at a time: every receiving handler calls `arrived`, and
 * `path(send)` is a sample for {@link latencies} that sends and waits until a handler saw it.
 */
export class Arrivals {
  private pending: (() => void) | undefined;
  /** For the receiving handlers. */
  readonly arrived = (): void => this.pending?.();

  path(send: (index: number) => Promise<unknown>): (index: number) => Promise<void> {
    return async (index) => {
      const { wait, fire } = arrival();
      this.pending = fire;
      await send(index);
      await wait;
    };
  }

  /** Late messages after the last sample arrive nowhere. */
  stop(): void {
    this.pending = undefined;
  }
}

/** A promise that resolves when `fire` is called, failing after 2 s. */
export function arrival(): { wait: Promise<void>; fire: () => void } {
  let fire!: () => void;
  let timer: NodeJS.Timeout;
  const wait = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('message not received within 2 s')), 2000);
    fire = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { wait, fire };
}

/** One call in flight: raw `GET`, and raw `GET` + `JSON.parse`. */
export function rawGetSequential(raw: RawClient, rawKeys: string[]): Step[] {
  return [
    { name: 'raw client.get', once: (i) => raw.get(rawKeys[i & MASK]!) },
    {
      name: 'raw client.get + JSON.parse',
      once: async (i) => JSON.parse((await raw.get(rawKeys[i & MASK]!))!),
    },
  ];
}

/** `CONCURRENCY` calls in flight: raw `GET`, and raw `GET` + `JSON.parse`. */
export function rawGetConcurrent(raw: RawClient, rawKeys: string[]): Candidate[] {
  return [
    { name: 'raw client.get', run: (ops) => concurrently(ops, (i) => raw.get(rawKeys[i & MASK]!)) },
    {
      name: 'raw client.get + JSON.parse',
      run: (ops) => concurrently(ops, async (i) => JSON.parse((await raw.get(rawKeys[i & MASK]!))!)),
    },
  ];
}

/** One call in flight: raw `SET` then `PUBLISH`, both awaited and with the publish not awaited. */
export function rawSetSequential(raw: RawClient, rawKeys: string[], channel: string): Candidate[] {
  return [
    {
      name: 'raw SET then PUBLISH (both awaited)',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) {
          await raw.set(rawKeys[i & MASK]!, JSON.stringify(VALUE));
          await raw.publish(channel, VALUE_JSON);
        }
      },
    },
    {
      name: 'raw SET awaited + PUBLISH not awaited',
      run: async (ops) => {
        for (let i = 0; i < ops; i++) {
          await raw.set(rawKeys[i & MASK]!, JSON.stringify(VALUE));
          void raw.publish(channel, VALUE_JSON);
        }
      },
    },
  ];
}

/** `CONCURRENCY` calls in flight: raw `SET` then `PUBLISH`, both awaited and with the publish not awaited. */
export function rawSetConcurrent(raw: RawClient, rawKeys: string[], channel: string): Candidate[] {
  return [
    {
      name: 'raw SET then PUBLISH (both awaited)',
      run: (ops) =>
        concurrently(ops, async (i) => {
          await raw.set(rawKeys[i & MASK]!, JSON.stringify(VALUE));
          await raw.publish(channel, VALUE_JSON);
        }),
    },
    {
      name: 'raw SET awaited + PUBLISH not awaited',
      run: (ops) =>
        concurrently(ops, async (i) => {
          await raw.set(rawKeys[i & MASK]!, JSON.stringify(VALUE));
          void raw.publish(channel, VALUE_JSON);
        }),
    },
  ];
}

/** How many times longer the candidate `name` took per op than `baseline`. */
export function ratio(results: Result[], name: string, baseline: string): number {
  return results.find((r) => r.name === name)!.nsPerOp / results.find((r) => r.name === baseline)!.nsPerOp;
}

/** Like {@link ratio}, for the medians of {@link interleaved} results. */
export function medianRatio(results: Result[], name: string, baseline: string): number {
  return results.find((r) => r.name === name)!.p50Ns! / results.find((r) => r.name === baseline)!.p50Ns!;
}

export function ratioTable(results: Result[], baseline: string, note: string): string {
  const base = results.find((result) => result.name === baseline)!;
  const micros = (ns: number) => (ns / 1000).toFixed(1);
  // Results of `interleaved` also have a median per call.
  const medians = base.p50Ns !== undefined;
  const lines = [
    medians
      ? `| candidate | mean µs/op | ops/s | time vs ${baseline} | median µs | median vs ${baseline} |`
      : `| candidate | µs/op | ops/s | time vs ${baseline} |`,
    medians ? '|---|---:|---:|---:|---:|---:|' : '|---|---:|---:|---:|',
    ...results.map((result) => {
      const row = `| ${result.name} | ${micros(result.nsPerOp)} | ${Math.round(result.opsPerSec).toLocaleString('en-US')} | ${(result.nsPerOp / base.nsPerOp).toFixed(2)}x |`;
      return medians
        ? `${row} ${micros(result.p50Ns!)} | ${(result.p50Ns! / base.p50Ns!).toFixed(2)}x |`
        : row;
    }),
  ];
  return `${lines.join('\n')}\n\n${note}`;
}

/** The `redis_version` of the server behind `client`. */
export async function serverVersion(client: { info(section: string): Promise<unknown> }): Promise<string> {
  const info = String(await client.info('server'));
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

/** Writes the report as docs/benchmarks/`fileName`, next to the other benchmark reports. */
export function writeBenchmarkReport(fileName: string, markdown: string): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const path = join(root, 'docs', 'benchmarks', fileName);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, markdown);
  return path;
}
