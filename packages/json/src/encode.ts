import {
  depthFailure,
  WalkFailure as Failure,
  keySegment,
  limitFailure,
  mapValueSegment,
  rethrowWithSegment,
} from '@synced-cache/core';
import type { ResolvedOptions } from './options.js';
import { TAG, TYPED_ARRAY_NAMES } from './tags.js';

const OBJECT_PROTOTYPE = Object.prototype;
const ARRAY_PROTOTYPE = Array.prototype;
const DATE_PROTOTYPE = Date.prototype;
const MAP_PROTOTYPE = Map.prototype;
const SET_PROTOTYPE = Set.prototype;
const REGEXP_PROTOTYPE = RegExp.prototype;
const ARRAY_BUFFER_PROTOTYPE = ArrayBuffer.prototype;
const DATA_VIEW_PROTOTYPE = DataView.prototype;
const BUFFER_PROTOTYPE: object | undefined = typeof Buffer === 'function' ? Buffer.prototype : undefined;
const hasOwn = Object.hasOwn;

const UNDEFINED_TAG = { [TAG]: 'undefined' };

/**
 * True when `JSON.stringify(value)` alone encodes `value` faithfully: only strings, booleans,
 * null, finite numbers other than -0, plain objects (prototype `Object.prototype`) without a
 * `$sc` key, and dense arrays, within
 * the limits. One cheap walk with an early exit; anything else goes through {@link tagValue},
 * which also reports errors with their path.
 */
export function isPlain(value: unknown, depth: number, options: ResolvedOptions): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // -0 and non-finite numbers (x - x is NaN for them) need a tag.
      return value === 0 ? 1 / value > 0 : value - value === 0;
    case 'object': {
      if (value === null) return true;
      if (depth > options.maxDepth) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== ARRAY_PROTOTYPE) return false;
        const length = value.length;
        if (length > options.maxLength) return false;
        for (let index = 0; index < length; index++) {
          const element: unknown = value[index];
          // Strings and numbers dominate real data: no call for them.
          if (typeof element === 'string') continue;
          if (typeof element === 'number') {
            // -0 and non-finite numbers (x - x is NaN for them) need a tag.
            if (element === 0 ? 1 / element < 0 : element - element !== 0) return false;
          } else if (element === undefined || !isPlain(element, depth + 1, options)) {
            return false;
          }
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== OBJECT_PROTOTYPE) return false;
      let count = 0;
      for (const key in value) {
        if (key === TAG) return false;
        const element: unknown = (value as Record<string, unknown>)[key];
        count++;
        if (typeof element === 'string') continue;
        if (typeof element === 'number') {
          if (element === 0 ? 1 / element < 0 : element - element !== 0) return false;
        } else if (!isPlain(element, depth + 1, options)) {
          return false;
        }
      }
      return count <= options.maxLength;
    }
    default:
      return false;
  }
}

function tagged(type: string, payload: unknown): Record<string, unknown> {
  return { [TAG]: type, v: payload };
}

function bytesOf(view: ArrayBufferView | ArrayBuffer): string {
  if (view instanceof ArrayBuffer) return Buffer.from(view).toString('base64');
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

function checkLength(length: number, options: ResolvedOptions): void {
  if (length > options.maxLength) throw limitFailure('maxLength', options.maxLength, length);
}

/**
 * Returns a JSON-ready copy of `value` with tags for what JSON cannot hold, or throws a
 * {@link Failure} for what cannot be encoded (functions, symbols, cycles, unregistered classes).
 */
export function tagValue(value: unknown, depth: number, options: ResolvedOptions): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (value === 0) return 1 / value > 0 ? 0 : tagged('number', '-0');
      return value - value === 0 ? value : tagged('number', String(value));
    case 'undefined':
      return UNDEFINED_TAG;
    case 'bigint': {
      const digits = value.toString();
      checkLength(digits.length, options);
      return tagged('bigint', digits);
    }
    case 'object':
      return value === null ? null : tagObject(value, depth, options);
    case 'function':
      throw new Failure(`a function (${value.name || 'anonymous'}) cannot be encoded`);
    case 'symbol':
      throw new Failure(`a symbol (${value.toString()}) cannot be encoded`);
    default:
      throw new Failure(`a value of type ${typeof value} cannot be encoded`);
  }
}

function tagArray(array: readonly unknown[], depth: number, options: ResolvedOptions): unknown {
  const length = array.length;
  checkLength(length, options);
  const out: unknown[] = new Array(length);
  let index = 0;
  try {
    for (; index < length; index++) {
      if (!(index in array)) break;
      out[index] = tagValue(array[index], depth + 1, options);
    }
  } catch (error) {
    rethrowWithSegment(error, `[${index}]`, array);
  }
  return index < length ? tagSparse(array, depth, options) : out;
}

