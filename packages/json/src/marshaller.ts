import {
  CONTRACT_VERSION,
  checkDecodeInput,
  checkMaxBytes,
  type Marshaller,
  SerializationError,
  toSerializationError,
} from '@synced-cache/core';
import { revive } from './decode.js';
import { isPlain, tagValue } from './encode.js';
import { type JsonMarshallerOptions, resolveOptions } from './options.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Creates the type-faithful JSON marshaller. Its output is readable JSON: plain data is exactly
 * what `JSON.stringify` writes, and what JSON cannot hold travels as small tagged objects
 * `{"$sc": "<type>", "v": <payload>}` — `undefined`, `NaN`, `±Infinity`, `-0`, `BigInt`, `Date`
 * (also invalid), `Map`, `Set`, `RegExp`, `Buffer`, typed arrays, `ArrayBuffer`, `DataView`,
 * sparse arrays and your registered classes. A user object that has a `"$sc"` key of its own is
 * escaped, so it comes back unchanged. JSON written by other programs decodes as plain values.
 *
 * `encode` throws a {@link SerializationError} (with `path`, e.g. `$.user.tags[3]`) for functions,
 * symbols, cycles and instances of classes without a codec — it never silently changes a value.
 * `decode` throws a `SerializationError` for malformed input and when a limit is exceeded (then
 * its `cause` is a `LimitExceededError`); it never pollutes prototypes: `__proto__`,
 * `constructor` and `prototype` keys come back as plain own data.
 *
 * @typeParam V - the type of the values it carries, taken from where the marshaller is used
 *   (`createCache<Order>({ marshaller: createJsonMarshaller() })` makes it a `Marshaller<Order>`).
 *   Nothing checks it at run time: `decode` returns what an `encode` wrote, so one namespace must
 *   hold one type. Left out, it is `unknown`.
 * @throws InvalidConfigError when an option is invalid.
 * @example
 * ```ts
 * const marshaller = createJsonMarshaller();
 * const bytes = marshaller.encode({ at: new Date(0), ids: new Set([1n, 2n]) });
 * marshaller.decode(bytes); // { at: Date, ids: Set { 1n, 2n } }
 * ```
 */
export function createJsonMarshaller<V = unknown>(options?: JsonMarshallerOptions): Marshaller<V> {
  const resolved = resolveOptions(options);
  const marshaller: Marshaller<unknown> = {
    contractVersion: CONTRACT_VERSION,
    name: 'json',
    encode(value: unknown): Uint8Array {
      let text: string;
      try {
        let plain: boolean;
        try {
          plain = isPlain(value, 1, resolved);
        } catch {
          // A throwing getter: let the tagging walk hit it again and report its path.
          plain = false;
        }
        text = JSON.stringify(plain ? value : tagValue(value, 1, resolved));
      } catch (error) {
        throw toSerializationError(error, 'encode', 'JSON');
      }
      // A Buffer (a Uint8Array): small ones come from Node's 8 KiB pool, far cheaper than a fresh
      // ArrayBuffer per value.
      const bytes = Buffer.from(text, 'utf8');
      checkMaxBytes(bytes.length, resolved.maxBytes, 'encode', 'JSON');
      return bytes;
    },
    decode(bytes: Uint8Array): unknown {
      checkDecodeInput(bytes, resolved.maxBytes, 'JSON');
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw new SerializationError('cannot decode JSON: the bytes are not valid UTF-8', {
          action: 'decode',
          path: '$',
        });
      }
      try {
        return revive(JSON.parse(text), resolved);
      } catch (error) {
        throw toSerializationError(error, 'decode', 'JSON');
      }
    },
  };
  // The one place the value type is taken on trust: decode returns what an encode wrote.
  return marshaller as Marshaller<V>;
}
