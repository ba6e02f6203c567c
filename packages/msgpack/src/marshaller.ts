import {
  CONTRACT_VERSION,
  checkDecodeInput,
  checkMaxBytes,
  WalkFailure as Failure,
  limitFailure,
  type Marshaller,
  SerializationError,
  toSerializationError,
} from '@synced-cache/core';
import { Packr, Unpackr } from 'msgpackr';
import { type MsgpackMarshallerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Reader, Route, scan } from './reader.js';
import { isPlain, Writer } from './writer.js';

/** Whether the UTF-8 bytes of U+FFFD (EF BF BD) occur: memchr for the first byte, then a check. */
function containsReplacementCharacter(bytes: Uint8Array): boolean {
  const indexOf = Buffer.prototype.indexOf;
  let at = indexOf.call(bytes, 0xef);
  while (at !== -1) {
    if (bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd) return true;
    at = indexOf.call(bytes, 0xef, at + 1);
  }
  return false;
}

/** Largest msgpackr arena that encoded values may share (see `encode`). */
const ARENA_SHARE_LIMIT = 65_536;

/**
 * Creates the msgpack marshaller. Plain data (objects, arrays, strings, numbers, booleans, null,
 * undefined, `Date`, `Uint8Array`) is packed by msgpackr as standard msgpack that any reader
 * understands; `-0`, `BigInt`, `Map`, `Set`, `RegExp`, `Buffer`, other typed arrays,
 * `ArrayBuffer`, `DataView`, sparse arrays, strings with lone surrogates and your registered
 * classes travel as self-contained msgpack extensions (see the README for the type codes).
 * msgpack written by other programs decodes as plain values (`bin` → `Uint8Array`, 64-bit
 * integers → `number` when safe, else `BigInt`).
 *
 * `encode` throws a {@link SerializationError} (with `path`) for functions, symbols, cycles and
 * instances of classes without a codec. `decode` throws a `SerializationError` for malformed
 * input and exceeded limits (then `cause` is a `LimitExceededError`), and never pollutes
 * prototypes: `__proto__`, `constructor` and `prototype` keys come back as plain own data.
 *
 * @typeParam V - the type of the values it carries, taken from where the marshaller is used
 *   (`createCache<Order>({ marshaller: createJsonMarshaller() })` makes it a `Marshaller<Order>`).
 *   Nothing checks it at run time: `decode` returns what an `encode` wrote, so one namespace must
 *   hold one type. Left out, it is `unknown`.
 * @throws InvalidConfigError when an option is invalid.
 * @example
 * ```ts
 * const marshaller = createMsgpackMarshaller();
 * const bytes = marshaller.encode({ at: new Date(0), ids: new Set([1n, 2n]) });
 * marshaller.decode(bytes); // { at: Date, ids: Set { 1n, 2n } }
 * ```
 */
export function createMsgpackMarshaller<V = unknown>(options?: MsgpackMarshallerOptions): Marshaller<V> {
  const resolved = resolveOptions(options);
  // Records are self-contained per value: no shared structures that another pod would lack.
  const packr = new Packr({ useRecords: resolved.records, useToJSON: false });
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  const recordsUnpackr = new Unpackr({ useRecords: true, mapsAsObjects: true });
  const marshaller: Marshaller<unknown> = {
    contractVersion: CONTRACT_VERSION,
    name: 'msgpack',
    encode(value: unknown): Uint8Array {
      let bytes: Uint8Array;
      try {
        let plain: boolean;
        try {
          plain = isPlain(value, 1, resolved);
        } catch {
          // A throwing getter: let the full writer hit it again and report its path.
          plain = false;
        }
        let packed: Uint8Array | undefined;
        if (plain) {
          packed = packr.pack(value);
          // msgpackr writes U+FFFD for a lone surrogate (UTF-8 cannot hold it). Searching the
          // bytes once is far cheaper than checking every string and key during the walk; a real
          // U+FFFD in the data only sends the value down the full writer, which handles both.
          if (containsReplacementCharacter(packed)) packed = undefined;
        }
        if (packed !== undefined) {
          // msgpackr returns a view into its arena, which grows to fit the largest value packed
          // so far: copy out of a large arena so that a small cached value never pins it. A
          // small arena is shared the way Node's own 8 KiB Buffer pool is.
          bytes = packed.buffer.byteLength > ARENA_SHARE_LIMIT ? Buffer.from(packed) : packed;
        } else {
          const writer = new Writer(resolved);
          writer.value(value, 1);
          bytes = writer.result();
        }
      } catch (error) {
        throw toSerializationError(error, 'encode', 'msgpack');
      }
      checkMaxBytes(bytes.length, resolved.maxBytes, 'encode', 'msgpack');
      return bytes;
    },
    decode(bytes: Uint8Array): unknown {
      checkDecodeInput(bytes, resolved.maxBytes, 'msgpack');
      if (bytes.length === 0) {
        throw new SerializationError('cannot decode msgpack: no bytes', { action: 'decode', path: '$' });
      }
      try {
        const route = scan(bytes, resolved);
        if (route === Route.fast) return unpackr.unpack(bytes);
        if (route === Route.records) return decodeRecords(recordsUnpackr, bytes, resolved);
        return new Reader(bytes, resolved).read();
      } catch (error) {
        throw toSerializationError(error, 'decode', 'msgpack');
      }
    },
  };
  // The one place the value type is taken on trust: decode returns what an encode wrote.
  return marshaller as Marshaller<V>;
}

/**
 * Records data is msgpackr's own format, decoded by msgpackr (which renames a `__proto__` key to
 * `__proto_` there); the limits are checked on the result.
 */
function decodeRecords(unpackr: Unpackr, bytes: Uint8Array, options: ResolvedOptions): unknown {
  const value: unknown = unpackr.unpack(bytes);
  checkLimits(value, 1, options);
  return value;
}

function checkLimits(value: unknown, depth: number, options: ResolvedOptions): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > options.maxDepth) throw limitFailure('maxDepth', options.maxDepth, depth);
  const prototype = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (value.length > options.maxLength) throw limitFailure('maxLength', options.maxLength, value.length);
    for (const element of value) checkLimits(element, depth + 1, options);
  } else if (prototype === Object.prototype) {
    const keys = Object.keys(value);
    if (keys.length > options.maxLength) throw limitFailure('maxLength', options.maxLength, keys.length);
    for (const key of keys) checkLimits((value as Record<string, unknown>)[key], depth + 1, options);
  } else if (!(value instanceof Date) && !(value instanceof Uint8Array)) {
    throw new Failure('records data decoded to an unsupported type');
  }
}
