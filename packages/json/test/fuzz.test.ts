import type { Marshaller } from '@synced-cache/core';
import { SerializationError } from '@synced-cache/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsonMarshaller } from '../src/index.js';
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

/** Text built from JSON punctuation and our own tag vocabulary, so the tag decoder gets exercised. */
const FRAGMENTS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"$sc"',
  '"v"',
  '"__proto__"',
  '"constructor"',
  '"prototype"',
  '"Map"',
  '"Set"',
  '"sparse"',
  '"object"',
  '"null-prototype"',
  '"Date"',
  '"bigint"',
  '"number"',
  '"undefined"',
  '"RegExp"',
  '"Uint16Array"',
  '"Buffer"',
  '"DataView"',
  '"ArrayBuffer"',
  '"class:Money"',
  '"AA=="',
  '"AAAA"',
  '"NaN"',
  '"-0"',
  '0',
  '1',
  '-1',
  '4294967295',
  '1e999',
  'null',
  'true',
  '"2024-01-01"',
  '"polluted"',
  '"x"',
];
const taggedText = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 })
  .map((parts) => new TextEncoder().encode(parts.join('')));

describe('decode of hostile bytes (json)', () => {
  const marshaller = createJsonMarshaller({ classes: [moneyCodec] });
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

  it('random text made of tag vocabulary gives a clean value or SerializationError', () => {
    fc.assert(
      fc.property(taggedText, (bytes) => decodeHostile(marshaller, bytes)),
      budget,
    );
  });

  it('pathological sizes fail fast with a limit, not a hang', () => {
    const encoder = new TextEncoder();
    for (const text of [
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
      `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
      '{"$sc":"sparse","v":[4294967295]}',
      `{"$sc":"bigint","v":"${'9'.repeat(2_000_000)}"}`,
    ]) {
      decodeHostile(marshaller, encoder.encode(text));
      expect(() => marshaller.decode(encoder.encode(text))).toThrow(SerializationError);
    }
  });
});
