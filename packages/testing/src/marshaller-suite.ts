import type { Marshaller } from '@synced-cache/core';
import { SerializationError } from '@synced-cache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededBytes } from './random.js';

/** Options of {@link describeMarshaller}. */
export interface MarshallerSuiteOptions {
  /**
   * The marshaller round-trips `Date`, `BigInt`, `Map`, `Set`, typed arrays and `Buffer`,
   * `undefined` (top level, in objects and arrays), `NaN` and `±Infinity` with their exact types.
   * @default false
   */
  typeFaithful?: boolean;
}

/** @internal What a marshaller check receives. */
export interface MarshallerCheckContext {
  create(): Marshaller<unknown>;
  typeFaithful: boolean;
}

/** @internal One behaviour of the marshaller suite. */
export interface MarshallerCheck {
  name: string;
  applies?: (typeFaithful: boolean) => boolean;
  run(context: MarshallerCheckContext): void;
}

/** JSON values as JSON itself would return them (no `-0`, own `__proto__` keys kept). */
const plainJson = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown);

function roundTrip(marshaller: Marshaller<unknown>, value: unknown): unknown {
  const bytes = marshaller.encode(value);
  expect(bytes).toBeInstanceOf(Uint8Array);
  return marshaller.decode(bytes);
}

/** Decoding must either return a value or throw a SerializationError — never anything else. */
function decodeOrSerializationError(marshaller: Marshaller<unknown>, bytes: Uint8Array): void {
  try {
    marshaller.decode(bytes);
  } catch (error) {
    if (!SerializationError.isInstance(error)) {
      throw new Error(
        `decode threw ${(error as Error)?.name ?? typeof error} instead of SerializationError for bytes [${[...bytes.slice(0, 32)].join(',')}${bytes.length > 32 ? ',…' : ''}]: ${(error as Error)?.message}`,
      );
    }
  }
}

function expectSerializationError(run: () => unknown, what: string): void {
  let thrown: unknown;
  let threw = false;
  try {
    run();
  } catch (error) {
    threw = true;
    thrown = error;
  }
  expect(threw, `${what} must throw`).toBe(true);
  expect(
    SerializationError.isInstance(thrown),
    `${what} must throw SerializationError, got ${(thrown as Error)?.name}: ${(thrown as Error)?.message}`,
  ).toBe(true);
}

function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

const SAMPLE = { key: 'value', list: [1, 2, 3], nested: { deep: true, text: 'héllo 🔑' } };

/** Values of the types a type-faithful marshaller must preserve exactly. */
function richValues(): Array<[string, unknown]> {
  return [
    ['Date', new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789))],
    ['Date before 1970', new Date(-123_456_789_000)],
    ['BigInt', 2n ** 100n],
    ['negative BigInt', -(2n ** 70n) - 1n],
    [
      'Map with non-string keys',
      new Map<unknown, unknown>([
        [1, 'one'],
        ['1', 'string one'],
        [true, null],
      ]),
    ],
    ['Set', new Set([1, 'a', null])],
    ['Uint8Array', new Uint8Array([0, 1, 127, 128, 255])],
    ['empty Uint8Array', new Uint8Array(0)],
    ['Buffer', Buffer.from('buffer bytes')],
    ['Int8Array', new Int8Array([-128, 0, 127])],
    ['Uint16Array', new Uint16Array([0, 65535])],
    ['Int32Array', new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
    ['Float32Array', new Float32Array([1.5, -0.25])],
    ['Float64Array', new Float64Array([Math.PI, -1e300])],
    ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['undefined in an object', { present: 1, missing: undefined }],
    ['undefined in an array', [1, undefined, 3]],
    [
      'nested mix',
      {
        when: new Date(0),
        ids: new Set([1n, 2n]),
        byName: new Map([['ada', { born: new Date(Date.UTC(1815, 11, 10)), tags: new Set(['math']) }]]),
        bytes: new Uint8Array([9, 8, 7]),
        ratio: Number.NaN,
      },
    ],
  ];
}

const richArbitrary = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double({ noDefaultInfinity: false }).filter((n) => !Object.is(n, -0)),
    fc.bigInt(),
    fc.string(),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), tie('value')), { maxLength: 3 })
      .map((pairs) => new Map(pairs)),
    fc
      .uniqueArray(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 4 })
      .map((items) => new Set(items)),
  ),
})).value;

