import {
  depthFailure,
  WalkFailure as Failure,
  keySegment,
  limitFailure,
  mapValueSegment,
  rethrowWithSegment,
} from '@synced-cache/core';
import {
  ARRAY_BUFFER_CODE,
  BUFFER_CODE,
  DATA_VIEW_CODE,
  Extension,
  isWellFormed,
  TYPED_ARRAY_CODES,
} from './extensions.js';
import type { ResolvedOptions } from './options.js';

const OBJECT_PROTOTYPE = Object.prototype;
const ARRAY_PROTOTYPE = Array.prototype;
const DATE_PROTOTYPE = Date.prototype;
const MAP_PROTOTYPE = Map.prototype;
const SET_PROTOTYPE = Set.prototype;
const REGEXP_PROTOTYPE = RegExp.prototype;
const ARRAY_BUFFER_PROTOTYPE = ArrayBuffer.prototype;
const DATA_VIEW_PROTOTYPE = DataView.prototype;
const UINT8_ARRAY_PROTOTYPE = Uint8Array.prototype;
const BUFFER_PROTOTYPE: object | undefined = typeof Buffer === 'function' ? Buffer.prototype : undefined;

const textEncoder = new TextEncoder();

/**
 * True when msgpackr alone encodes `value` so that it decodes back unchanged (given that its
 * output holds no U+FFFD, the mark of a lone surrogate msgpackr had to replace): strings,
 * numbers other than -0, booleans, null, undefined, `Date`s, plain `Uint8Array`s, plain objects
 * and dense arrays, within the limits. One walk with an early exit; anything else goes through
 * {@link Writer}, which also reports errors with their path.
 */
export function isPlain(value: unknown, depth: number, options: ResolvedOptions): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      // Strings with lone surrogates are caught after packing (containsReplacementCharacter).
      return true;
    case 'number':
      return value !== 0 || 1 / value > 0;
    case 'object': {
      if (value === null) return true;
      if (depth > options.maxDepth) return false;
      const prototype = Object.getPrototypeOf(value);
      if (prototype === ARRAY_PROTOTYPE) {
        const array = value as unknown[];
        const length = array.length;
        if (length > options.maxLength) return false;
        for (let index = 0; index < length; index++) {
          const element = array[index];
          // Strings and numbers dominate real data: no call for them.
          if (typeof element === 'string') continue;
          if (typeof element === 'number') {
            if (element === 0 && 1 / element < 0) return false;
          } else if (element === undefined) {
            if (!(index in array)) return false;
          } else if (!isPlain(element, depth + 1, options)) {
            return false;
          }
        }
        return true;
      }
      if (prototype === OBJECT_PROTOTYPE) {
        let count = 0;
        for (const key in value) {
          // msgpackr renames a decoded "__proto__" key in records mode; plain maps keep it.
          if (options.records && key === '__proto__') return false;
          const element: unknown = (value as Record<string, unknown>)[key];
          count++;
          if (typeof element === 'string') continue;
          if (typeof element === 'number') {
            if (element === 0 && 1 / element < 0) return false;
          } else if (!isPlain(element, depth + 1, options)) {
            return false;
          }
        }
        // msgpackr's default map header is 16-bit; bigger objects go through the writer.
        return count <= options.maxLength && count < 0x10000;
      }
      // msgpackr's records mode writes a Uint8Array inside a record as an object.
      return prototype === DATE_PROTOTYPE || (prototype === UINT8_ARRAY_PROTOTYPE && !options.records);
    }
    default:
      return false;
  }
}

/**
 * The complete msgpack writer used when a value needs extensions. Grows its own buffer; one
 * instance per `encode` call, so a class codec that encodes re-entrantly cannot corrupt it.
 */
export class Writer {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  private position = 0;

  constructor(private readonly options: ResolvedOptions) {}

  /** The bytes written so far, copied (small results share Node's 8 KiB Buffer pool). */
  result(): Uint8Array {
    return Buffer.from(this.bytes.subarray(0, this.position));
  }

