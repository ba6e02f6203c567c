import {
  type ClassCodec,
  type OptionNames,
  type ResolvedMarshallerOptions,
  rejectUnknownOptions,
  resolveMarshallerOptions,
} from '@synced-cache/core';

export type { ClassCodec } from '@synced-cache/core';

/** Options of {@link createJsonMarshaller}. All limits apply to `decode`, and to `encode` so that nothing is written that could not be read back. */
export interface JsonMarshallerOptions {
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
   * the most digits of a `BigInt`). Exceeding it throws a `SerializationError` whose `cause` is a
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
}

const OPTION_NAMES: OptionNames<JsonMarshallerOptions> = {
  classes: true,
  maxDepth: true,
  maxLength: true,
  maxBytes: true,
};

/** Resolved limits and class tables, validated once at construction. */
export type ResolvedOptions = ResolvedMarshallerOptions;

/**
 * Validates options once.
 * @throws InvalidConfigError naming the option and the value.
 */
export function resolveOptions(options: JsonMarshallerOptions | undefined): ResolvedOptions {
  if (options !== undefined) rejectUnknownOptions(options, OPTION_NAMES);
  return resolveMarshallerOptions(options);
}
