import { describeDecodeFuzz, moneyCodec } from '@synced-cache/testing';
import fc from 'fast-check';
import { createJsonMarshaller } from '../src/index.js';

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

describeDecodeFuzz({
  name: 'json',
  create: () => createJsonMarshaller({ classes: [moneyCodec] }),
  structured: {
    name: 'random text made of tag vocabulary gives a clean value or SerializationError',
    arbitrary: taggedText,
  },
  pathological: () => {
    const encoder = new TextEncoder();
    return [
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
      `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
      '{"$sc":"sparse","v":[4294967295]}',
      `{"$sc":"bigint","v":"${'9'.repeat(2_000_000)}"}`,
    ].map((text) => encoder.encode(text));
  },
});
