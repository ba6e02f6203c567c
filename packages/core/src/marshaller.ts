import type { Marshaller } from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { SerializationError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Core's built-in marshaller: plain JSON, like the Go library's `JSONMarshaller`. It refuses, with a
 * {@link SerializationError} naming where, every value that would not come back as it went in —
 * instead of silently changing it, which would leave the writer (holding the original) and every
 * other pod (holding the decoded copy) disagreeing: `Map`, `Set`, `Date`, class instances, typed
 * arrays and `Buffer`s, anything with a `toJSON()`, `NaN` and `±Infinity`, `undefined` inside
 * objects or arrays (and array holes), BigInt, functions, symbols, cycles. `-0` is the one change
 * it lets through (it comes back as `0`). For those types pass `marshaller: createJsonMarshaller()`
 * (`@synced-cache/json`) or `createMsgpackMarshaller()` (`@synced-cache/msgpack`), which keep them.
 */
export const jsonMarshaller: Marshaller<unknown> = {
  contractVersion: CONTRACT_VERSION,
  name: 'json-plain',
  encode(value: unknown): Uint8Array {
    let text: string | undefined;
    try {
      // Plain data (nearly every value) is checked by a walk and then stringified without a
      // replacer, which V8 does about twice as fast; anything the walk is unsure of (a refused
      // type, a cycle, deep nesting) goes through the replacer, which finds and names the problem.
      text = isPlainJson(value, 0) ? JSON.stringify(value) : JSON.stringify(value, refuseLossy);
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
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (error) {
      throw new SerializationError(`cannot decode JSON: ${(error as Error).message}`, {
        cause: error,
        action: 'decode',
      });
    }
    return decodeJsonText(text);
  },
};

/**
 * {@link jsonMarshaller}'s decode from the text itself: the local tier holds a received value's
 * bytes as text until its first read, and for this marshaller with ASCII bytes that text is the
 * JSON (no bytes to rebuild, no UTF-8 pass).
 *
 * @internal
 */
export function decodeJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SerializationError(`cannot decode JSON: ${(error as Error).message}`, {
      cause: error,
      action: 'decode',
    });
  }
}

/** Nesting beyond which {@link isPlainJson} stops and leaves the value to the replacer. */
const MAX_WALK_DEPTH = 64;

/**
 * True only when `JSON.stringify(value)` gives exactly what `JSON.stringify(value, refuseLossy)`
 * would, without an error: strings, booleans, finite numbers, `null`, arrays without holes and
 * objects whose prototype is `Object.prototype` or `null`, none with a `toJSON` method, all the
 * way down. False sends the value to the replacer, so false is always safe.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_WALK_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          if (!(index in value) || !isPlainJson(value[index], depth + 1)) return false;
        }
        return true;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) if (!isPlainJson(record[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

const HINT =
  'plain JSON would change it; pass marshaller: createJsonMarshaller() from @synced-cache/json to keep it';

/**
 * `JSON.stringify`'s replacer: looks at the value as it is in its holder (before `toJSON`) and
 * refuses what JSON would not give back unchanged.
 */
function refuseLossy(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  switch (typeof raw) {
    case 'object': {
      if (raw === null) return value;
      if (raw !== value) throw lossy(key, raw instanceof Date ? 'a Date' : `a ${kindOf(raw)} with toJSON()`);
      const prototype = Object.getPrototypeOf(raw);
      if (prototype !== Object.prototype && prototype !== null && !Array.isArray(raw)) {
        throw lossy(key, `a ${kindOf(raw)}`);
      }
      return value;
    }
    case 'number':
      if (!Number.isFinite(raw)) throw lossy(key, String(raw));
      return value;
    case 'string':
    case 'boolean':
      return value;
    default:
      // undefined (dropped from objects, null in arrays), function, symbol, bigint
      throw lossy(key, typeof raw === 'undefined' ? 'undefined' : `a ${typeof raw}`);
  }
}

function lossy(key: string, what: string): SerializationError {
  const where = key === '' ? 'the top level' : JSON.stringify(key);
  return new SerializationError(`cannot encode ${what} as plain JSON (at ${where}): ${HINT}`, {
    action: 'encode',
    path: key === '' ? '$' : `…${key}`,
  });
}

function kindOf(value: object): string {
  return (value.constructor as { name?: string } | undefined)?.name || 'object';
}
