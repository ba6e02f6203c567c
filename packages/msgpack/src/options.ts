import {
  type ClassCodec,
  InvalidConfigError,
  type OptionNames,
  type ResolvedMarshallerOptions,
  rejectUnknownOptions,
  resolveMarshallerOptions,
} from '@synced-cache/core';

export type { ClassCodec } from '@synced-cache/core';

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

/** Resolved limits, class tables and record mode, validated once at construction. */
export interface ResolvedOptions extends ResolvedMarshallerOptions {
  readonly records: boolean;
}

function booleanOption(option: string, value: boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidConfigError(option, value, 'a boolean');
  return value;
}

const OPTION_NAMES: OptionNames<MsgpackMarshallerOptions> = {
  classes: true,
  maxDepth: true,
  maxLength: true,
  maxBytes: true,
  records: true,
};

/**
 * Validates options once.
 * @throws InvalidConfigError naming the option and the value.
 */
export function resolveOptions(options: MsgpackMarshallerOptions | undefined): ResolvedOptions {
  if (options !== undefined) rejectUnknownOptions(options, OPTION_NAMES);
  return { ...resolveMarshallerOptions(options), records: booleanOption('records', options?.records) };
}