  private ensure(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.bytes.length) return;
    if (needed > this.options.maxBytes + 16) {
      throw limitFailure('maxBytes', this.options.maxBytes, needed);
    }
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.position));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  private byte(value: number): void {
    this.ensure(1);
    this.bytes[this.position++] = value;
  }

  private header(small: number, smallLimit: number, code8: number, value: number): void {
    // fixed formats (fixstr, fixarray, fixmap) when small, else 8/16/32-bit length formats.
    this.ensure(5);
    const bytes = this.bytes;
    if (value < smallLimit) {
      bytes[this.position++] = small | value;
    } else if (code8 !== 0 && value < 0x100) {
      bytes[this.position++] = code8;
      bytes[this.position++] = value;
    } else if (value < 0x10000) {
      bytes[this.position++] = code8 === 0 ? small : code8 + 1;
      this.view.setUint16(this.position, value);
      this.position += 2;
    } else {
      bytes[this.position++] = code8 === 0 ? small + 1 : code8 + 2;
      this.view.setUint32(this.position, value);
      this.position += 4;
    }
  }

  private arrayHeader(length: number): void {
    if (length < 16) this.byte(0x90 | length);
    else this.header(0xdc, 16, 0, length);
  }

  private mapHeader(length: number): void {
    if (length < 16) this.byte(0x80 | length);
    else this.header(0xde, 16, 0, length);
  }

  private string(text: string): void {
    const length = text.length;
    if (length < 32) {
      // ASCII fast path: one byte per unit, fixstr header.
      let ascii = true;
      for (let index = 0; index < length; index++) {
        if (text.charCodeAt(index) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(1 + length);
        const bytes = this.bytes;
        bytes[this.position++] = 0xa0 | length;
        for (let index = 0; index < length; index++) bytes[this.position++] = text.charCodeAt(index);
        return;
      }
    }
    const encoded = textEncoder.encode(text);
    this.header(0xa0, 32, 0xd9, encoded.length);
    this.raw(encoded);
  }

  private raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.position);
    this.position += data.length;
  }

  private number(value: number): void {
    this.ensure(9);
    const bytes = this.bytes;
    if (value >>> 0 === value && (value !== 0 || 1 / value > 0)) {
      if (value < 0x80) {
        bytes[this.position++] = value;
      } else if (value < 0x100) {
        bytes[this.position++] = 0xcc;
        bytes[this.position++] = value;
      } else if (value < 0x10000) {
        bytes[this.position++] = 0xcd;
        this.view.setUint16(this.position, value);
        this.position += 2;
      } else {
        bytes[this.position++] = 0xce;
        this.view.setUint32(this.position, value);
        this.position += 4;
      }
    } else if (value >> 0 === value && value !== 0) {
      if (value >= -0x20) {
        bytes[this.position++] = 0x100 + value;
      } else if (value >= -0x80) {
        bytes[this.position++] = 0xd0;
        bytes[this.position++] = value + 0x100;
      } else if (value >= -0x8000) {
        bytes[this.position++] = 0xd1;
        this.view.setInt16(this.position, value);
        this.position += 2;
      } else {
        bytes[this.position++] = 0xd2;
        this.view.setInt32(this.position, value);
        this.position += 4;
      }
    } else {
      bytes[this.position++] = 0xcb;
      this.view.setFloat64(this.position, value);
      this.position += 8;
    }
  }

  /** Starts an extension whose payload is written next; returns a mark for {@link endExtension}. */
  private beginExtension(): number {
    this.ensure(6);
    const mark = this.position;
    this.position += 6;
    return mark;
  }

  private endExtension(mark: number, type: number): void {
    const bytes = this.bytes;
    const length = this.position - mark - 6;
    if (length < 0x100) {
      bytes.copyWithin(mark + 3, mark + 6, this.position);
      bytes[mark] = 0xc7;
      bytes[mark + 1] = length;
      bytes[mark + 2] = type & 0xff;
      this.position -= 3;
    } else if (length < 0x10000) {
      bytes.copyWithin(mark + 4, mark + 6, this.position);
      bytes[mark] = 0xc8;
      this.view.setUint16(mark + 1, length);
      bytes[mark + 3] = type & 0xff;
      this.position -= 2;
    } else {
      bytes[mark] = 0xc9;
      this.view.setUint32(mark + 1, length);
      bytes[mark + 5] = type & 0xff;
    }
  }

  private bytesExtension(type: number, code: number, data: Uint8Array): void {
    const mark = this.beginExtension();
    this.byte(code);
    this.raw(data);
    this.endExtension(mark, type);
  }

  /** Writes one value; throws a `Failure` for what cannot be encoded. */
  value(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        if (isWellFormed(value)) {
          this.string(value);
        } else {
          const units = new Uint8Array(value.length * 2);
          const view = new DataView(units.buffer);
          for (let index = 0; index < value.length; index++)
            view.setUint16(index * 2, value.charCodeAt(index), true);
          const mark = this.beginExtension();
          this.raw(units);
          this.endExtension(mark, Extension.utf16String);
        }
        return;
      case 'number':
        this.number(value);
        return;
      case 'boolean':
        this.byte(value ? 0xc3 : 0xc2);
        return;
      case 'undefined':
        this.ensure(3);
        this.bytes[this.position++] = 0xd4;
        this.bytes[this.position++] = Extension.undefined;
        this.bytes[this.position++] = 0;
        return;
      case 'bigint':
        this.bigint(value);
        return;
      case 'object':
        if (value === null) this.byte(0xc0);
        else this.object(value, depth);
        return;
      case 'function':
        throw new Failure(`a function (${value.name || 'anonymous'}) cannot be encoded`);
      case 'symbol':
        throw new Failure(`a symbol (${value.toString()}) cannot be encoded`);
      default:
        throw new Failure(`a value of type ${typeof value} cannot be encoded`);
    }
  }

  private bigint(value: bigint): void {
    // Big-endian two's complement with the fewest bytes that keep the sign bit right.
    const negative = value < 0n;
    let hex = (negative ? ~value : value).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    if (Number.parseInt(hex.slice(0, 1), 16) >= 8) hex = `00${hex}`;
    const data = Buffer.from(hex, 'hex');
    if (data.length > this.options.maxLength)
      throw limitFailure('maxLength', this.options.maxLength, data.length);
    if (negative)
      for (let index = 0; index < data.length; index++) data[index] = ~(data[index] as number) & 0xff;
    const mark = this.beginExtension();
    this.raw(data);
    this.endExtension(mark, Extension.bigint);
  }

  private date(date: Date): void {
    const time = date.getTime();
    this.ensure(15);
    const bytes = this.bytes;
    if (Number.isNaN(time)) {
      bytes[this.position++] = 0xd4;
      bytes[this.position++] = 0xff;
      bytes[this.position++] = 0xff;
      return;
    }
    const seconds = Math.floor(time / 1000);
    const nanoseconds = (time - seconds * 1000) * 1_000_000;
    if (seconds >= 0 && seconds < 0x400000000) {
      if (nanoseconds === 0 && seconds < 0x100000000) {
        bytes[this.position++] = 0xd6;
        bytes[this.position++] = 0xff;
        this.view.setUint32(this.position, seconds);
        this.position += 4;
      } else {
        bytes[this.position++] = 0xd7;
        bytes[this.position++] = 0xff;
        this.view.setUint32(this.position, nanoseconds * 4 + Math.floor(seconds / 0x100000000));
        this.view.setUint32(this.position + 4, seconds >>> 0);
        this.position += 8;
      }
    } else {
      bytes[this.position++] = 0xc7;
      bytes[this.position++] = 12;
      bytes[this.position++] = 0xff;
      this.view.setUint32(this.position, nanoseconds);
      this.view.setBigInt64(this.position + 4, BigInt(seconds));
      this.position += 12;
    }
  }

  private object(object: object, depth: number): void {
    const options = this.options;
    const prototype: object | null = Object.getPrototypeOf(object);
    // Containers (arrays, objects, Map, Set, class instances) count towards maxDepth; leaf objects do not.
    const container =
      prototype === ARRAY_PROTOTYPE ||
      prototype === OBJECT_PROTOTYPE ||
      prototype === null ||
      prototype === MAP_PROTOTYPE ||
      prototype === SET_PROTOTYPE;
    const codec = prototype === null ? undefined : options.classesByPrototype.get(prototype);
    if ((container || codec !== undefined) && depth > options.maxDepth) {
      throw depthFailure(options.maxDepth, object);
    }
    if (codec !== undefined) {
      let plain: unknown;
      try {
        plain = codec.encode(object);
      } catch (error) {
        throw new Failure(
          `class codec ${codec.name} failed to encode: ${(error as Error)?.message ?? error}`,
          error,
        );
      }
      const mark = this.beginExtension();
      this.arrayHeader(2);
      this.string(codec.name);
      try {
        this.value(plain, depth + 1);
      } catch (error) {
        rethrowWithSegment(error, `<${codec.name}>`, object);
      }
      this.endExtension(mark, Extension.classInstance);
      return;
    }
    if (prototype === ARRAY_PROTOTYPE) {
      this.array(object as unknown[], depth);
      return;
    }
    if (prototype === OBJECT_PROTOTYPE) {
      this.plainObject(object, depth);
      return;
    }
    if (prototype === null) {
      const mark = this.beginExtension();
      this.plainObject(object, depth);
      this.endExtension(mark, Extension.nullPrototypeObject);
      return;
    }
    if (prototype === DATE_PROTOTYPE) {
      this.date(object as Date);
      return;
    }
    if (prototype === UINT8_ARRAY_PROTOTYPE) {
      const data = object as Uint8Array;
      this.header(0xc4, 0, 0xc4, data.length);
      this.raw(data);
      return;
    }
    if (prototype === MAP_PROTOTYPE) {
      this.map(object as Map<unknown, unknown>, depth);
      return;
    }
    if (prototype === SET_PROTOTYPE) {
      this.set(object as Set<unknown>, depth);
      return;
    }
    if (prototype === REGEXP_PROTOTYPE) {
      const mark = this.beginExtension();
      this.arrayHeader(2);
      this.string((object as RegExp).source);
      this.string((object as RegExp).flags);
      this.endExtension(mark, Extension.regexp);
      return;
    }
    if (prototype === ARRAY_BUFFER_PROTOTYPE) {
      this.bytesExtension(Extension.typedArray, ARRAY_BUFFER_CODE, new Uint8Array(object as ArrayBuffer));
      return;
    }
    if (prototype === DATA_VIEW_PROTOTYPE || prototype === BUFFER_PROTOTYPE) {
      const view = object as ArrayBufferView;
      const code = prototype === BUFFER_PROTOTYPE ? BUFFER_CODE : DATA_VIEW_CODE;
      this.bytesExtension(
        Extension.typedArray,
        code,
        new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
      );
      return;
    }
    const typedCode = prototype === null ? undefined : TYPED_ARRAY_CODES.get(prototype);
    if (typedCode !== undefined) {
      const view = object as ArrayBufferView;
      this.bytesExtension(
        Extension.typedArray,
        typedCode,
        new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
      );
      return;
    }
    const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
    throw new Failure(
      `an instance of ${typeof name === 'string' && name ? name : 'an unknown class'} cannot be encoded (register a codec in the classes option)`,
    );
  }

  private array(array: unknown[], depth: number): void {
    const length = array.length;
    if (length > this.options.maxLength) throw limitFailure('maxLength', this.options.maxLength, length);
    for (let index = 0; index < length; index++) {
      if (!(index in array)) {
        this.sparse(array, depth);
        return;
      }
    }
    this.arrayHeader(length);
    let index = 0;
    try {
      for (; index < length; index++) this.value(array[index], depth + 1);
    } catch (error) {
      rethrowWithSegment(error, `[${index}]`, array);
    }
  }

  private sparse(array: unknown[], depth: number): void {
    const indices: number[] = [];
    for (const key of Object.keys(array)) {
      const index = Number(key);
      if (Number.isInteger(index) && String(index) === key) indices.push(index);
    }
    const mark = this.beginExtension();
    this.arrayHeader(1 + indices.length * 2);
    this.number(array.length);
    let index = 0;
    try {
      for (index of indices) {
        this.number(index);
        this.value(array[index], depth + 1);
      }
    } catch (error) {
      rethrowWithSegment(error, `[${index}]`, array);
    }
    this.endExtension(mark, Extension.sparseArray);
  }

  private plainObject(object: object, depth: number): void {
    const keys = Object.keys(object);
    if (keys.length > this.options.maxLength) {
      throw limitFailure('maxLength', this.options.maxLength, keys.length);
    }
    this.mapHeader(keys.length);
    let key = '';
    try {
      for (key of keys) {
        if (!isWellFormed(key)) {
          throw new Failure('an object key with a lone surrogate cannot be encoded (msgpack keys are UTF-8)');
        }
        this.string(key);
        this.value((object as Record<string, unknown>)[key], depth + 1);
      }
    } catch (error) {
      rethrowWithSegment(error, keySegment(key), object);
    }
  }

  private map(map: Map<unknown, unknown>, depth: number): void {
    if (map.size > this.options.maxLength) throw limitFailure('maxLength', this.options.maxLength, map.size);
    const mark = this.beginExtension();
    this.mapHeader(map.size);
    let index = 0;
    let segment = '';
    try {
      for (const [key, value] of map) {
        segment = `.keys()[${index}]`;
        this.value(key, depth + 1);
        segment = mapValueSegment(key, index);
        this.value(value, depth + 1);
        index++;
      }
    } catch (error) {
      rethrowWithSegment(error, segment, map);
    }
    this.endExtension(mark, Extension.map);
  }

  private set(set: Set<unknown>, depth: number): void {
    if (set.size > this.options.maxLength) throw limitFailure('maxLength', this.options.maxLength, set.size);
    const mark = this.beginExtension();
    this.arrayHeader(set.size);
    let index = 0;
    try {
      for (const value of set) {
        this.value(value, depth + 1);
        index++;
      }
    } catch (error) {
      rethrowWithSegment(error, `.values()[${index}]`, set);
    }
    this.endExtension(mark, Extension.set);
  }
}
