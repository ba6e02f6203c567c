/**
 * Marshallers side by side in one run: `@synced-cache/json` against `JSON.stringify`/`JSON.parse`
 * and `@synced-cache/msgpack` against raw msgpackr (plain msgpack, `useRecords: false`, the format
 * ours writes by default), on small, medium and large plain objects. Encode, decode and the round
 * trip are timed separately; encoded sizes are listed too. Writes docs/benchmarks/marshallers.md.
 *
 *   pnpm --filter @synced-cache/bench bench marshal      (or: npx tsx src/marshal.ts)
 *
 * Goals (round trip, plain data): json costs at most 1.5x `JSON.stringify` + `JSON.parse`;
 * msgpack has at least 0.8x the throughput of raw msgpackr.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Marshaller } from '@synced-cache/core';
import { createJsonMarshaller } from '@synced-cache/json';
import { createMsgpackMarshaller } from '@synced-cache/msgpack';
import { Packr, Unpackr } from 'msgpackr';
import { consume } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Measured rounds per candidate and operation (alternating between candidates). */
const ROUNDS = 31;
const WARMUP_ROUNDS = 3;

function user(index: number): Record<string, unknown> {
  return {
    id: index,
    name: `User ${index}`,
    email: `user${index}@example.com`,
    active: index % 3 !== 0,
    score: index * 1.25,
    roles: index % 2 === 0 ? ['reader', 'author'] : ['reader'],
    address: { street: `${index} Main Street`, city: 'Springfield', zip: `${10000 + index}` },
    lastLogin: '2024-05-01T12:00:00.000Z',
  };
}

/** Plain data of three sizes (JSON-compatible, so every candidate encodes it faithfully). */
const DATASETS: Array<{ name: string; value: unknown; ops: number }> = [
  { name: 'small', value: user(1), ops: 5_000 },
  {
    name: 'medium',
    value: { page: 1, total: 25, users: Array.from({ length: 25 }, (_, i) => user(i)) },
    ops: 300,
  },
  {
    name: 'large',
    value: { page: 1, total: 1000, users: Array.from({ length: 1000 }, (_, i) => user(i)) },
    ops: 8,
  },
];

interface Codec {
  name: string;
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Uint8Array | string): unknown;
}

const textDecoder = new TextDecoder();
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

function fromMarshaller(name: string, marshaller: Marshaller<unknown>): Codec {
  return {
    name,
    encode: (value) => marshaller.encode(value),
    decode: (bytes) => marshaller.decode(bytes as Uint8Array),
  };
}

const JSON_STRING = 'JSON.stringify / JSON.parse (string)';
const JSON_BYTES = 'JSON.stringify / JSON.parse + UTF-8 bytes';
const OURS_JSON = '@synced-cache/json';
const RAW_MSGPACKR = 'msgpackr pack / unpack (useRecords: false)';
const OURS_MSGPACK = '@synced-cache/msgpack';

// Each marshaller runs right after its baseline, so paired ratios compare neighbours in time.
const CODECS: Codec[] = [
  {
    name: JSON_STRING,
    encode: (value) => JSON.stringify(value),
    decode: (text) => JSON.parse(text as string),
  },
  fromMarshaller(OURS_JSON, createJsonMarshaller()),
  {
    name: JSON_BYTES,
    encode: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
    decode: (bytes) => JSON.parse(textDecoder.decode(bytes as Uint8Array)),
  },
  {
    name: RAW_MSGPACKR,
    encode: (value) => packr.pack(value),
    decode: (bytes) => unpackr.unpack(bytes as Uint8Array),
  },
  fromMarshaller(OURS_MSGPACK, createMsgpackMarshaller()),
];

type Operation = 'encode' | 'decode' | 'round trip';
const OPERATIONS: readonly Operation[] = ['encode', 'decode', 'round trip'];

function runner(codec: Codec, operation: Operation, value: unknown): (ops: number) => void {
  const encoded = codec.encode(value);
  if (operation === 'encode') {
    return (ops) => {
      for (let i = 0; i < ops; i++) consume(codec.encode(value));
    };
  }
  if (operation === 'decode') {
    return (ops) => {
      for (let i = 0; i < ops; i++) consume(codec.decode(encoded));
    };
  }
  return (ops) => {
    for (let i = 0; i < ops; i++) consume(codec.decode(codec.encode(value)));
  };
}

/** ns/op of one candidate: the median round, the best round, and every round in order. */
interface Timing {
  median: number;
  best: number;
  rounds: number[];
}

/**
 * Like the shared harness (alternating rounds, so load from a shared machine hits every
 * candidate alike), but keeps every round: ratios are taken round by round between candidates
 * that ran back to back, which cancels most of the load of a busy machine.
 */
function measure(operation: Operation, value: unknown, ops: number): Map<string, Timing> {
  const runs = CODECS.map((codec) => ({ name: codec.name, run: runner(codec, operation, value) }));
  const samples = new Map<string, number[]>(runs.map((candidate) => [candidate.name, []]));
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    for (const candidate of runs) {
      const start = process.hrtime.bigint();
      candidate.run(ops);
      const elapsed = Number(process.hrtime.bigint() - start) / ops;
      if (round >= WARMUP_ROUNDS) samples.get(candidate.name)?.push(elapsed);
    }
  }
  const timings = new Map<string, Timing>();
  for (const [name, rounds] of samples) {
    const sorted = [...rounds].sort((left, right) => left - right);
    timings.set(name, {
      median: sorted[Math.floor(sorted.length / 2)] as number,
      best: sorted[0] as number,
      rounds,
    });
  }
  return timings;
}

