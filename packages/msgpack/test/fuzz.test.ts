import type { Marshaller } from '@synced-cache/core';
import { SerializationError } from '@synced-cache/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createMsgpackMarshaller } from '../src/index.js';
import { corpus, Money, moneyCodec } from './values.js';

/** Each property stops at whichever comes first: its run count or its time budget. */
const RUNS = 10_000;
const BUDGET_MS = 4000;
const budget = { numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false };

const ALLOWED_PROTOTYPES = new Set<object | null>([
  null,
  Object.prototype,
  Array.prototype,
  Date.prototype,
  Map.prototype,
  Set.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Buffer.prototype,
  Money.prototype,
  ...[
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((type) => type.prototype),
]);

const prototypeNames = (): string => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const initialPrototype = prototypeNames();

function checkPrototypes(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const prototype = Object.getPrototypeOf(value);
  if (!ALLOWED_PROTOTYPES.has(prototype))
    throw new Error('decode produced an object with a foreign prototype');
  if (value instanceof Map) {
    for (const [key, entry] of value) {
      checkPrototypes(key, seen);
      checkPrototypes(entry, seen);
    }
  } else if (value instanceof Set) {
    for (const entry of value) checkPrototypes(entry, seen);
  } else if (!ArrayBuffer.isView(value)) {
    for (const key of Object.keys(value)) checkPrototypes((value as Record<string, unknown>)[key], seen);
  }
}

/** Decodes hostile bytes: a value with only known prototypes, or a SerializationError — nothing else. */
function decodeHostile(marshaller: Marshaller<unknown>, bytes: Uint8Array): void {
  let value: unknown;
  try {
    value = marshaller.decode(bytes);
  } catch (error) {
    // A TypeError or ReferenceError underneath means a bug in the decoder, not bad input.
    const cause = (error as { cause?: unknown }).cause;
    if (
      SerializationError.isInstance(error) &&
      !(cause instanceof TypeError || cause instanceof ReferenceError)
    )
      return;
    throw new Error(
      `decode threw ${String(error)} for ${JSON.stringify(Buffer.from(bytes).toString('latin1').slice(0, 200))}`,
    );
  }
  checkPrototypes(value);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

type Mutation = [kind: number, at: number, byte: number];

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = Array.from(seed);
  for (const [kind, at, byte] of mutations) {
    const index = bytes.length === 0 ? 0 : at % bytes.length;
    switch (kind) {
      case 0:
        bytes[index] = (bytes[index] ?? 0) ^ (1 << (byte & 7));
        break;
      case 1:
        bytes[index] = byte;
        break;
      case 2:
        bytes = bytes.slice(0, index);
        break;
      case 3:
        bytes.splice(index, 0, byte);
        break;
      case 4:
        bytes.splice(index, 1);
        break;
      default:
        bytes.splice(index, 0, ...bytes.slice(index, index + 1 + (byte % 16)));
    }
  }
  return Uint8Array.from(bytes);
}

const mutationArbitrary = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.integer({ min: 0, max: 255 })),
  { minLength: 1, maxLength: 6 },
);

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

/**
 * msgpack headers of every kind, this package's extension types and hostile lengths, so the
 * scanner and the full reader see structure rather than noise.
 */
const FRAGMENTS: number[][] = [
  [0x90],
  [0x91],
  [0x92],
  [0x9f],
  [0x80],
  [0x81],
  [0x82],
  [0x8f],
  [0xdc, 0x00, 0x03],
  [0xdd, 0xff, 0xff, 0xff, 0xff],
  [0xde, 0x00, 0x02],
  [0xdf, 0x7f, 0xff, 0xff, 0xff],
  [0xa9, ...ascii('__proto__')],
  [0xab, ...ascii('constructor')],
  [0xa1, 0x61],
  [0xa3, ...ascii('abc')],
  [0xd9, 0x05],
  [0xdb, 0xff, 0xff, 0xff, 0xff],
  [0xc4, 0x02, 0x01, 0x02],
  [0xc6, 0x7f, 0xff, 0xff, 0xff],
  [0xc0],
  [0xc1],
  [0xc2],
  [0xc3],
  [0x00],
  [0x7f],
  [0xe0],
  [0xff],
  [0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0],
  [0xd3, 0xff, 0, 0, 0, 0, 0, 0, 1],
  [0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0],
  [0xca, 0x7f, 0xc0, 0, 0],
  [0xd4, 0x00, 0x00],
  [0xd4, 0xff, 0xff],
  [0xd6, 0xff, 0, 0, 0, 1],
  [0xd4, 0x72, 0x40],
  [0xd5, 0x72, 0x40, 0x00],
  ...[0x42, 0x4d, 0x53, 0x52, 0x74, 0x41, 0x43, 0x4f, 0x55, 0x07, 0xff].flatMap((type) => [
    [0xc7, 0x00, type],
    [0xc7, 0x01, type],
    [0xc7, 0x03, type],
    [0xc7, 0x09, type],
    [0xc8, 0xff, 0xff, type],
    [0xc9, 0x7f, 0xff, 0xff, 0xff, type],
  ]),
  [0x01],
  [0x02],
  [0x08],
  [0x10],
  [0x11],
  [0x20],
  [0x93, 0x02, 0x05, 0x01],
  [0x92, 0xa5, ...ascii('Money'), 0x80],
];
const structuredBytes = fc
  .array(
    fc.oneof(fc.constantFrom(...FRAGMENTS), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 })),
    {
      maxLength: 40,
    },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

describe('decode of hostile bytes (msgpack)', () => {
  const marshaller = createMsgpackMarshaller({ classes: [moneyCodec] });
  const seeds = corpus().map((value) => marshaller.encode(value));

  afterAll(() => {
    expect(prototypeNames()).toBe(initialPrototype);
  });

  it('random bytes give only SerializationError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => decodeHostile(marshaller, bytes)),
      budget,
    );
  });

  it('mutated valid encodings give a clean value or SerializationError', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), mutationArbitrary, (index, mutations) =>
        decodeHostile(marshaller, mutate(seeds[index] as Uint8Array, mutations)),
      ),
      budget,
    );
  });

  it('random sequences of msgpack headers and extensions give a clean value or SerializationError', () => {
    fc.assert(
      fc.property(structuredBytes, (bytes) => decodeHostile(marshaller, bytes)),
      budget,
    );
  });

  it('pathological sizes fail fast with a limit, not a hang', () => {
    const deepArrays = new Uint8Array(200_001).fill(0x91);
    deepArrays[200_000] = 0xc0;
    const deepMaps = Uint8Array.from([
      ...Array.from({ length: 50_000 }, () => [0x81, 0xa1, 0x61]).flat(),
      0xc0,
    ]);
    const bigintBytes = 2_000_000;
    const hugeBigInt = new Uint8Array(6 + bigintBytes);
    hugeBigInt.set([
      0xc9,
      (bigintBytes >>> 24) & 0xff,
      (bigintBytes >>> 16) & 0xff,
      (bigintBytes >>> 8) & 0xff,
      bigintBytes & 0xff,
      0x42,
    ]);
    for (const bytes of [
      deepArrays,
      deepMaps,
      Uint8Array.from([0xc7, 0x06, 0x41, 0x91, 0xce, 0xff, 0xff, 0xff, 0xff]),
      hugeBigInt,
      Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]),
      Uint8Array.from([0xc9, 0xff, 0xff, 0xff, 0xff, 0x4d]),
    ]) {
      decodeHostile(marshaller, bytes);
      expect(() => marshaller.decode(bytes)).toThrow(SerializationError);
    }
  });
});
