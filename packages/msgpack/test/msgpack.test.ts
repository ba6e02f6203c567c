import { InvalidConfigError, LimitExceededError, SerializationError } from '@synced-cache/core';
import {
  Money,
  moneyCodec,
  typeFaithfulCorpus,
  typeFaithfulDifference,
  typeFaithfulValue,
} from '@synced-cache/testing';
import fc from 'fast-check';
import { Packr, pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Extension } from '../src/extensions.js';
import { createMsgpackMarshaller, VERSION } from '../src/index.js';

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

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('createMsgpackMarshaller', () => {
  const marshaller = createMsgpackMarshaller({ classes: [moneyCodec] });

  it('exports VERSION and declares the contract', () => {
    expect(typeof VERSION).toBe('string');
    expect(marshaller.contractVersion).toBe(1);
    expect(marshaller.name).toBe('msgpack');
  });

  it('never lets a small value pin the large arena msgpackr grew for a large one', () => {
    marshaller.encode({ big: 'x'.repeat(200_000) });
    const small = marshaller.encode({ a: 1 });
    expect(small).toBeInstanceOf(Uint8Array);
    expect(small.buffer.byteLength).toBeLessThanOrEqual(65_536);
    expect(marshaller.decode(small)).toEqual({ a: 1 });
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

  it('writes plain data as standard msgpack that msgpackr reads as the same value', () => {
    fc.assert(
      // msgpackr itself renames a "__proto__" key to "__proto_" when it decodes, so leave those out here.
      fc.property(
        fc.jsonValue().filter((value) => !JSON.stringify(value).includes('"__proto__"')),
        (value) => {
          const plain = JSON.parse(JSON.stringify(value));
          expect(unpack(marshaller.encode(plain))).toEqual(plain);
        },
      ),
      { numRuns: 200 },
    );
    const when = new Date(Date.UTC(2020, 5, 1, 2, 3, 4, 5));
    const read = unpack(marshaller.encode({ when, bytes: new Uint8Array([1]), missing: undefined }));
    expect(read).toEqual({ when, bytes: read.bytes, missing: undefined });
    expect([...read.bytes]).toEqual([1]);
  });

  it('round-trips objects with more than 65535 keys (beyond the 16-bit map header msgpackr writes)', () => {
    const wide: Record<string, number> = {};
    for (let index = 0; index < 70_000; index++) wide[`k${index}`] = index;
    const decoded = marshaller.decode(marshaller.encode({ wide })) as { wide: Record<string, number> };
    expect(Object.keys(decoded.wide).length).toBe(70_000);
    expect(decoded.wide.k69999).toBe(69_999);
  });

  it('writes BigInt in the extension msgpackr reads too, and typed arrays in its layout', () => {
    const big = -(2n ** 100n) + 12345n;
    const bigBytes = marshaller.encode(big);
    expect(bigBytes[2]).toBe(Extension.bigint);
    expect(new Packr({ useBigIntExtension: true }).unpack(bigBytes)).toBe(big);
    const floats = new Float32Array([1.5, -2]);
    const floatBytes = marshaller.encode(floats);
    expect(new Packr({ moreTypes: true }).unpack(floatBytes)).toEqual(floats);
  });

  it('decodes msgpack written by other programs as plain values', () => {
    // {"id": int64 7, "big": uint64 2^63, "neg": int64 -2^60, "keys": {1: "one", true: "yes"}, "raw": bin [1,2]}
    const foreign = hex(`85 a2 6964 d3 0000000000000007 a3 626967 cf 8000000000000000
      a3 6e6567 d3 f000000000000000 a4 6b657973 82 01 a3 6f6e65 c3 a3 796573 a3 726177 c4 02 0102`);
    const decoded = marshaller.decode(foreign) as Record<string, unknown>;
    expect(decoded).toStrictEqual({
      id: 7,
      big: 2n ** 63n,
      neg: -(2n ** 60n),
      keys: { 1: 'one', true: 'yes' },
      raw: new Uint8Array([1, 2]),
    });
    expect(Object.getPrototypeOf(decoded.raw)).toBe(Uint8Array.prototype);
    const fromMsgpackr = pack({ list: [1.5, 'x', null, true], nested: { a: -1 } });
    expect(marshaller.decode(fromMsgpackr)).toEqual({ list: [1.5, 'x', null, true], nested: { a: -1 } });
    expect(marshaller.decode(hex('ca 3fc00000'))).toBe(1.5);
  });

  it('keeps __proto__, constructor and prototype keys as own data and never pollutes', () => {
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"polluted":1}}}}',
    );
    const inMap = new Map([['k', hostile]]);
    for (const value of [hostile, inMap, { deep: [hostile] }]) {
      const decoded = marshaller.decode(marshaller.encode(value));
      expect(typeFaithfulDifference(decoded, value)).toBeUndefined();
    }
    const decoded = marshaller.decode(pack(hostile)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps strings with lone surrogates exactly, and refuses them as object keys', () => {
    const lone = 'a\ud800b\udc00';
    expect(marshaller.decode(marshaller.encode([lone, 'ok']))).toEqual([lone, 'ok']);
    const replacement = { text: 'a real \ufffd stays', list: ['\ufffd'] };
    expect(marshaller.decode(marshaller.encode(replacement))).toEqual(replacement);
    const error = thrown(() => marshaller.encode({ nested: { [lone]: 1 } }));
    expect(error.path).toBe(`$.nested[${JSON.stringify(lone)}]`);
  });

  it('rejects functions, symbols, cycles and unregistered classes at encode, naming the path', () => {
    const cyclic: Record<string, unknown> = { list: [{}] };
    (cyclic.list as Array<Record<string, unknown>>)[0]!.back = cyclic;
    class Unregistered {}
    const badMoney = Object.assign(new Money(1n, 'EUR'), { currency: () => 0 });
    const cases: Array<[unknown, string, RegExp]> = [
      [{ user: { tags: ['a', 'b', 'c', () => 1] } }, '$.user.tags[3]', /function/],
      [{ s: Symbol('x') }, '$.s', /symbol/],
      [cyclic, '$.list[0].back', /cyclic reference .*back to \$\)/],
      [{ when: new Unregistered() }, '$.when', /Unregistered .*classes option/],
      [new Map([['k', { deep: [() => 1] }]]), '$.get("k").deep[0]', /function/],
      [new Set([1, Symbol('y')]), '$.values()[1]', /symbol/],
      [{ 'odd key': [new WeakMap()] }, '$["odd key"][0]', /WeakMap/],
      [{ bad: { m: badMoney } }, '$.bad.m<Money>.currency', /function/],
    ];
    for (const [value, path, message] of cases) {
      const error = thrown(() => marshaller.encode(value));
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
      expect(error.action).toBe('encode');
    }
  });

  it('refuses unknown extensions, unknown classes and malformed extensions at decode', () => {
    const plainMarshaller = createMsgpackMarshaller();
    expect(
      thrown(() => plainMarshaller.decode(marshaller.encode({ m: new Money(1n, 'EUR') }))).message,
    ).toMatch(/unknown class "Money"/);
    const cases: Array<[string, string, RegExp]> = [
      ['81 a1 61 d4 07 00', '$.a', /unknown msgpack extension type 7/],
      ['91 c7 02 74 63 00', '$[0]', /unknown type 99/],
      ['c7 02 74 04 00', '$', /not a multiple of 2/],
      ['c7 02 4d 91 01', '$', /expected a nested map/],
      ['c7 04 41 93 02 05 01', '$', /indices must be increasing/],
      ['d5 ff 0000', '$', /malformed timestamp/],
      ['c1', '$', /0xc1/],
      ['91 01 02', '$', /unexpected bytes/],
      ['d4 72 40', '$', /unknown msgpack extension type 114/],
    ];
    for (const [bytes, path, message] of cases) {
      const error = thrown(() => marshaller.decode(hex(bytes)));
      expect(error.message, bytes).toMatch(message);
      expect(error.path, bytes).toBe(path);
    }
  });

  describe('limits', () => {
    const limited = createMsgpackMarshaller({ maxDepth: 4, maxLength: 3, maxBytes: 64 });
    const cause = (error: SerializationError): LimitExceededError => {
      expect(LimitExceededError.isInstance(error.cause), String(error)).toBe(true);
      return error.cause as LimitExceededError;
    };

    it('maxDepth applies to decode and encode', () => {
      expect(cause(thrown(() => limited.decode(hex('91 91 91 91 91 01'))))).toMatchObject({
        limit: 'maxDepth',
      });
      expect(limited.decode(hex('91 91 91 91 01'))).toEqual([[[[1]]]]);
      expect(cause(thrown(() => limited.encode([[[[[1]]]]]))).limit).toBe('maxDepth');
      const deep = new Uint8Array(500_000).fill(0x91);
      expect(cause(thrown(() => marshaller.decode(deep))).limit).toBe('maxDepth');
    });

    it('maxLength applies to arrays, maps, sets, sparse lengths and BigInt bytes', () => {
      for (const bytes of [
        '94 01 02 03 04',
        '84 a1 61 01 a1 62 01 a1 63 01 a1 64 01',
        'c7 05 53 94 01 02 03 04',
        'c7 06 41 91 ce ffffffff',
        'c7 04 42 01020304',
      ]) {
        expect(cause(thrown(() => limited.decode(hex(bytes)))).limit, bytes).toBe('maxLength');
      }
      expect(cause(thrown(() => limited.encode(new Set([1, 2, 3, 4])))).limit).toBe('maxLength');
    });

    it('huge declared lengths fail as truncated data without allocating', () => {
      for (const bytes of ['dd ffffffff', 'df ffffffff', 'c9 ffffffff 4d', 'db ffffffff', 'c6 ffffffff']) {
        expect(thrown(() => marshaller.decode(hex(bytes))).message, bytes).toMatch(/truncated|maxLength/);
      }
    });

    it('maxBytes applies to decode and encode', () => {
      expect(cause(thrown(() => limited.decode(new Uint8Array(65)))).limit).toBe('maxBytes');
      expect(cause(thrown(() => limited.encode('x'.repeat(100)))).limit).toBe('maxBytes');
      expect(cause(thrown(() => limited.encode(new Map([['x', 'y'.repeat(100)]])))).limit).toBe('maxBytes');
    });
  });

  describe('records option', () => {
    const records = createMsgpackMarshaller({ records: true, classes: [moneyCodec] });
    const rows = Array.from({ length: 20 }, (_, index) => ({
      id: index,
      name: `row ${index}`,
      ok: index % 2 === 0,
    }));

    it('is off by default: the output is plain msgpack', () => {
      expect(unpack(marshaller.encode(rows))).toEqual(rows);
    });

    it('writes smaller self-contained records that a fresh marshaller decodes', () => {
      const bytes = records.encode(rows);
      expect(bytes.length).toBeLessThan(marshaller.encode(rows).length);
      expect(createMsgpackMarshaller({ records: true }).decode(bytes)).toEqual(rows);
      expect(thrown(() => marshaller.decode(bytes)).message).toMatch(/extension type 114/);
    });

    it('never mistakes integers 64–127 for record references, before or after reading records', () => {
      const small = [64, 65, { x: 127 }];
      expect(records.decode(records.encode(rows))).toEqual(rows);
      expect(marshaller.decode(marshaller.encode(small))).toEqual(small);
      expect(records.decode(marshaller.encode(small))).toEqual(small);
      expect(records.decode(records.encode(small))).toEqual(small);
    });

    it('still round-trips every supported value and reads plain msgpack', () => {
      for (const value of typeFaithfulCorpus()) {
        expect(typeFaithfulDifference(records.decode(records.encode(value)), value)).toBeUndefined();
      }
      expect(records.decode(marshaller.encode(rows))).toEqual(rows);
    });
  });

  it('validates options at construction', () => {
    expect(() => createMsgpackMarshaller({ maxDepth: -1 })).toThrow(InvalidConfigError);
    expect(() => createMsgpackMarshaller({ records: 'yes' as unknown as boolean })).toThrow(/records/);
    expect(() =>
      createMsgpackMarshaller({ classes: [moneyCodec, { ...moneyCodec, name: 'Other' }] }),
    ).toThrow(/classes\[1\]\.type/);
  });
});
