import { describe, expect, it } from 'vitest';
import {
  type ClassCodec,
  checkDecodeInput,
  checkMaxBytes,
  DEFAULT_MAX_DEPTH,
  InvalidConfigError,
  LimitExceededError,
  resolveMarshallerOptions,
  SerializationError,
} from '../src/index.js';

class Money {
  constructor(readonly cents: bigint) {}
}
const money: ClassCodec<Money, string> = {
  name: 'Money',
  type: Money,
  encode: (m) => m.cents.toString(),
  decode: (p) => new Money(BigInt(p)),
};

function optionOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    return (error as InvalidConfigError).option;
  }
  return undefined;
}

describe('resolveMarshallerOptions', () => {
  it('applies defaults and indexes class codecs by name and prototype', () => {
    const resolved = resolveMarshallerOptions({ classes: [money as ClassCodec], maxBytes: 10 });
    expect(resolved.maxDepth).toBe(DEFAULT_MAX_DEPTH);
    expect(resolved.maxBytes).toBe(10);
    expect(resolved.classesByName.get('Money')).toBe(money);
    expect(resolved.classesByPrototype.get(Money.prototype)).toBe(money);
    expect(resolveMarshallerOptions(undefined).classesByName.size).toBe(0);
  });

  it('names the offending option', () => {
    const bad = (classes: unknown) => () => resolveMarshallerOptions({ classes: classes as ClassCodec[] });
    expect(optionOf(() => resolveMarshallerOptions(5 as never))).toBe('options');
    expect(optionOf(bad('x'))).toBe('classes');
    expect(optionOf(bad([null]))).toBe('classes[0]');
    expect(optionOf(bad([{ ...money, name: '' }]))).toBe('classes[0].name');
    expect(optionOf(bad([{ ...money, type: 1 }]))).toBe('classes[0].type');
    expect(optionOf(bad([{ ...money, encode: 1 }]))).toBe('classes[0].encode');
    expect(optionOf(bad([{ ...money, decode: 1 }]))).toBe('classes[0].decode');
    expect(optionOf(bad([money, { ...money, type: class Other {} }]))).toBe('classes[1].name');
    expect(optionOf(bad([money, { ...money, name: 'Money2' }]))).toBe('classes[1].type');
    expect(optionOf(() => resolveMarshallerOptions({ maxDepth: 0 }))).toBe('maxDepth');
    expect(optionOf(() => resolveMarshallerOptions({ maxLength: 1.5 }))).toBe('maxLength');
  });
});

describe('size and input checks', () => {
  it('refuse non-bytes and oversized input with typed errors naming the format', () => {
    expect(() => checkDecodeInput('text', 10, 'JSON')).toThrow(/cannot decode JSON: expected a Uint8Array/);
    expect(() => checkDecodeInput(new Uint8Array(3), 10, 'JSON')).not.toThrow();
    let error: unknown;
    try {
      const check: (bytes: unknown, max: number, format: string) => void = checkDecodeInput;
      check(new Uint8Array(11), 10, 'msgpack');
    } catch (e) {
      error = e;
    }
    expect(SerializationError.isInstance(error)).toBe(true);
    expect(LimitExceededError.isInstance((error as Error).cause)).toBe(true);
    expect(() => checkMaxBytes(11, 10, 'encode', 'JSON')).toThrow(/cannot encode JSON: maxBytes exceeded/);
    expect(() => checkMaxBytes(10, 10, 'encode', 'JSON')).not.toThrow();
  });
});
