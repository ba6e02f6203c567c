/**
 * Building blocks shared by type-faithful marshallers (`@synced-cache/json`,
 * `@synced-cache/msgpack`, or your own): the class-codec registry and the limit options, validated
 * the same way everywhere.
 *
 * @packageDocumentation
 */
import { InvalidConfigError, SerializationError } from './errors.js';
import { limitFailure, toSerializationError } from './walk-failure.js';

/**
 * How one of your classes is turned into plain data and back. Instances whose prototype is exactly
 * `type.prototype` use this codec (register subclasses separately).
 *
 * @typeParam T - the class instance type.
 * @typeParam P - the plain form `encode` returns; it may hold anything the marshaller supports
 * (nested dates, maps, other registered classes…).
 *
 * @example
 * ```ts
 * const money: ClassCodec<Money, { cents: string; currency: string }> = {
 *   name: 'Money',
 *   type: Money,
 *   encode: (m) => ({ cents: m.cents.toString(), currency: m.currency }),
 *   decode: (p) => new Money(BigInt(p.cents), p.currency),
 * };
 * ```
 */
export interface ClassCodec<T extends object = object, P = unknown> {
  /**
   * Stable name written into the encoded bytes, unique among `classes`. Renaming it makes
   * existing cached values undecodable, so it should not follow your class name through refactors.
   */
  readonly name: string;
  /** The class (constructor) whose instances this codec handles. */
  readonly type: abstract new (
    ...args: never[]
  ) => T;
  /** Returns the plain form of an instance. A throw becomes a `SerializationError` naming the path. */
  encode(value: T): P;
  /** Rebuilds an instance from its plain form. A throw becomes a `SerializationError` naming the path. */
  decode(plain: P): T;
}

/** The options every type-faithful marshaller shares; see each marshaller's own options type. */
export interface MarshallerBaseOptions {
  /** Classes to encode and decode by name. */
  classes?: readonly ClassCodec[];
  /** Deepest nesting of containers. */
  maxDepth?: number;
  /** Longest string, array, map, set or binary. */
  maxLength?: number;
  /** Largest encoded size in bytes. */
  maxBytes?: number;
}

/** Resolved limits and class tables, validated once at construction. */
export interface ResolvedMarshallerOptions {
  /** Deepest nesting of containers. */
  readonly maxDepth: number;
  /** Longest string, array, map, set or binary. */
  readonly maxLength: number;
  /** Largest encoded size in bytes. */
  readonly maxBytes: number;
  /** Codecs by the exact prototype of the instances they handle. */
  readonly classesByPrototype: ReadonlyMap<object, ClassCodec>;
  /** Codecs by their stable name. */
  readonly classesByName: ReadonlyMap<string, ClassCodec>;
}

/** Default `maxDepth`: containers nested deeper are refused. */
export const DEFAULT_MAX_DEPTH = 512;
/** Default `maxLength`. */
export const DEFAULT_MAX_LENGTH = 1_048_576;
/** Default `maxBytes` (64 MiB). */
export const DEFAULT_MAX_BYTES = 67_108_864;

/** A positive safe integer option, or its default. */
function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidConfigError(option, value, 'a positive safe integer');
  }
  return value;
}

/**
 * Validates options once.
 * @throws InvalidConfigError naming the option and the value.
 */
export function resolveMarshallerOptions(
  options: MarshallerBaseOptions | undefined,
): ResolvedMarshallerOptions {
  const given = options ?? {};
  if (typeof given !== 'object' || given === null) {
    throw new InvalidConfigError('options', given, 'an options object or undefined');
  }
  const classesByPrototype = new Map<object, ClassCodec>();
  const classesByName = new Map<string, ClassCodec>();
  const classes = given.classes ?? [];
  if (!Array.isArray(classes)) throw new InvalidConfigError('classes', classes, 'an array of class codecs');
  classes.forEach((codec: ClassCodec, index: number) => {
    const option = `classes[${index}]`;
    if (typeof codec !== 'object' || codec === null) {
      throw new InvalidConfigError(option, codec, '{ name, type, encode, decode }');
    }
    if (typeof codec.name !== 'string' || codec.name.length === 0) {
      throw new InvalidConfigError(`${option}.name`, codec.name, 'a non-empty string');
    }
    if (
      typeof codec.type !== 'function' ||
      typeof codec.type.prototype !== 'object' ||
      codec.type.prototype === null
    ) {
      throw new InvalidConfigError(`${option}.type`, codec.type, 'a class (constructor function)');
    }
    if (typeof codec.encode !== 'function')
      throw new InvalidConfigError(`${option}.encode`, codec.encode, 'a function');
    if (typeof codec.decode !== 'function')
      throw new InvalidConfigError(`${option}.decode`, codec.decode, 'a function');
    if (classesByName.has(codec.name)) {
      throw new InvalidConfigError(`${option}.name`, codec.name, 'a name not used by another class codec');
    }
    if (classesByPrototype.has(codec.type.prototype)) {
      throw new InvalidConfigError(`${option}.type`, codec.type, 'a class not registered twice');
    }
    classesByName.set(codec.name, codec);
    classesByPrototype.set(codec.type.prototype, codec);
  });
  return {
    maxDepth: positiveInteger('maxDepth', given.maxDepth, DEFAULT_MAX_DEPTH),
    maxLength: positiveInteger('maxLength', given.maxLength, DEFAULT_MAX_LENGTH),
    maxBytes: positiveInteger('maxBytes', given.maxBytes, DEFAULT_MAX_BYTES),
    classesByPrototype,
    classesByName,
  };
}

/**
 * Throws the `maxBytes` limit error (a `SerializationError` caused by a `LimitExceededError`) when
 * an encoded value, or bytes about to be decoded, are larger than `maxBytes`.
 */
export function checkMaxBytes(
  length: number,
  maxBytes: number,
  action: 'encode' | 'decode',
  format: string,
): void {
  if (length > maxBytes) {
    throw toSerializationError(limitFailure('maxBytes', maxBytes, length), action, format);
  }
}

/**
 * The input check of a `decode`: bytes, within `maxBytes`.
 * @throws SerializationError for anything else.
 */
export function checkDecodeInput(
  bytes: unknown,
  maxBytes: number,
  format: string,
): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new SerializationError(`cannot decode ${format}: expected a Uint8Array`, { action: 'decode' });
  }
  checkMaxBytes(bytes.length, maxBytes, 'decode', format);
}