/** Median over rounds of `numerator / denominator`, each pair measured in the same round. */
function pairedRatio(numerator: Timing | undefined, denominator: Timing | undefined): number {
  if (numerator === undefined || denominator === undefined) return Number.NaN;
  const ratios = numerator.rounds.map((time, round) => time / (denominator.rounds[round] as number));
  ratios.sort((left, right) => left - right);
  return ratios[Math.floor(ratios.length / 2)] as number;
}

function byteSize(encoded: Uint8Array | string): number {
  return typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US');
const ratio = (value: number): string => `${value.toFixed(2)}x`;

/** Runs the comparison and writes docs/benchmarks/marshallers.md; returns the Markdown. */
export async function main(): Promise<string> {
  const sections: string[] = [];
  const goals: string[] = [
    '| dataset | json cost / (JSON.stringify + JSON.parse) | goal ≤ 1.50x | json cost / (JSON + UTF-8 bytes) | msgpack throughput / raw msgpackr | goal ≥ 0.80x |',
    '|---|---:|:---:|---:|---:|:---:|',
  ];
  for (const dataset of DATASETS) {
    const timings = new Map<Operation, Map<string, Timing>>();
    for (const operation of OPERATIONS)
      timings.set(operation, measure(operation, dataset.value, dataset.ops));
    const time = (operation: Operation, name: string, kind: 'best' | 'median'): number =>
      timings.get(operation)?.get(name)?.[kind] ?? Number.NaN;
    const lines = [
      `### ${dataset.name} (${format(byteSize(JSON.stringify(dataset.value)))} bytes of JSON)`,
      '',
      'ns/op, best round (median round in parentheses):',
      '',
      '| candidate | encode | decode | round trip | round trips/s (best) | encoded bytes |',
      '|---|---:|---:|---:|---:|---:|',
    ];
    for (const codec of CODECS) {
      const cells = OPERATIONS.map(
        (operation) =>
          `${format(time(operation, codec.name, 'best'))} (${format(time(operation, codec.name, 'median'))})`,
      );
      lines.push(
        `| ${codec.name} | ${cells.join(' | ')} | ${format(1e9 / time('round trip', codec.name, 'best'))} | ${format(byteSize(codec.encode(dataset.value)))} |`,
      );
    }
    const paired = (operation: Operation, numerator: string, denominator: string): number =>
      pairedRatio(timings.get(operation)?.get(numerator), timings.get(operation)?.get(denominator));
    // json: cost relative to the baseline; msgpack: throughput relative to raw msgpackr.
    const jsonCost = (operation: Operation, baseline: string) => paired(operation, OURS_JSON, baseline);
    const msgpackThroughput = (operation: Operation) => paired(operation, RAW_MSGPACKR, OURS_MSGPACK);
    lines.push(
      '',
      `Paired ratios: json encode ${ratio(jsonCost('encode', JSON_STRING))} the cost of JSON.stringify, ` +
        `decode ${ratio(jsonCost('decode', JSON_STRING))} the cost of JSON.parse ` +
        `(${ratio(jsonCost('encode', JSON_BYTES))} and ${ratio(jsonCost('decode', JSON_BYTES))} against JSON + UTF-8 bytes); ` +
        `msgpack encode ${ratio(msgpackThroughput('encode'))} and decode ${ratio(msgpackThroughput('decode'))} ` +
        'the throughput of raw msgpackr.',
    );
    const jsonRatio = jsonCost('round trip', JSON_STRING);
    const msgpackRatio = msgpackThroughput('round trip');
    goals.push(
      `| ${dataset.name} | ${ratio(jsonRatio)} | ${jsonRatio <= 1.5 ? 'met' : 'not met'} | ${ratio(jsonCost('round trip', JSON_BYTES))} | ${ratio(msgpackRatio)} | ${msgpackRatio >= 0.8 ? 'met' : 'not met'} |`,
    );
    sections.push(lines.join('\n'));
    console.error(`marshal: ${dataset.name} done`);
  }
  const markdown = [
    '# Marshallers',
    '',
    `Generated by \`apps/bench/src/marshal.ts\` on ${new Date().toISOString()} (Node ${process.version}, ${process.arch}, load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs).`,
    `All candidates run in one process, in alternating rounds (${ROUNDS} measured after ${WARMUP_ROUNDS} warm-up rounds).`,
    "The machine is shared and loaded: ratios are the median over rounds of the ratio between two candidates measured in the same round (paired), which cancels most of the load; the tables show each candidate's best round with its median round in parentheses.",
    'Data is plain (JSON-compatible): user records with strings, numbers, booleans, arrays and nested objects.',
    'The raw msgpackr baseline writes plain msgpack (`useRecords: false`), the format `@synced-cache/msgpack` writes by default.',
    'Both marshallers also validate the value (cycles, functions, classes, limits) on encode and the bytes (framing, limits, prototype-safe keys) on decode.',
    'A marshaller works on bytes, so `@synced-cache/json` pays for the UTF-8 conversion that the string-only JSON baseline does not;',
    'the "JSON + UTF-8 bytes" baseline (`Buffer.from`/`TextDecoder` around JSON) shows that share.',
    '',
    '## Goals (round trip, paired ratios)',
    '',
    ...goals,
    '',
    '## Results',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
  writeFileSync(join(root, 'docs', 'benchmarks', 'marshallers.md'), markdown);
  return markdown;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await main());
}