function tagSparse(array: readonly unknown[], depth: number, options: ResolvedOptions): unknown {
  const payload: unknown[] = [array.length];
  let index = 0;
  try {
    // Only own indices: a huge mostly-empty array costs what it holds, not its length.
    for (const key of Object.keys(array)) {
      index = Number(key);
      if (!Number.isInteger(index) || String(index) !== key) continue;
      payload.push(index, tagValue(array[index], depth + 1, options));
    }
  } catch (error) {
    rethrowWithSegment(error, `[${index}]`, array);
  }
  return tagged('sparse', payload);
}

function tagPlainObject(object: object, depth: number, options: ResolvedOptions): unknown {
  const keys = Object.keys(object);
  checkLength(keys.length, options);
  const out: Record<string, unknown> = {};
  let key = '';
  try {
    for (key of keys) {
      const encoded = tagValue((object as Record<string, unknown>)[key], depth + 1, options);
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: encoded,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = encoded;
      }
    }
  } catch (error) {
    rethrowWithSegment(error, keySegment(key), object);
  }
  if (Object.getPrototypeOf(object) === null) return tagged('null-prototype', out);
  return hasOwn(object, TAG) ? tagged('object', out) : out;
}

/** Containers (arrays, objects, Map, Set, class instances) count towards `maxDepth`; leaf objects do not. */
function checkDepth(object: object, depth: number, options: ResolvedOptions): void {
  if (depth > options.maxDepth) throw depthFailure(options.maxDepth, object);
}

function tagObject(object: object, depth: number, options: ResolvedOptions): unknown {
  const prototype: object | null = Object.getPrototypeOf(object);
  const codec = prototype === null ? undefined : options.classesByPrototype.get(prototype);
  if (codec !== undefined) {
    checkDepth(object, depth, options);
    let plain: unknown;
    try {
      plain = codec.encode(object);
    } catch (error) {
      throw new Failure(
        `class codec ${codec.name} failed to encode: ${(error as Error)?.message ?? error}`,
        error,
      );
    }
    try {
      return tagged(`class:${codec.name}`, tagValue(plain, depth + 1, options));
    } catch (error) {
      rethrowWithSegment(error, `<${codec.name}>`, object);
    }
  }
  if (prototype === ARRAY_PROTOTYPE) {
    checkDepth(object, depth, options);
    return tagArray(object as unknown[], depth, options);
  }
  if (prototype === OBJECT_PROTOTYPE || prototype === null) {
    checkDepth(object, depth, options);
    return tagPlainObject(object, depth, options);
  }
  if (prototype === DATE_PROTOTYPE) {
    const time = (object as Date).getTime();
    return tagged('Date', Number.isNaN(time) ? null : (object as Date).toISOString());
  }
  if (prototype === MAP_PROTOTYPE) {
    checkDepth(object, depth, options);
    return tagMap(object as Map<unknown, unknown>, depth, options);
  }
  if (prototype === SET_PROTOTYPE) {
    checkDepth(object, depth, options);
    return tagSet(object as Set<unknown>, depth, options);
  }
  if (prototype === REGEXP_PROTOTYPE)
    return tagged('RegExp', [(object as RegExp).source, (object as RegExp).flags]);
  if (prototype === ARRAY_BUFFER_PROTOTYPE) return tagged('ArrayBuffer', bytesOf(object as ArrayBuffer));
  if (prototype === DATA_VIEW_PROTOTYPE) return tagged('DataView', bytesOf(object as DataView));
  if (prototype === BUFFER_PROTOTYPE) return tagged('Buffer', bytesOf(object as Buffer));
  const typedName = prototype === null ? undefined : TYPED_ARRAY_NAMES.get(prototype);
  if (typedName !== undefined) return tagged(typedName, bytesOf(object as ArrayBufferView));
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  throw new Failure(
    `an instance of ${typeof name === 'string' && name ? name : 'an unknown class'} cannot be encoded (register a codec in the classes option)`,
  );
}

function tagMap(map: Map<unknown, unknown>, depth: number, options: ResolvedOptions): unknown {
  checkLength(map.size, options);
  const entries: unknown[] = [];
  let index = 0;
  let segment = '';
  try {
    for (const [key, value] of map) {
      segment = `.keys()[${index}]`;
      const encodedKey = tagValue(key, depth + 1, options);
      segment = mapValueSegment(key, index);
      entries.push([encodedKey, tagValue(value, depth + 1, options)]);
      index++;
    }
  } catch (error) {
    rethrowWithSegment(error, segment, map);
  }
  return tagged('Map', entries);
}

function tagSet(set: Set<unknown>, depth: number, options: ResolvedOptions): unknown {
  checkLength(set.size, options);
  const values: unknown[] = [];
  let index = 0;
  try {
    for (const value of set) {
      values.push(tagValue(value, depth + 1, options));
      index++;
    }
  } catch (error) {
    rethrowWithSegment(error, `.values()[${index}]`, set);
  }
  return tagged('Set', values);
}
