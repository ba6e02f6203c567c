/** The key that marks a tagged value: `{"$sc": "<type>", "v": <payload>}`. */
export const TAG = '$sc';

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

/** Typed arrays by tag name (their bytes travel as base64, in the platform's little-endian order). */
export const TYPED_ARRAYS: ReadonlyMap<string, TypedArrayConstructor> = new Map<
  string,
  TypedArrayConstructor
>([
  ['Int8Array', Int8Array],
  ['Uint8Array', Uint8Array],
  ['Uint8ClampedArray', Uint8ClampedArray],
  ['Int16Array', Int16Array],
  ['Uint16Array', Uint16Array],
  ['Int32Array', Int32Array],
  ['Uint32Array', Uint32Array],
  ['Float32Array', Float32Array],
  ['Float64Array', Float64Array],
  ['BigInt64Array', BigInt64Array],
  ['BigUint64Array', BigUint64Array],
]);

/** Tag name by typed-array prototype (exact prototypes only, so subclasses are not mistaken for them). */
export const TYPED_ARRAY_NAMES: ReadonlyMap<object, string> = new Map(
  [...TYPED_ARRAYS].map(([name, type]) => [type.prototype as object, name]),
);