/** @internal The behaviours of {@link describeMarshaller}, callable one by one. */
export const marshallerChecks: MarshallerCheck[] = [
  {
    name: 'encode returns a Uint8Array',
    run({ create }) {
      const marshaller = create();
      for (const value of [SAMPLE, 'text', 0, null, true, [], {}]) {
        expect(marshaller.encode(value)).toBeInstanceOf(Uint8Array);
      }
    },
  },
  {
    name: 'plain JSON values round-trip (fast-check)',
    run({ create }) {
      const marshaller = create();
      fc.assert(
        fc.property(plainJson, (value) => {
          expect(roundTrip(marshaller, value)).toEqual(value);
        }),
        { numRuns: 300 },
      );
    },
  },
  {
    name: 'strings with any code point, large and deeply nested values round-trip',
    run({ create }) {
      const marshaller = create();
      const unicode = 'ascii é ß 中文 🔑 \u0000 \u2028 \uffff \t\n"\\';
      expect(roundTrip(marshaller, unicode)).toBe(unicode);
      const large = 'x'.repeat(1024 * 1024);
      expect(roundTrip(marshaller, large)).toBe(large);
      let nested: unknown = 'bottom';
      for (let i = 0; i < 200; i++) nested = { level: i, child: [nested] };
      expect(roundTrip(marshaller, nested)).toEqual(nested);
      const numbers = [0, 1, -1, 0.1, 1e300, -1e-300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
      expect(roundTrip(marshaller, numbers)).toEqual(numbers);
    },
  },
  {
    name: 'decoding empty, truncated, bit-flipped or random bytes throws SerializationError and nothing else',
    run({ create }) {
      const marshaller = create();
      expectSerializationError(() => marshaller.decode(new Uint8Array(0)), 'decode of empty bytes');
      const encoded = marshaller.encode(SAMPLE);
      for (let length = 1; length < encoded.length; length++) {
        expectSerializationError(
          () => marshaller.decode(encoded.slice(0, length)),
          `decode of ${length}/${encoded.length} bytes`,
        );
      }
      for (let bit = 0; bit < encoded.length * 8; bit++) {
        const flipped = encoded.slice();
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        decodeOrSerializationError(marshaller, flipped);
      }
      for (let seed = 1; seed <= 200; seed++)
        decodeOrSerializationError(marshaller, seededBytes(1 + (seed % 64), seed));
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
          decodeOrSerializationError(marshaller, bytes);
        }),
        { numRuns: 500 },
      );
    },
  },
  {
    name: "never pollutes Object.prototype: '__proto__' and 'constructor' keys come back as own data",
    run({ create }) {
      const marshaller = create();
      const before = prototypeSnapshot();
      const hostile = JSON.parse(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"nested":{"__proto__":{"polluted":true}}}',
      ) as Record<string, unknown>;
      const decoded = roundTrip(marshaller, hostile) as Record<string, unknown>;
      expect(Object.hasOwn(decoded, '__proto__'), "'__proto__' is an own key").toBe(true);
      expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: true });
      expect(decoded.constructor).toEqual({ prototype: { polluted: true } });
      expect(Object.hasOwn(decoded.nested as object, '__proto__')).toBe(true);
      const proto = Object.getPrototypeOf(decoded);
      expect(proto === Object.prototype || proto === null, 'decoded objects keep a plain prototype').toBe(
        true,
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(prototypeSnapshot()).toEqual(before);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          decodeOrSerializationError(marshaller, bytes);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: 200 },
      );
      expect(prototypeSnapshot()).toEqual(before);
    },
  },
  {
    name: 'unsupported values (functions, symbols, cycles) throw SerializationError at encode',
    run({ create, typeFaithful }) {
      const marshaller = create();
      const cycle: Record<string, unknown> = { name: 'cycle' };
      cycle.self = cycle;
      const arrayCycle: unknown[] = [1];
      arrayCycle.push({ back: arrayCycle });
      const cases: Array<[string, unknown]> = [
        ['a function', () => 1],
        ['a symbol', Symbol('s')],
        ['a cycle', cycle],
        ['a cycle through an array', arrayCycle],
        ['a function inside an object', { ok: 1, fn: () => 1 }],
        ['a function inside an array', [1, () => 1]],
        ['a symbol inside an object', { ok: 1, sym: Symbol('s') }],
      ];
      if (!typeFaithful) {
        cases.push(['a BigInt', 10n], ['top-level undefined', undefined]);
      }
      for (const [what, value] of cases)
        expectSerializationError(() => marshaller.encode(value), `encode of ${what}`);
    },
  },
  {
    name: 'Date, BigInt, Map, Set, typed arrays, undefined and non-finite numbers round-trip with exact types',
    applies: (typeFaithful) => typeFaithful,
    run({ create }) {
      const marshaller = create();
      for (const [what, value] of richValues()) {
        const decoded = roundTrip(marshaller, value);
        expect(decoded, what).toStrictEqual(value);
        if (value !== null && typeof value === 'object') {
          expect(Object.getPrototypeOf(decoded), `${what} keeps its exact class`).toBe(
            Object.getPrototypeOf(value),
          );
        }
      }
    },
  },
  {
    name: 'random values of the rich types round-trip with exact types (fast-check)',
    applies: (typeFaithful) => typeFaithful,
    run({ create }) {
      const marshaller = create();
      fc.assert(
        fc.property(richArbitrary, (value) => {
          expect(roundTrip(marshaller, value)).toStrictEqual(value);
        }),
        { numRuns: 300 },
      );
    },
  },
];

/**
 * Registers the marshaller conformance suite: plain JSON values round-trip (fast-check),
 * `encode` returns a `Uint8Array`, decoding garbage, truncated or random bytes throws
 * `SerializationError` and nothing else, decoding never pollutes `Object.prototype`, and
 * functions, symbols and cycles are rejected at encode. With `typeFaithful`, the extra types
 * round-trip with their exact classes.
 *
 * @param name - shown in the test report
 * @param factory - builds the marshaller (called once per test)
 * @param options - see {@link MarshallerSuiteOptions}
 * @example
 * ```ts
 * import { describeMarshaller } from '@synced-cache/testing';
 * import { createMsgpackMarshaller } from '@synced-cache/msgpack';
 *
 * describeMarshaller('msgpack', () => createMsgpackMarshaller(), { typeFaithful: true });
 * ```
 */
export function describeMarshaller(
  name: string,
  factory: () => Marshaller<unknown>,
  options: MarshallerSuiteOptions = {},
): void {
  const typeFaithful = options.typeFaithful ?? false;
  describe(`Marshaller conformance: ${name}`, () => {
    for (const check of marshallerChecks) {
      if (check.applies !== undefined && !check.applies(typeFaithful)) continue;
      it(check.name, () => check.run({ create: factory, typeFaithful }));
    }
  });
}
