import { InvalidConfigError, LimitExceededError, SerializationError } from '@synced-cache/core';
import {
  Money,
  moneyCodec,
  typeFaithfulCorpus,
  typeFaithfulDifference,
  typeFaithfulValue,
} from '@synced-cache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonMarshaller, VERSION } from '../src/index.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const bytesOf = (json: string): Uint8Array => new TextEncoder().encode(json);

function thrown(run: () => unknown): SerializationError {
  try {
    run();
  } catch (error) {
    expect(SerializationError.isInstance(error), `expected SerializationError, got ${String(error)}`).toBe(
      true,
    );
    return error as SerializationError;
  }
  throw new Error('expected a SerializationError, nothing was thrown');
}

describe('createJsonMarshaller', () => {
  const marshaller = createJsonMarshaller({ classes: [moneyCodec] });

  it('exports VERSION and declares the contract', () => {
    expect(typeof VERSION).toBe('string');
    expect(marshaller.contractVersion).toBe(1);
    expect(marshaller.name).toBe('json');
  });

  it('writes plain data exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const plain = JSON.parse(JSON.stringify(value));
        expect(text(marshaller.encode(plain))).toBe(JSON.stringify(plain));
      }),
      { numRuns: 200 },
    );
  });

  it('writes readable tags for what JSON cannot hold', () => {
    const encoded = text(
      marshaller.encode({ at: new Date(Date.UTC(2024, 0, 2)), n: 10n, u: undefined, x: Number.NaN, z: -0 }),
    );
    expect(JSON.parse(encoded)).toEqual({
      at: { $sc: 'Date', v: '2024-01-02T00:00:00.000Z' },
      n: { $sc: 'bigint', v: '10' },
      u: { $sc: 'undefined' },
      x: { $sc: 'number', v: 'NaN' },
      z: { $sc: 'number', v: '-0' },
    });
  });

  it('round-trips every value of the corpus with exact types', () => {
    for (const value of typeFaithfulCorpus()) {
      expect(typeFaithfulDifference(marshaller.decode(marshaller.encode(value)), value)).toBeUndefined();
    }
  });

  it('round-trips arbitrary supported values (fast-check)', () => {
    fc.assert(
      fc.property(typeFaithfulValue, (value) => {
        expect(typeFaithfulDifference(marshaller.decode(marshaller.encode(value)), value)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('keeps DataView and ArrayBuffer bytes, not only their type', () => {
    const view = marshaller.decode(
      marshaller.encode(new DataView(new Uint8Array([1, 2, 3]).buffer)),
    ) as DataView;
    expect([view.getUint8(0), view.getUint8(1), view.getUint8(2)]).toEqual([1, 2, 3]);
    const buffer = marshaller.decode(marshaller.encode(new Uint8Array([4, 5]).buffer)) as ArrayBuffer;
    expect([...new Uint8Array(buffer)]).toEqual([4, 5]);
  });

  it('decodes a Buffer as a Buffer and a Uint8Array as a Uint8Array', () => {
    const decoded = marshaller.decode(
      marshaller.encode([Buffer.from('ab'), new Uint8Array([1])]),
    ) as unknown[];
    expect(Buffer.isBuffer(decoded[0])).toBe(true);
    expect(Buffer.isBuffer(decoded[1])).toBe(false);
    expect(decoded[1]).toBeInstanceOf(Uint8Array);
  });

  it('escapes user objects that look like tags, so they come back unchanged', () => {
    for (const lookalike of [
      { $sc: 'Date', v: '2024-01-01T00:00:00.000Z' },
      { $sc: 'undefined' },
      { $sc: 'class:Money', v: { cents: 1, currency: 'EUR' } },
      { $sc: 42 },
      { outer: { $sc: 'Map', v: [] } },
    ]) {
      expect(marshaller.decode(marshaller.encode(lookalike))).toStrictEqual(lookalike);
    }
  });

  it('decodes JSON written by other programs as plain values', () => {
    const fromGo =
      '{"id":7,"name":"pod-a","tags":["x","y"],"meta":{"createdAt":"2024-01-01T00:00:00Z","ratio":0.5},"none":null}';
    expect(marshaller.decode(bytesOf(fromGo))).toEqual(JSON.parse(fromGo));
    expect(marshaller.decode(bytesOf('"just a string"'))).toBe('just a string');
    expect(marshaller.decode(bytesOf(' 42 '))).toBe(42);
  });

  it('keeps __proto__, constructor and prototype keys as own data and never pollutes', () => {
    const hostile =
      '{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"polluted":1}}},"m":{"$sc":"Map","v":[["k",{"__proto__":{"polluted":1}}]]},"o":{"$sc":"object","v":{"__proto__":{"polluted":1},"$sc":1}}}';
    const decoded = marshaller.decode(bytesOf(hostile)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    const inMap = (decoded.m as Map<string, object>).get('k') as object;
    expect(Object.getPrototypeOf(inMap)).toBe(Object.prototype);
    expect(Object.hasOwn(inMap, '__proto__')).toBe(true);
    const escaped = decoded.o as object;
    expect(Object.getPrototypeOf(escaped)).toBe(Object.prototype);
    expect(Object.hasOwn(escaped, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes the same when someone made an Object.prototype property enumerable', () => {
    Object.defineProperty(Object.prototype, 'injected', {
      value: { $sc: 'undefined' },
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      const decoded = marshaller.decode(bytesOf('{"a":{"b":[1,{"c":2}]}}')) as Record<string, unknown>;
      expect(Object.keys(decoded)).toEqual(['a']);
      expect(Object.hasOwn(decoded.a as object, 'injected')).toBe(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>).injected;
    }
  });

  it('rejects functions, symbols, cycles and unregistered classes at encode, naming the path', () => {
    const cyclic: Record<string, unknown> = { list: [{}] };
    (cyclic.list as Array<Record<string, unknown>>)[0]!.back = cyclic;
    class Unregistered {}
    const cases: Array<[unknown, string, RegExp]> = [
      [{ user: { tags: ['a', 'b', 'c', () => 1] } }, '$.user.tags[3]', /function/],
      [{ s: Symbol('x') }, '$.s', /symbol/],
      [cyclic, '$.list[0].back', /cyclic reference .*back to \$\)/],
      [{ when: new Unregistered() }, '$.when', /Unregistered .*classes option/],
      [new Map([['k', { deep: [() => 1] }]]), '$.get("k").deep[0]', /function/],
      [new Set([1, Symbol('y')]), '$.values()[1]', /symbol/],
      [{ 'odd key': [new WeakMap()] }, '$["odd key"][0]', /WeakMap/],
      [
        { price: new Money(1n, 'EUR'), bad: { m: new Money(2n, 'x') as unknown as { fn?: unknown } } },
        '',
        /./,
      ],
    ];
    (cases[7]![0] as { bad: { m: { currency: unknown } } }).bad.m = Object.assign(new Money(1n, 'EUR'), {
      currency: () => 0,
    });
    cases[7]![1] = '$.bad.m<Money>.currency';
    for (const [value, path, message] of cases) {
      const error = thrown(() => marshaller.encode(value));
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
      expect(error.action).toBe('encode');
    }
  });

  it('tells the class codec name when a codec throws', () => {
    const failing = createJsonMarshaller({
      classes: [
        {
          name: 'Money',
          type: Money,
          encode: () => {
            throw new Error('boom');
          },
          decode: () => new Money(0n, ''),
        },
      ],
    });
    const error = thrown(() => failing.encode({ m: new Money(1n, 'EUR') }));
    expect(error.message).toMatch(/Money failed to encode: boom/);
    expect(error.path).toBe('$.m');
  });

  it('refuses an unknown class name or a malformed tag at decode, naming the path', () => {
    const plainMarshaller = createJsonMarshaller();
    const money = marshaller.encode({ price: new Money(5n, 'EUR') });
    expect(thrown(() => plainMarshaller.decode(money)).message).toMatch(/unknown class "Money"/);
    const cases: Array<[string, string]> = [
      ['{"a":[1,{"$sc":"Date","v":"yesterday"}]}', '$.a[1]'],
      ['{"a":{"$sc":"nope","v":1}}', '$.a'],
      ['{"a":{"$sc":"bigint","v":"1.5"}}', '$.a'],
      ['{"a":{"$sc":"Uint16Array","v":"AA=="}}', '$.a'],
      ['{"a":{"$sc":"Map","v":[[1]]}}', '$.a.entries()[0]'],
      ['{"a":{"$sc":"sparse","v":[2,5,1]}}', '$.a'],
      ['{"a":{"$sc":"undefined","v":1}}', '$.a'],
      ['{"a":{"$sc":"Date","v":null,"extra":1}}', '$.a'],
      ['{"a":{"$sc":"RegExp","v":["(","g"]}}', '$.a'],
    ];
    for (const [json, path] of cases) {
      const error = thrown(() => marshaller.decode(bytesOf(json)));
      expect(error.path, json).toBe(path);
      expect(error.action).toBe('decode');
    }
  });

  it('throws SerializationError for bytes that are not UTF-8 JSON', () => {
    for (const bad of [
      new Uint8Array([0xff, 0xfe]),
      bytesOf('{"a":'),
      bytesOf('undefined'),
      new Uint8Array(0),
    ]) {
      thrown(() => marshaller.decode(bad));
    }
    thrown(() => marshaller.decode('{"a":1}' as unknown as Uint8Array));
  });

  describe('limits', () => {
    const limited = createJsonMarshaller({ maxDepth: 4, maxLength: 3, maxBytes: 64 });
    const cause = (error: SerializationError): LimitExceededError => {
      expect(LimitExceededError.isInstance(error.cause)).toBe(true);
      return error.cause as LimitExceededError;
    };

    it('maxDepth applies to decode and encode', () => {
      expect(cause(thrown(() => limited.decode(bytesOf('[[[[[1]]]]]')))).limit).toBe('maxDepth');
      expect(limited.decode(bytesOf('[[[[1]]]]'))).toEqual([[[[1]]]]);
      expect(cause(thrown(() => limited.encode([[[[[1]]]]]))).limit).toBe('maxDepth');
      expect(
        cause(thrown(() => limited.decode(bytesOf('{"a":{"$sc":"Map","v":[[1,[[[2]]]]]}}')))).limit,
      ).toBe('maxDepth');
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      expect(cause(thrown(() => marshaller.decode(bytesOf(deep)))).limit).toBe('maxDepth');
    });

    it('maxLength applies to arrays, objects, maps, sets, sparse lengths and BigInt digits', () => {
      for (const json of [
        '[1,2,3,4]',
        '{"a":1,"b":2,"c":3,"d":4}',
        '{"$sc":"Set","v":[1,2,3,4]}',
        '{"$sc":"sparse","v":[4294967295]}',
        '{"$sc":"bigint","v":"12345"}',
      ]) {
        expect(cause(thrown(() => limited.decode(bytesOf(json)))).limit, json).toBe('maxLength');
      }
      expect(
        cause(
          thrown(() =>
            limited.encode(
              new Map([
                [1, 1],
                [2, 2],
                [3, 3],
                [4, 4],
              ]),
            ),
          ),
        ).limit,
      ).toBe('maxLength');
    });

    it('maxBytes applies to decode and encode', () => {
      const big = `"${'x'.repeat(100)}"`;
      expect(cause(thrown(() => limited.decode(bytesOf(big)))).limit).toBe('maxBytes');
      expect(cause(thrown(() => limited.encode('x'.repeat(100)))).limit).toBe('maxBytes');
    });
  });

  it('validates options at construction', () => {
    expect(() => createJsonMarshaller({ maxDepth: 0 })).toThrow(InvalidConfigError);
    expect(() => createJsonMarshaller({ maxBytes: 1.5 })).toThrow(/maxBytes/);
    expect(() => createJsonMarshaller({ classes: [moneyCodec, moneyCodec] })).toThrow(/classes\[1\]/);
    expect(() => createJsonMarshaller({ classes: [{ ...moneyCodec, name: '' }] })).toThrow(
      /classes\[0\]\.name/,
    );
  });
});
