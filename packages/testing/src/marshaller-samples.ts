/**
 * Sample values and fast-check arbitraries for type-faithful marshallers (those that round-trip
 * `Date`, `BigInt`, `Map`, `Set`, binary types, `undefined`, `-0`, `NaN`, sparse arrays, hostile
 * keys and registered classes), with a strict structural comparison to check the round trip.
 *
 * @module
 */
import fc from 'fast-check';

/** A user class for class registry tests: register {@link moneyCodec} with the marshaller under test. */
export class Money {
  /**
   * @param cents - the amount in cents, as a BigInt so that it nests through the marshaller's own types.
   * @param currency - an ISO currency code.
   */
  constructor(
    readonly cents: bigint,
    readonly currency: string,
  ) {}
}

/** The plain form of a {@link Money}, as {@link moneyCodec} encodes it. */
export interface MoneyPlain {
  /** The amount in cents. */
  cents: bigint;
  /** The ISO currency code. */
  currency: string;
}

/**
 * The class codec of {@link Money}, shaped like the `ClassCodec` of the `json` and `msgpack`
 * marshallers (`classes: [moneyCodec]`). Its plain form holds a BigInt, so it nests through the
 * marshaller's own types.
 */
export const moneyCodec: {
  readonly name: string;
  readonly type: typeof Money;
  encode(money: Money): MoneyPlain;
  decode(plain: MoneyPlain): Money;
} = {
  name: 'Money',
  type: Money,
  encode: (money) => ({ cents: money.cents, currency: money.currency }),
  // Hostile or corrupted bytes can hand a codec anything: check the plain form before using it.
  decode: (plain) => {
    if (
      typeof plain !== 'object' ||
      plain === null ||
      typeof plain.cents !== 'bigint' ||
      typeof plain.currency !== 'string'
    ) {
      throw new Error('not the plain form of a Money');
    }
    return new Money(plain.cents, plain.currency);
  },
};

/** Object keys that are dangerous (`__proto__`, `constructor`, …) or look like marshaller tags (`$sc`, `v`), mixed with ordinary ones. */
export const hostileObjectKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '$sc', 'v', 'toString', 'hasOwnProperty'),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

function fromEntries(entries: Array<[string, unknown]>, nullPrototype: boolean): Record<string, unknown> {
  const object: Record<string, unknown> = nullPrototype ? Object.create(null) : {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

const bytes = fc.uint8Array({ maxLength: 24 });

/** Every binary type: typed arrays, `Buffer`, `ArrayBuffer`, `DataView`, including views that start inside their buffer. */
export const typeFaithfulBinary: fc.Arbitrary<ArrayBuffer | ArrayBufferView> = fc.oneof(
  fc.int8Array({ maxLength: 8 }),
  bytes,
  fc.uint8ClampedArray({ maxLength: 8 }),
  fc.int16Array({ maxLength: 8 }),
  fc.uint16Array({ maxLength: 8 }),
  fc.int32Array({ maxLength: 8 }),
  fc.uint32Array({ maxLength: 8 }),
  fc.float32Array({ maxLength: 8 }),
  fc.float64Array({ maxLength: 8 }),
  fc.bigInt64Array({ maxLength: 4 }),
  fc.bigUint64Array({ maxLength: 4 }),
  bytes.map((data) => Buffer.from(data)),
  bytes.map((data) => data.slice().buffer),
  bytes.map((data) => new DataView(data.slice().buffer)),
  fc.uint8Array({ minLength: 2, maxLength: 24 }).map((data) => data.subarray(1)),
  fc.float64Array({ minLength: 2, maxLength: 6 }).map((data) => data.subarray(1)),
);

/** Leaves of every scalar-like type a type-faithful marshaller supports, {@link Money} included. */
export const typeFaithfulLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constantFrom(
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    2 ** 53,
    -(2 ** 31),
    2 ** 32,
  ),
  fc.integer(),
  fc.bigInt(),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.date({ noInvalidDate: true }),
  fc.constant(new Date(Number.NaN)),
  fc.constantFrom(/a+b/gi, /^\d{3}$/u, /x/y, /[\u{1F600}-\u{1F64F}]/su, /(?<year>\d{4})/dm),
  typeFaithfulBinary,
  fc
    .record({ cents: fc.bigInt(), currency: fc.constantFrom('EUR', 'USD') })
    .map((plain) => moneyCodec.decode(plain)),
);

/** Any value a type-faithful marshaller supports (with `classes: [moneyCodec]`), nested in arrays, sparse arrays, objects (some with a null prototype), `Map`s and `Set`s. */
export const typeFaithfulValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    typeFaithfulLeaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.sparseArray(tie('value'), { maxLength: 8, maxNumElements: 3 }),
    fc
      .tuple(fc.array(fc.tuple(hostileObjectKey, tie('value')), { maxLength: 5 }), fc.boolean())
      .map(([entries, nullPrototype]) => fromEntries(entries, nullPrototype && entries.length % 3 === 0)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 4 }).map((values) => new Set(values)),
  ),
})).value;

