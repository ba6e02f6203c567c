import {
  depthFailure,
  WalkFailure as Failure,
  keySegment,
  limitFailure,
  rethrowWithSegment,
} from '@synced-cache/core';
import type { ResolvedOptions } from './options.js';
import { TAG, TYPED_ARRAYS } from './tags.js';

const hasOwn = Object.hasOwn;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;

/**
 * Turns what `JSON.parse` returned into the value: revives tags in place, enforces depth and
 * length limits. `JSON.parse` itself creates `__proto__` keys as own data properties; every
 * assignment here keeps it that way.
 */
export function revive(value: unknown, options: ResolvedOptions): unknown {
  inheritedKeys = hasInheritedEnumerableKeys();
  return typeof value === 'object' && value !== null ? reviveContainer(value, 1, options) : value;
}

function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

function reviveContainer(container: object, depth: number, options: ResolvedOptions): unknown {
  // Tags of leaf values (Date, BigInt, undefined…) are objects in the JSON but not containers of
  // the value, so depth is checked per container kind, the same way the msgpack reader counts it.
  if (Array.isArray(container)) {
    if (depth > options.maxDepth) throw depthFailure(options.maxDepth, container);
    const length = container.length;
    if (length > options.maxLength) throw limitFailure('maxLength', options.maxLength, length);
    let index = 0;
    try {
      for (; index < length; index++) {
        const element: unknown = container[index];
        if (typeof element === 'object' && element !== null) {
          const revived = reviveContainer(element, depth + 1, options);
          if (revived !== element) container[index] = revived;
        }
      }
    } catch (error) {
      rethrowWithSegment(error, `[${index}]`, container);
    }
    return container;
  }
  if (hasOwn(container, TAG)) return reviveTag(container as Record<string, unknown>, depth, options);
  return reviveObject(container as Record<string, unknown>, depth, options);
}

/**
 * Whether `for…in` over a parsed object would also see inherited keys (only when someone made
 * an `Object.prototype` property enumerable). Checked once per decode: when it is false, the
 * walk uses `for…in`, which allocates nothing, instead of `Object.keys`.
 */
let inheritedKeys = false;

function hasInheritedEnumerableKeys(): boolean {
  for (const _ in {}) return true;
  return false;
}

function reviveObject(object: Record<string, unknown>, depth: number, options: ResolvedOptions): object {
  if (depth > options.maxDepth) throw depthFailure(options.maxDepth, object);
  let count = 0;
  let key = '';
  try {
    if (inheritedKeys) {
      for (key of Object.keys(object)) {
        count++;
        reviveProperty(object, key, depth, options);
      }
    } else {
      for (key in object) {
        count++;
        reviveProperty(object, key, depth, options);
      }
    }
  } catch (error) {
    rethrowWithSegment(error, keySegment(key), object);
  }
  if (count > options.maxLength) throw limitFailure('maxLength', options.maxLength, count);
  return object;
}

function reviveProperty(
  object: Record<string, unknown>,
  key: string,
  depth: number,
  options: ResolvedOptions,
): void {
  const element = object[key];
  if (typeof element === 'object' && element !== null) {
    const revived = reviveContainer(element, depth + 1, options);
    if (revived !== element) setOwn(object, key, revived);
  }
}

function reviveChild(value: unknown, depth: number, options: ResolvedOptions): unknown {
  return typeof value === 'object' && value !== null ? reviveContainer(value, depth, options) : value;
}

