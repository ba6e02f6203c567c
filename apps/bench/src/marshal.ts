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
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Marshaller } from '@synced-cache/core';
import { createJsonMarshaller } from '@synced-cache/json';
import { createMsgpackMarshaller } from '@synced-cache/msgpack';
import { Packr, Unpackr } from 'msgpackr';
import { type Candidate, compare, consume, type Result } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Alternating rounds per measurement; the median is reported. */
const ROUNDS = 15;

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
  { name: 'small', value: user(1), ops: 20_000 },
  {
    name: 'medium',
    value: { page: 1, total: 25, users: Array.from({ length: 25 }, (_, i) => user(i)) },
    ops: 1_000,
  },
  {
    name: 'large',
    value: { page: 1, total: 1000, users: Array.from({ length: 1000 }, (_, i) => user(i)) },
    ops: 25,
  },
];

interface Codec {
  name: string;
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Uint8Array | string): unknown;
}

const textEncoder = new TextEncoder();
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

const CODECS: Codec[] = [
  {
    name: JSON_STRING,
    encode: (value) => JSON.stringify(value),
    decode: (text) => JSON.parse(text as string),
  },
  {
    name: JSON_BYTES,
    encode: (value) => textEncoder.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(textDecoder.decode(bytes as Uint8Array)),
  },
  fromMarshaller(OURS_JSON, createJsonMarshaller()),
  {
    name: RAW_MSGPACKR,
    encode: (value) => packr.pack(value),
    decode: (bytes) => unpackr.unpack(bytes as Uint8Array),
  },
  fromMarshaller(OURS_MSGPACK, createMsgpackMarshaller()),
];

type Operation = 'encode' | 'decode' | 'round trip';

function candidates(operation: Operation, value: unknown): Candidate[] {
  return CODECS.map((codec) => {
    const encoded = codec.encode(value);
    const run =
      operation === 'encode'
        ? (ops: number) => {
            for (let i = 0; i < ops; i++) consume(codec.encode(value));
          }
        : operation === 'decode'
          ? (ops: number) => {
              for (let i = 0; i < ops; i++) consume(codec.decode(encoded));
            }
          : (ops: number) => {
              for (let i = 0; i < ops; i++) consume(codec.decode(codec.encode(value)));
            };
    return { name: codec.name, run };
  });
}

function byteSize(encoded: Uint8Array | string): number {
  return typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
}

function cost(results: Result[], name: string): number {
  const found = results.find((result) => result.name === name);
  if (found === undefined) throw new Error(`no result for ${name}`);
  return found.nsPerOp;
}

/** Runs the comparison and writes docs/benchmarks/marshallers.md; returns the Markdown. */
export async function main(): Promise<string> {
  const sections: string[] = [];
  const goals: string[] = [
    '| dataset | json cost / (JSON.stringify + JSON.parse) | goal ≤ 1.50x | json cost / (same + UTF-8 bytes) | msgpack throughput / raw msgpackr | goal ≥ 0.80x |',
    '|---|---:|:---:|---:|---:|:---:|',
  ];
  for (const dataset of DATASETS) {
    const sizes = CODECS.map(
      (codec) => `| ${codec.name} | ${byteSize(codec.encode(dataset.value)).toLocaleString('en-US')} |`,
    );
    const lines = [
      `### ${dataset.name} (${byteSize(JSON.stringify(dataset.value)).toLocaleString('en-US')} bytes of JSON)`,
      '',
      '| candidate | encode ns/op | decode ns/op | round trip ns/op | round trip ops/s |',
      '|---|---:|---:|---:|---:|',
    ];
    const byOperation = new Map<Operation, Result[]>();
    for (const operation of ['encode', 'decode', 'round trip'] as const) {
      byOperation.set(
        operation,
        await compare(candidates(operation, dataset.value), {
          ops: dataset.ops,
          rounds: ROUNDS,
          warmupRounds: 3,
        }),
      );
    }
    for (const codec of CODECS) {
      const encode = cost(byOperation.get('encode') as Result[], codec.name);
      const decode = cost(byOperation.get('decode') as Result[], codec.name);
      const roundTrip = cost(byOperation.get('round trip') as Result[], codec.name);
      lines.push(
        `| ${codec.name} | ${encode.toFixed(0)} | ${decode.toFixed(0)} | ${roundTrip.toFixed(0)} | ${Math.round(1e9 / roundTrip).toLocaleString('en-US')} |`,
      );
    }
    lines.push('', '| candidate | encoded bytes |', '|---|---:|', ...sizes);
    const roundTrips = byOperation.get('round trip') as Result[];
    const jsonRatio = cost(roundTrips, OURS_JSON) / cost(roundTrips, JSON_STRING);
    const jsonBytesRatio = cost(roundTrips, OURS_JSON) / cost(roundTrips, JSON_BYTES);
    const msgpackRatio = cost(roundTrips, RAW_MSGPACKR) / cost(roundTrips, OURS_MSGPACK);
    const encodes = byOperation.get('encode') as Result[];
    const decodes = byOperation.get('decode') as Result[];
    lines.push(
      '',
      `Ratios: json encode ${(cost(encodes, OURS_JSON) / cost(encodes, JSON_STRING)).toFixed(2)}x the cost of JSON.stringify, ` +
        `decode ${(cost(decodes, OURS_JSON) / cost(decodes, JSON_STRING)).toFixed(2)}x the cost of JSON.parse; ` +
        `msgpack encode ${(cost(encodes, RAW_MSGPACKR) / cost(encodes, OURS_MSGPACK)).toFixed(2)}x and ` +
        `decode ${(cost(decodes, RAW_MSGPACKR) / cost(decodes, OURS_MSGPACK)).toFixed(2)}x the throughput of raw msgpackr.`,
    );
    goals.push(
      `| ${dataset.name} | ${jsonRatio.toFixed(2)}x | ${jsonRatio <= 1.5 ? 'met' : 'not met'} | ${jsonBytesRatio.toFixed(2)}x | ${msgpackRatio.toFixed(2)}x | ${msgpackRatio >= 0.8 ? 'met' : 'not met'} |`,
    );
    sections.push(lines.join('\n'));
    console.error(`marshal: ${dataset.name} done`);
  }
  const markdown = [
    '# Marshallers',
    '',
    `Generated by \`apps/bench/src/marshal.ts\` on ${new Date().toISOString()} (Node ${process.version}, ${process.arch}).`,
    `All candidates run in one process, in alternating rounds; each number is the median of ${ROUNDS} rounds after 3 warm-up rounds.`,
    'The machine is shared, so compare ratios within this run rather than absolute numbers across runs.',
    'Data is plain (JSON-compatible): user records with strings, numbers, booleans, arrays and nested objects.',
    'The raw msgpackr baseline writes plain msgpack (`useRecords: false`), the format `@synced-cache/msgpack` writes by default;',
    'Both marshallers also validate the value (cycles, functions, classes, limits) on encode and the bytes (framing, limits, prototype-safe keys) on decode.',
    'A marshaller works on bytes, so `@synced-cache/json` pays for UTF-8 conversion that the string-only JSON baseline does not;',
    'the "+ UTF-8 bytes" baseline (`TextEncoder`/`TextDecoder` around JSON) shows that share: for large values, turning bytes into a string costs about as much as `JSON.parse` itself.',
    '',
    '## Goals (round trip)',
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