/**
 * Hand-picked values covering every type a type-faithful marshaller supports at least once (seeds
 * for fuzzing too). Each call returns fresh values.
 * @returns the values; {@link Money} among them, so register {@link moneyCodec}.
 */
export function typeFaithfulCorpus(): unknown[] {
  const sparse: unknown[] = new Array(10);
  sparse[0] = 1;
  sparse[2] = 3;
  const hostile = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
  return [
    { id: 1, name: 'ada', tags: ['math', 'poetry'], active: true, score: 9.5, parent: null },
    [undefined, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2n ** 80n, -1n],
    { at: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 1)), old: new Date(-1e15), invalid: new Date(Number.NaN) },
    new Map<unknown, unknown>([
      [1, 'one'],
      ['1', new Set([1n, 'x', new Date(0)])],
      [{ key: 'object' }, [1, 2]],
    ]),
    {
      re: /a(b)c/gi,
      bytes: new Uint8Array([1, 2, 3]),
      buffer: Buffer.from('hi'),
      floats: new Float64Array([1.5, -0]),
    },
    {
      ab: new Uint8Array([9, 8]).buffer,
      dv: new DataView(new Uint8Array([7, 6, 5]).buffer),
      big: new BigInt64Array([-1n]),
    },
    sparse,
    { $sc: 'Date', v: 'not a date' },
    { nested: { $sc: 'undefined' } },
    hostile,
    Object.assign(Object.create(null), { a: 1 }),
    { price: new Money(1999n, 'EUR'), history: [new Money(-5n, 'USD')] },
    'lone \ud800 surrogate',
    { deep: [[[[[[{ x: [1, { y: 'z' }] }]]]]]] },
    { zero: -0, list: [-0, 0], __proto__: null },
    [new Set([sparse.slice(0, 3)]), new Map([[-0, new Money(0n, 'EUR')]])],
  ];
}

function viewBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return value instanceof ArrayBuffer
    ? new Uint8Array(value)
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Strict structural comparison for every supported type: exact prototypes, `-0` vs `0`, invalid
 * Dates, holes vs `undefined`, bytes of binary values, entry order of maps, sets and objects.
 * (`toStrictEqual` compares `.constructor`, which an own `constructor` key defeats.)
 * @param actual - the value that came back.
 * @param expected - the value that went in.
 * @param path - where `actual` sits, for the description.
 * @returns a description of the first difference, or undefined when the values are the same.
 */
export function typeFaithfulDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (typeof actual !== typeof expected) return `${path}: ${typeof actual} instead of ${typeof expected}`;
  if (typeof actual !== 'object' || actual === null || expected === null) {
    return Object.is(actual, expected)
      ? undefined
      : `${path}: ${String(actual)} instead of ${String(expected)}`;
  }
  const want = expected as object;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(want)) return `${path}: different prototype`;
  if (actual instanceof Date) {
    return Object.is(actual.getTime(), (want as Date).getTime()) ? undefined : `${path}: different time`;
  }
  if (actual instanceof RegExp) {
    const other = want as RegExp;
    return actual.source === other.source && actual.flags === other.flags
      ? undefined
      : `${path}: different RegExp`;
  }
  if (actual instanceof ArrayBuffer || ArrayBuffer.isView(actual)) {
    const left = viewBytes(actual);
    const right = viewBytes(want as ArrayBuffer);
    if (left.length !== right.length) return `${path}: ${left.length} bytes instead of ${right.length}`;
    return left.every((byte, index) => byte === right[index]) ? undefined : `${path}: different bytes`;
  }
  if (actual instanceof Map || actual instanceof Set) {
    const left = [...(actual as Map<unknown, unknown>).entries()];
    const right = [...(want as Map<unknown, unknown>).entries()];
    if (left.length !== right.length) return `${path}: ${left.length} entries instead of ${right.length}`;
    for (let index = 0; index < left.length; index++) {
      const found =
        typeFaithfulDifference(left[index]?.[0], right[index]?.[0], `${path}.keys()[${index}]`) ??
        typeFaithfulDifference(left[index]?.[1], right[index]?.[1], `${path}.values()[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (actual instanceof Money) {
    const other = want as Money;
    return actual.cents === other.cents && actual.currency === other.currency
      ? undefined
      : `${path}: different Money`;
  }
  if (Array.isArray(actual) && actual.length !== (want as unknown[]).length) {
    return `${path}: length ${actual.length} instead of ${(want as unknown[]).length}`;
  }
  const leftKeys = Object.keys(actual);
  const rightKeys = Object.keys(want);
  if (leftKeys.join('\u0000') !== rightKeys.join('\u0000')) {
    return `${path}: keys ${JSON.stringify(leftKeys)} instead of ${JSON.stringify(rightKeys)}`;
  }
  for (const key of leftKeys) {
    const found = typeFaithfulDifference(
      (actual as Record<string, unknown>)[key],
      (want as Record<string, unknown>)[key],
      `${path}[${JSON.stringify(key)}]`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