function base64Bytes(payload: unknown, type: string, elementSize: number): ArrayBuffer {
  if (typeof payload !== 'string' || payload.length % 4 !== 0 || !BASE64.test(payload)) {
    throw new Failure(`malformed ${type} tag: expected a base64 string`);
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length % elementSize !== 0) {
    throw new Failure(`malformed ${type} tag: ${bytes.length} bytes is not a multiple of ${elementSize}`);
  }
  // A fresh, aligned buffer the value owns alone (Buffer.from may hand out a slice of a shared pool).
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

function requireArray(payload: unknown, type: string): unknown[] {
  if (!Array.isArray(payload)) throw new Failure(`malformed ${type} tag: expected an array payload`);
  return payload;
}

function reviveTag(tag: Record<string, unknown>, depth: number, options: ResolvedOptions): unknown {
  const type = tag[TAG];
  const payload = tag.v;
  let keyCount = 0;
  for (const key in tag) {
    if (key !== TAG && key !== 'v') throw new Failure(`malformed tag: unexpected key ${JSON.stringify(key)}`);
    keyCount++;
  }
  if (typeof type !== 'string') throw new Failure('malformed tag: "$sc" must be a string');
  if (type === 'undefined') {
    if (keyCount !== 1) throw new Failure('malformed undefined tag: unexpected payload');
    return undefined;
  }
  if (keyCount !== 2) throw new Failure(`malformed ${type} tag: missing payload "v"`);
  switch (type) {
    case 'number':
      switch (payload) {
        case 'NaN':
          return Number.NaN;
        case 'Infinity':
          return Number.POSITIVE_INFINITY;
        case '-Infinity':
          return Number.NEGATIVE_INFINITY;
        case '-0':
          return -0;
        default:
          throw new Failure('malformed number tag: expected "NaN", "Infinity", "-Infinity" or "-0"');
      }
    case 'bigint':
      if (typeof payload !== 'string' || !INTEGER_TEXT.test(payload)) {
        throw new Failure('malformed bigint tag: expected a decimal integer string');
      }
      if (payload.length > options.maxLength)
        throw limitFailure('maxLength', options.maxLength, payload.length);
      return BigInt(payload);
    case 'Date': {
      if (payload === null) return new Date(Number.NaN);
      const date = typeof payload === 'string' ? new Date(payload) : undefined;
      if (date === undefined || Number.isNaN(date.getTime())) {
        throw new Failure('malformed Date tag: expected an ISO 8601 string or null');
      }
      return date;
    }
    case 'RegExp': {
      const parts = requireArray(payload, type);
      if (parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
        throw new Failure('malformed RegExp tag: expected [source, flags]');
      }
      try {
        return new RegExp(parts[0], parts[1]);
      } catch (error) {
        throw new Failure(`malformed RegExp tag: ${(error as Error).message}`, error);
      }
    }
    case 'Map':
      return reviveMap(requireArray(payload, type), depth, options);
    case 'Set':
      return reviveSet(requireArray(payload, type), depth, options);
    case 'sparse':
      return reviveSparse(requireArray(payload, type), depth, options);
    case 'object':
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new Failure('malformed object tag: expected an object payload');
      }
      // The escaped object is user data: its own "$sc" key is not a tag.
      return reviveObject(payload as Record<string, unknown>, depth, options);
    case 'null-prototype': {
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new Failure('malformed null-prototype tag: expected an object payload');
      }
      const revived = reviveObject(payload as Record<string, unknown>, depth, options) as Record<
        string,
        unknown
      >;
      const object = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(revived)) setOwn(object, key, revived[key]);
      return object;
    }
    case 'ArrayBuffer':
      return base64Bytes(payload, type, 1);
    case 'DataView':
      return new DataView(base64Bytes(payload, type, 1));
    case 'Buffer':
      return Buffer.from(base64Bytes(payload, type, 1));
    default: {
      const typedArray = TYPED_ARRAYS.get(type);
      if (typedArray !== undefined) {
        return new typedArray(base64Bytes(payload, type, typedArray.BYTES_PER_ELEMENT));
      }
      if (type.startsWith('class:')) return reviveClass(type.slice(6), payload, depth, options);
      throw new Failure(`unknown tag ${JSON.stringify(type)}`);
    }
  }
}

function reviveMap(entries: unknown[], depth: number, options: ResolvedOptions): Map<unknown, unknown> {
  if (depth > options.maxDepth) throw depthFailure(options.maxDepth, entries);
  if (entries.length > options.maxLength) throw limitFailure('maxLength', options.maxLength, entries.length);
  const map = new Map<unknown, unknown>();
  let index = 0;
  try {
    for (; index < entries.length; index++) {
      const entry = entries[index];
      if (!Array.isArray(entry) || entry.length !== 2)
        throw new Failure('malformed Map tag: expected [key, value] entries');
      map.set(reviveChild(entry[0], depth + 1, options), reviveChild(entry[1], depth + 1, options));
    }
  } catch (error) {
    rethrowWithSegment(error, `.entries()[${index}]`, entries);
  }
  return map;
}

function reviveSet(values: unknown[], depth: number, options: ResolvedOptions): Set<unknown> {
  if (depth > options.maxDepth) throw depthFailure(options.maxDepth, values);
  if (values.length > options.maxLength) throw limitFailure('maxLength', options.maxLength, values.length);
  const set = new Set<unknown>();
  let index = 0;
  try {
    for (; index < values.length; index++) set.add(reviveChild(values[index], depth + 1, options));
  } catch (error) {
    rethrowWithSegment(error, `.values()[${index}]`, values);
  }
  return set;
}

function reviveSparse(payload: unknown[], depth: number, options: ResolvedOptions): unknown[] {
  if (depth > options.maxDepth) throw depthFailure(options.maxDepth, payload);
  const length = payload[0];
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
    throw new Failure('malformed sparse tag: expected [length, index, value, …]');
  }
  if (length > options.maxLength) throw limitFailure('maxLength', options.maxLength, length);
  if (payload.length % 2 !== 1) throw new Failure('malformed sparse tag: expected index/value pairs');
  const array: unknown[] = new Array(length);
  let previous = -1;
  for (let at = 1; at < payload.length; at += 2) {
    const position = payload[at];
    if (
      typeof position !== 'number' ||
      !Number.isInteger(position) ||
      position <= previous ||
      position >= length
    ) {
      throw new Failure('malformed sparse tag: indices must be increasing integers below the length');
    }
    previous = position;
    try {
      array[position] = reviveChild(payload[at + 1], depth + 1, options);
    } catch (error) {
      rethrowWithSegment(error, `[${position}]`, payload);
    }
  }
  return array;
}

function reviveClass(name: string, payload: unknown, depth: number, options: ResolvedOptions): object {
  const codec = options.classesByName.get(name);
  if (codec === undefined)
    throw new Failure(`unknown class ${JSON.stringify(name)} (register a codec in the classes option)`);
  let plain: unknown;
  try {
    plain = reviveChild(payload, depth + 1, options);
  } catch (error) {
    rethrowWithSegment(error, `<${name}>`, codec);
  }
  try {
    return codec.decode(plain);
  } catch (error) {
    throw new Failure(`class codec ${name} failed to decode: ${(error as Error)?.message ?? error}`, error);
  }
}
