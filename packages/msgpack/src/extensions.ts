/**
 * msgpack extension type codes this package writes and reads. Each payload is self-contained
 * (nested msgpack inside the extension's bytes), so any msgpack reader can skip what it does not
 * know. `undefined` (0) and timestamps (-1) follow the common conventions; BigInt (0x42) and
 * typed arrays (0x74) use msgpackr's own layouts, so msgpackr readers understand them too.
 */
export const Extension = {
  /** `undefined`: fixext1, data byte 0 (notepack/msgpackr convention). */
  undefined: 0x00,
  /** `Date`: the msgpack timestamp type; an invalid Date is `d4 ff ff` (msgpackr convention). */
  timestamp: -1,
  /** `BigInt`: big-endian two's complement, as few bytes as possible. */
  bigint: 0x42,
  /** `Map`: a nested msgpack map whose keys are any values. */
  map: 0x4d,
  /** `Set`: a nested msgpack array. */
  set: 0x53,
  /** `RegExp`: a nested `[source, flags]`. */
  regexp: 0x52,
  /** Typed arrays, `ArrayBuffer`, `DataView`, `Buffer`: one type byte, then the raw bytes (little-endian). */
  typedArray: 0x74,
  /** Sparse array: a nested `[length, index, value, index, value, …]`. */
  sparseArray: 0x41,
  /** Registered class: a nested `[name, plain]`. */
  classInstance: 0x43,
  /** An object without prototype (`Object.create(null)`): a nested msgpack map. */
  nullPrototypeObject: 0x4f,
  /** A string that is not well-formed UTF-16 (lone surrogates): its UTF-16LE code units. */
  utf16String: 0x55,
} as const;

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** Typed array by the type byte of a `typedArray` extension (msgpackr's numbering). */
export const TYPED_ARRAYS: readonly TypedArrayConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** Type byte of an `ArrayBuffer` (msgpackr's code). */
export const ARRAY_BUFFER_CODE = 16;
/** Type byte of a `DataView` (msgpackr's code). */
export const DATA_VIEW_CODE = 17;
/** Type byte of a Node `Buffer` (ours; plain `Uint8Array`s travel as msgpack `bin`). */
export const BUFFER_CODE = 32;

/** Type byte by exact typed-array prototype. */
export const TYPED_ARRAY_CODES: ReadonlyMap<object, number> = new Map(
  TYPED_ARRAYS.map((type, code) => [type.prototype as object, code]),
);

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` has no lone surrogates, so it survives UTF-8 (msgpack strings are UTF-8). */
export const isWellFormed: (text: string) => boolean = hasIsWellFormed
  ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
  : (text) => !LONE_SURROGATE.test(text);
