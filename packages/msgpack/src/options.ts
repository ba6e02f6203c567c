import { InvalidConfigError } from '@synced-cache/core';

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

/** Options of {@link createMsgpackMarshaller}. All limits apply to `decode`, and to `encode` so that nothing is written that could not be read back. */
export interface MsgpackMarshallerOptions {
  /**
   * Codecs for your own classes. An instance of any other class (one whose prototype is not
   * `Object.prototype`, `null`, or a supported built-in) is refused with a `SerializationError`.
   * @default []
   */
  classes?: readonly ClassCodec[];
  /**
   * Deepest nesting of containers (arrays, objects, `Map`s, `Set`s, registered classes); the
   * top-level container is depth 1. Exceeding it throws a `SerializationError` whose `cause` is a
   * `LimitExceededError` with `limit: 'maxDepth'`.
   * @default 512
   */
  maxDepth?: number;
  /**
   * Most entries in one array, object, `Map` or `Set` (and the largest sparse-array length, and
   * the most bytes of a `BigInt`). Exceeding it throws a `SerializationError` whose `cause` is a
   * `LimitExceededError` with `limit: 'maxLength'`.
   * @default 1_048_576
   */
  maxLength?: number;
  /**
   * Largest encoded size in bytes. Exceeding it throws a `SerializationError` whose `cause` is a
   * `LimitExceededError` with `limit: 'maxBytes'`.
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Encode plain objects with msgpackr's record extension (`useRecords`): smaller and faster for
   * arrays of same-shaped objects, but only msgpackr can read it — leave it off when other
   * programs read the store. Records are self-contained per value (no shared structures), and
   * a marshaller with `records: true` still reads plain msgpack. Values that need an extension
   * (Map, BigInt, …) or have a `__proto__` key are written as plain msgpack either way.
   * @default false
   */
  records?: boolean;
}

/** Resolved limits and class tables, validated once at construction. */
export interface ResolvedOptions {
  readonly maxDepth: number;
  readonly maxLength: number;
  readonly maxBytes: number;
  readonly classesByPrototype: ReadonlyMap<object, ClassCodec>;
  readonly classesByName: ReadonlyMap<string, ClassCodec>;
  readonly records: boolean;
}

export const DEFAULT_MAX_DEPTH = 512;
export const DEFAULT_MAX_LENGTH = 1_048_576;
export const DEFAULT_MAX_BYTES = 67_108_864;

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidConfigError(option, value, 'a positive safe integer');
  }
  return value;
}

function booleanOption(option: string, value: boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidConfigError(option, value, 'a boolean');
  return value;
}

/**
 * Validates options once.
 * @throws InvalidConfigError naming the option and the value.
 */
export function resolveOptions(options: MsgpackMarshallerOptions | undefined): ResolvedOptions {
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
    records: booleanOption('records', given.records),
  };
}
