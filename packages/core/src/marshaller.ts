import type { Marshaller } from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { SerializationError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Core's built-in marshaller: plain JSON (the Go library's `JSONMarshaller`). Values that JSON cannot
 * hold faithfully — BigInt, cycles, functions, symbols, a top-level `undefined` — are rejected
 * with a {@link SerializationError} instead of being silently changed. `Date`s become strings, as
 * with `JSON.stringify`; for type-faithful values pass `marshaller: createJsonMarshaller()`
 * (`@synced-cache/json`) or `createMsgpackMarshaller()` (`@synced-cache/msgpack`).
 */
export const jsonMarshaller: Marshaller<unknown> = {
  contractVersion: CONTRACT_VERSION,
  name: 'json-plain',
  encode(value: unknown): Uint8Array {
    let text: string | undefined;
    try {
      text = JSON.stringify(value, rejectLossy);
    } catch (error) {
      if (SerializationError.isInstance(error)) throw error;
      throw new SerializationError(`cannot encode value as JSON: ${(error as Error).message}`, {
        cause: error,
        action: 'encode',
      });
    }
    if (text === undefined) {
      throw new SerializationError(`cannot encode ${typeof value} as JSON`, { action: 'encode', path: '$' });
    }
    return Buffer.from(text, 'utf8');
  },
  decode(bytes: Uint8Array): unknown {
    try {
      return JSON.parse(decoder.decode(bytes));
    } catch (error) {
      throw new SerializationError(`cannot decode JSON: ${(error as Error).message}`, {
        cause: error,
        action: 'decode',
      });
    }
  },
};

/** JSON.stringify silently drops functions and symbols inside objects; refuse instead. */
function rejectLossy(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new SerializationError(`cannot encode a ${typeof value} as JSON (at ${JSON.stringify(key)})`, {
      action: 'encode',
      path: key === '' ? '$' : `…${key}`,
    });
  }
  return value;
}
