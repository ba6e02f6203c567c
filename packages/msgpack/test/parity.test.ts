import { SerializationError } from '@synced-cache/core';
import { createJsonMarshaller } from '@synced-cache/json';
import {
  moneyCodec,
  typeFaithfulCorpus,
  typeFaithfulDifference,
  typeFaithfulValue,
} from '@synced-cache/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMsgpackMarshaller } from '../src/index.js';

/** What an encode + decode gives: the value, or the error's kind and path. */
function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    if (!SerializationError.isInstance(error)) throw error;
    const limit = (error.cause as { limit?: string } | undefined)?.limit;
    return { error: `${limit ?? 'invalid'} at ${error.path}` };
  }
}

describe('json and msgpack give the same value back', () => {
  const json = createJsonMarshaller({ classes: [moneyCodec] });
  const msgpack = createMsgpackMarshaller({ classes: [moneyCodec] });
  const both = (value: unknown) => [json.decode(json.encode(value)), msgpack.decode(msgpack.encode(value))];

  it('for every value of the corpus', () => {
    for (const value of typeFaithfulCorpus()) {
      const [fromJson, fromMsgpack] = both(value);
      expect(typeFaithfulDifference(fromJson, value)).toBeUndefined();
      expect(typeFaithfulDifference(fromMsgpack, fromJson)).toBeUndefined();
    }
  });

  it('for arbitrary supported values (fast-check)', () => {
    fc.assert(
      fc.property(typeFaithfulValue, (value) => {
        const [fromJson, fromMsgpack] = both(value);
        expect(typeFaithfulDifference(fromJson, value)).toBeUndefined();
        expect(typeFaithfulDifference(fromMsgpack, fromJson)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('and refuse the same unsupported values with the same path', () => {
    const cyclic: Record<string, unknown> = { a: [1, new Map()] };
    ((cyclic.a as unknown[])[1] as Map<string, unknown>).set('back', cyclic);
    for (const value of [
      { a: [1, () => 1] },
      new Set([Symbol('s')]),
      cyclic,
      { deep: new Map([[1, { x: new WeakSet() }]]) },
    ]) {
      const fromJson = outcome(() => json.encode(value));
      expect('error' in fromJson).toBe(true);
      expect(outcome(() => msgpack.encode(value))).toEqual(fromJson);
    }
  });

  it('and count only containers towards maxDepth, not leaf objects such as Date', () => {
    const shallow = { maxDepth: 1 };
    const value = [new Date(0), 1n, undefined, new Uint16Array([1]), /x/];
    for (const marshaller of [createJsonMarshaller(shallow), createMsgpackMarshaller(shallow)]) {
      expect(typeFaithfulDifference(marshaller.decode(marshaller.encode(value)), value)).toBeUndefined();
      expect(() => marshaller.encode([[1]])).toThrow(SerializationError);
    }
  });

  it('and apply maxDepth and maxLength to the same values (fast-check)', () => {
    const options = { maxDepth: 3, maxLength: 3, classes: [moneyCodec] };
    const smallJson = createJsonMarshaller(options);
    const smallMsgpack = createMsgpackMarshaller(options);
    fc.assert(
      fc.property(typeFaithfulValue, (value) => {
        const fromJson = outcome(() => smallJson.decode(smallJson.encode(value)));
        const fromMsgpack = outcome(() => smallMsgpack.decode(smallMsgpack.encode(value)));
        if ('error' in fromJson || 'error' in fromMsgpack) {
          // BigInt lengths are counted in digits by json and in bytes by msgpack (see the READMEs).
          if (JSON.stringify(fromJson).includes('maxLength') && containsBigInt(value)) return;
          expect(fromMsgpack).toEqual(fromJson);
        } else {
          expect(typeFaithfulDifference(fromMsgpack.value, fromJson.value)).toBeUndefined();
        }
      }),
      { numRuns: 400 },
    );
  });
});

function containsBigInt(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Map)
    return [...value].some(([key, entry]) => containsBigInt(key, seen) || containsBigInt(entry, seen));
  if (value instanceof Set) return [...value].some((entry) => containsBigInt(entry, seen));
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  return Object.values(value).some((entry) => containsBigInt(entry, seen)) || 'cents' in value;
}
