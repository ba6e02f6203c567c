import {
  depthFailure,
  WalkFailure as Failure,
  keySegment,
  limitFailure,
  rethrowWithSegment,
} from '@synced-cache/core';
import { ARRAY_BUFFER_CODE, BUFFER_CODE, DATA_VIEW_CODE, Extension, TYPED_ARRAYS } from './extensions.js';
import type { ResolvedOptions } from './options.js';

/** What {@link scan} found: msgpackr can decode it as is, it needs {@link Reader}, or it uses records. */
export const Route = { fast: 0, full: 1, records: 2 } as const;
export type Route = (typeof Route)[keyof typeof Route];

const truncated = (): Failure => new Failure('truncated msgpack data');

// The scanner runs no user code, so module state is safe and keeps its hot loop allocation-free.
const EMPTY = new Uint8Array(0);
let source: Uint8Array = EMPTY;
let position = 0;
let end = 0;
let maxDepth = 0;
let maxLength = 0;
let recordsEnabled = false;

class RouteFound {
  constructor(readonly route: Route) {}
}
const FULL = new RouteFound(Route.full);
const RECORDS = new RouteFound(Route.records);

/**
 * Walks the bytes without building anything: checks that they hold exactly one complete value
 * within the depth and length limits, and whether msgpackr may decode them directly — only when
 * they use nothing that msgpackr would decode differently from {@link Reader} (`bin`, 64-bit
 * integers, extensions other than undefined and timestamps, non-string or `__proto__` keys).
 * @throws Failure for malformed data or an exceeded limit.
 */
export function scan(bytes: Uint8Array, options: ResolvedOptions): Route {
  source = bytes;
  position = 0;
  end = bytes.length;
  maxDepth = options.maxDepth;
  maxLength = options.maxLength;
  recordsEnabled = options.records;
  try {
    skipValue(0);
    if (position !== end) throw new Failure(`${end - position} unexpected bytes after the value`);
    return Route.fast;
  } catch (error) {
    if (error instanceof RouteFound) return error.route;
    throw error;
  } finally {
    // Do not keep the caller's bytes alive until the next decode.
    source = EMPTY;
  }
}

function skipBytes(length: number): void {
  if (length > end - position) throw truncated();
  position += length;
}

function readLength(size: 1 | 2 | 4): number {
  if (size > end - position) throw truncated();
  const at = position;
  position += size;
  if (size === 1) return source[at] as number;
  if (size === 2) return ((source[at] as number) << 8) | (source[at + 1] as number);
  return (
    (source[at] as number) * 0x1000000 +
    (((source[at + 1] as number) << 16) | ((source[at + 2] as number) << 8) | (source[at + 3] as number))
  );
}

function skipValue(depth: number): void {
  if (position >= end) throw truncated();
  const token = source[position++] as number;
  if (token < 0x80 || token >= 0xe0) return;
  if (token < 0x90) {
    skipMap(token & 0x0f, depth);
    return;
  }
  if (token < 0xa0) {
    skipArray(token & 0x0f, depth);
    return;
  }
  if (token < 0xc0) {
    skipBytes(token & 0x1f);
    return;
  }
  switch (token) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return;
    case 0xc1:
      throw new Failure('invalid msgpack byte 0xc1');
    case 0xc4:
    case 0xc5:
    case 0xc6:
      // msgpackr would hand back a Buffer view of the input; the full reader copies to a Uint8Array.
      throw FULL;
    case 0xc7:
      skipExtension(readLength(1), false);
      return;
    case 0xc8:
      skipExtension(readLength(2), false);
      return;
    case 0xc9:
      skipExtension(readLength(4), false);
      return;
    case 0xca:
    case 0xce:
    case 0xd2:
      skipBytes(4);
      return;
    case 0xcb:
      skipBytes(8);
      return;
    case 0xcc:
    case 0xd0:
      skipBytes(1);
      return;
    case 0xcd:
    case 0xd1:
      skipBytes(2);
      return;
    case 0xcf:
    case 0xd3:
      // 64-bit integers: msgpackr would always return a BigInt; the full reader returns a number when safe.
      throw FULL;
    case 0xd4:
      skipExtension(1, true);
      return;
    case 0xd5:
      skipExtension(2, true);
      return;
    case 0xd6:
      skipExtension(4, true);
      return;
    case 0xd7:
      skipExtension(8, true);
      return;
    case 0xd8:
      skipExtension(16, true);
      return;
    case 0xd9:
      skipBytes(readLength(1));
      return;
    case 0xda:
      skipBytes(readLength(2));
      return;
    case 0xdb:
      skipBytes(readLength(4));
      return;
    case 0xdc:
      skipArray(readLength(2), depth);
      return;
    case 0xdd:
      skipArray(readLength(4), depth);
      return;
    case 0xde:
      skipMap(readLength(2), depth);
      return;
    default:
      skipMap(readLength(4), depth);
      return;
  }
}

function skipExtension(length: number, fixed: boolean): void {
  if (position >= end) throw truncated();
  const type = source[position++] as number;
  if (length > end - position) throw truncated();
  if (type === 0xff) {
    if (length !== 1 && length !== 4 && length !== 8 && length !== 12) {
      throw new Failure(`malformed timestamp: ${length} bytes`);
    }
  } else if (type === 0x72 && fixed && recordsEnabled) {
    throw RECORDS;
  } else if (type !== Extension.undefined) {
    throw FULL;
  }
  position += length;
}

function skipMap(length: number, depth: number): void {
  if (depth + 1 > maxDepth) throw depthFailure(maxDepth, source);
  if (length > maxLength) throw limitFailure('maxLength', maxLength, length);
  if (length * 2 > end - position) throw truncated();
  for (let index = 0; index < length; index++) {
    if (position >= end) throw truncated();
    const token = source[position] as number;
    if (token >= 0xa0 && token <= 0xbf) {
      // fixstr key, the common case, skipped inline. "__proto__" is fixstr 0xa9 + 9 bytes:
      // msgpackr would rename it, the full reader keeps it.
      if (token === 0xa9 && position + 10 <= end && isProtoKey(position + 1)) throw FULL;
      position += 1 + (token & 0x1f);
      if (position > end) throw truncated();
    } else if (token === 0xd9 || token === 0xda || token === 0xdb) {
      skipValue(depth + 1);
    } else {
      throw FULL;
    }
    skipInline(depth);
  }
}

function skipArray(length: number, depth: number): void {
  if (depth + 1 > maxDepth) throw depthFailure(maxDepth, source);
  if (length > maxLength) throw limitFailure('maxLength', maxLength, length);
  if (length > end - position) throw truncated();
  for (let index = 0; index < length; index++) skipInline(depth);
}

/** Skips one element of a container, handling the one-byte and fixstr values without a call. */
function skipInline(depth: number): void {
  if (position >= end) throw truncated();
  const token = source[position] as number;
  if (token < 0x80 || token >= 0xe0 || token === 0xc0 || token === 0xc2 || token === 0xc3) {
    position++;
  } else if (token >= 0xa0 && token <= 0xbf) {
    position += 1 + (token & 0x1f);
    if (position > end) throw truncated();
  } else {
    skipValue(depth + 1);
  }
}

const PROTO_KEY = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f];
function isProtoKey(at: number): boolean {
  for (let index = 0; index < 9; index++) if (source[at + index] !== PROTO_KEY[index]) return false;
  return true;
}

const utf8 = new TextDecoder('utf-8');
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

/**
 * The complete msgpack reader: every format, this package's extensions, limits, and `__proto__`
 * keys as own data. One instance per `decode`, so class codecs may decode re-entrantly.
 */
export class Reader {
  private position = 0;
  private end: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: ResolvedOptions,
  ) {
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads the one value the bytes hold. */
  read(): unknown {
    const value = this.value(0);
    if (this.position !== this.end)
      throw new Failure(`${this.end - this.position} unexpected bytes after the value`);
    return value;
  }

  private need(length: number): void {
    if (length > this.end - this.position) throw truncated();
  }

  private length(size: 1 | 2 | 4): number {
    this.need(size);
    const at = this.position;
    this.position += size;
    return size === 1
      ? (this.bytes[at] as number)
      : size === 2
        ? this.view.getUint16(at)
        : this.view.getUint32(at);
  }

  private value(depth: number): unknown {
    this.need(1);
    const token = this.bytes[this.position++] as number;
    if (token < 0x80) return token;
    if (token >= 0xe0) return token - 0x100;
    if (token < 0x90) return this.object(token & 0x0f, depth);
    if (token < 0xa0) {
      return this.array(token & 0x0f, depth);
    }
    if (token < 0xc0) return this.string(token & 0x1f);
    const view = this.view;
    let at = this.position;
    switch (token) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.binary(this.length(1));
      case 0xc5:
        return this.binary(this.length(2));
      case 0xc6:
        return this.binary(this.length(4));
      case 0xc7:
        return this.extension(this.length(1), depth);
      case 0xc8:
        return this.extension(this.length(2), depth);
      case 0xc9:
        return this.extension(this.length(4), depth);
      case 0xca:
        this.need(4);
        this.position += 4;
        return view.getFloat32(at);
      case 0xcb:
        this.need(8);
        this.position += 8;
        return view.getFloat64(at);
      case 0xcc:
        this.need(1);
        this.position += 1;
        return view.getUint8(at);
      case 0xcd:
        this.need(2);
        this.position += 2;
        return view.getUint16(at);
      case 0xce:
        this.need(4);
        this.position += 4;
        return view.getUint32(at);
      case 0xcf: {
        this.need(8);
        this.position += 8;
        const big = view.getBigUint64(at);
        return big <= MAX_SAFE ? Number(big) : big;
      }
      case 0xd0:
        this.need(1);
        this.position += 1;
        return view.getInt8(at);
      case 0xd1:
        this.need(2);
        this.position += 2;
        return view.getInt16(at);
      case 0xd2:
        this.need(4);
        this.position += 4;
        return view.getInt32(at);
      case 0xd3: {
        this.need(8);
        this.position += 8;
        const big = view.getBigInt64(at);
        return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
      }
      case 0xd4:
        return this.extension(1, depth);
      case 0xd5:
        return this.extension(2, depth);
      case 0xd6:
        return this.extension(4, depth);
      case 0xd7:
        return this.extension(8, depth);
      case 0xd8:
        return this.extension(16, depth);
      case 0xd9:
        return this.string(this.length(1));
      case 0xda:
        return this.string(this.length(2));
      case 0xdb:
        return this.string(this.length(4));
      case 0xdc:
        return this.array(this.length(2), depth);
      case 0xdd:
        return this.array(this.length(4), depth);
      case 0xde:
        return this.object(this.length(2), depth);
      case 0xdf:
        return this.object(this.length(4), depth);
      default:
        at = token;
        throw new Failure(`invalid msgpack byte 0x${at.toString(16)}`);
    }
  }

  private string(length: number): string {
    this.need(length);
    const bytes = this.bytes;
    const start = this.position;
    this.position += length;
    if (length < 16) {
      let text = '';
      for (let index = start; index < start + length; index++) {
        const byte = bytes[index] as number;
        if (byte > 0x7f) return utf8.decode(bytes.subarray(start, start + length));
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return utf8.decode(bytes.subarray(start, start + length));
  }

  /** UTF-16LE code units as they are: a decoder would replace the lone surrogates this exists for. */
  private utf16(start: number, units: number): string {
    let text = '';
    for (let chunk = 0; chunk < units; chunk += 4096) {
      const codes: number[] = [];
      for (let unit = chunk; unit < Math.min(units, chunk + 4096); unit++) {
        codes.push(this.view.getUint16(start + unit * 2, true));
      }
      text += String.fromCharCode(...codes);
    }
    return text;
  }

  private binary(length: number): Uint8Array {
    this.need(length);
    const start = this.position;
    this.position += length;
    // A plain Uint8Array the value owns (slicing a Buffer input would give a Buffer).
    const copy = new Uint8Array(length);
    copy.set(this.bytes.subarray(start, start + length));
    return copy;
  }

  private checkContainer(length: number, depth: number, minimumBytes: number, container: object): void {
    if (depth + 1 > this.options.maxDepth) throw depthFailure(this.options.maxDepth, container);
    if (length > this.options.maxLength) throw limitFailure('maxLength', this.options.maxLength, length);
    if (length * minimumBytes > this.end - this.position) throw truncated();
  }

  private array(length: number, depth: number): unknown[] {
    this.checkContainer(length, depth, 1, this.bytes);
    const array: unknown[] = new Array(length);
    let index = 0;
    try {
      for (; index < length; index++) array[index] = this.value(depth + 1);
    } catch (error) {
      rethrowWithSegment(error, `[${index}]`, array);
    }
    return array;
  }

  private key(depth: number): string {
    const token = this.bytes[this.position] as number;
    if ((token >= 0xa0 && token <= 0xbf) || token === 0xd9 || token === 0xda || token === 0xdb) {
      return this.value(depth) as string;
    }
    // Other writers may use integer or boolean keys; as object keys they become strings (as in msgpackr).
    const key = this.value(depth);
    if (key === null || typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint') {
      return String(key);
    }
    throw new Failure(`a map key of type ${typeof key} cannot become an object key`);
  }

  private object(
    length: number,
    depth: number,
    object: Record<string, unknown> = {},
  ): Record<string, unknown> {
    this.checkContainer(length, depth, 2, this.bytes);
    let key = '';
    try {
      for (let index = 0; index < length; index++) {
        key = '';
        key = this.key(depth + 1);
        setOwn(object, key, this.value(depth + 1));
      }
    } catch (error) {
      rethrowWithSegment(error, keySegment(key), object);
    }
    return object;
  }

  private extension(length: number, depth: number): unknown {
    this.need(1);
    const type = this.view.getInt8(this.position++);
    this.need(length);
    const start = this.position;
    const payloadEnd = start + length;
    if (type === Extension.undefined) {
      this.position = payloadEnd;
      return undefined;
    }
    if (type === Extension.timestamp) {
      this.position = payloadEnd;
      return this.timestamp(start, length);
    }
    if (type === Extension.bigint) {
      this.position = payloadEnd;
      return this.bigint(start, length);
    }
    if (type === Extension.typedArray) {
      this.position = payloadEnd;
      return this.typedArray(start, length);
    }
    if (type === Extension.utf16String) {
      this.position = payloadEnd;
      if (length % 2 !== 0) throw new Failure('malformed UTF-16 string extension: odd length');
      return this.utf16(start, length / 2);
    }
    // Nested payloads: read inside the extension's bounds, which must be used exactly.
    const outerEnd = this.end;
    this.end = payloadEnd;
    let result: unknown;
    try {
      switch (type) {
        case Extension.map:
          result = this.mapExtension(depth);
          break;
        case Extension.set:
          result = this.setExtension(depth);
          break;
        case Extension.regexp:
          result = this.regexpExtension();
          break;
        case Extension.sparseArray:
          result = this.sparseExtension(depth);
          break;
        case Extension.classInstance:
          result = this.classExtension(depth);
          break;
        case Extension.nullPrototypeObject: {
          const length = this.containerLength('map', 'null-prototype object');
          result = this.object(length, depth, Object.create(null) as Record<string, unknown>);
          break;
        }
        default:
          throw new Failure(`unknown msgpack extension type ${type}`);
      }
      if (this.position !== payloadEnd)
        throw new Failure(`malformed extension ${type}: unexpected trailing bytes`);
    } finally {
      this.end = outerEnd;
    }
    return result;
  }

  private timestamp(start: number, length: number): Date {
    const view = this.view;
    switch (length) {
      case 1:
        return new Date(Number.NaN);
      case 4:
        return new Date(view.getUint32(start) * 1000);
      case 8: {
        const high = view.getUint32(start);
        const nanoseconds = Math.floor(high / 4);
        const seconds = (high & 0x3) * 0x100000000 + view.getUint32(start + 4);
        return new Date(seconds * 1000 + nanoseconds / 1_000_000);
      }
      case 12: {
        const nanoseconds = view.getUint32(start);
        const seconds = Number(view.getBigInt64(start + 4));
        return new Date(seconds * 1000 + nanoseconds / 1_000_000);
      }
      default:
        throw new Failure(`malformed timestamp: ${length} bytes`);
    }
  }

  private bigint(start: number, length: number): bigint {
    if (length === 0) throw new Failure('malformed BigInt extension: no bytes');
    if (length > this.options.maxLength) throw limitFailure('maxLength', this.options.maxLength, length);
    const data = this.bytes.subarray(start, start + length);
    const value = BigInt(`0x${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')}`);
    // Two's complement: a set top bit means negative.
    return (data[0] as number) & 0x80 ? value - (1n << BigInt(length * 8)) : value;
  }

  private typedArray(start: number, length: number): unknown {
    if (length < 1) throw new Failure('malformed typed array extension: no type byte');
    const code = this.bytes[start] as number;
    const size = length - 1;
    // A fresh, aligned buffer owned by the value alone.
    const buffer = new ArrayBuffer(size);
    new Uint8Array(buffer).set(this.bytes.subarray(start + 1, start + length));
    if (code === ARRAY_BUFFER_CODE) return buffer;
    if (code === DATA_VIEW_CODE) return new DataView(buffer);
    if (code === BUFFER_CODE) return Buffer.from(buffer);
    const type = TYPED_ARRAYS[code];
    if (type === undefined) throw new Failure(`malformed typed array extension: unknown type ${code}`);
    if (size % type.BYTES_PER_ELEMENT !== 0) {
      throw new Failure(
        `malformed ${type.name} extension: ${size} bytes is not a multiple of ${type.BYTES_PER_ELEMENT}`,
      );
    }
    return new type(buffer);
  }

  private containerLength(kind: 'array' | 'map', what: string): number {
    this.need(1);
    const token = this.bytes[this.position++] as number;
    if (kind === 'array') {
      if (token >= 0x90 && token <= 0x9f) return token & 0x0f;
      if (token === 0xdc) return this.length(2);
      if (token === 0xdd) return this.length(4);
    } else {
      if (token >= 0x80 && token <= 0x8f) return token & 0x0f;
      if (token === 0xde) return this.length(2);
      if (token === 0xdf) return this.length(4);
    }
    throw new Failure(`malformed ${what} extension: expected a nested ${kind}`);
  }

  private mapExtension(depth: number): Map<unknown, unknown> {
    const length = this.containerLength('map', 'Map');
    const map = new Map<unknown, unknown>();
    this.checkContainer(length, depth, 2, map);
    let index = 0;
    try {
      for (; index < length; index++) {
        const key = this.value(depth + 1);
        map.set(key, this.value(depth + 1));
      }
    } catch (error) {
      rethrowWithSegment(error, `.entries()[${index}]`, map);
    }
    return map;
  }

  private setExtension(depth: number): Set<unknown> {
    const length = this.containerLength('array', 'Set');
    const set = new Set<unknown>();
    this.checkContainer(length, depth, 1, set);
    let index = 0;
    try {
      for (; index < length; index++) set.add(this.value(depth + 1));
    } catch (error) {
      rethrowWithSegment(error, `.values()[${index}]`, set);
    }
    return set;
  }

  private regexpExtension(): RegExp {
    if (this.containerLength('array', 'RegExp') !== 2)
      throw new Failure('malformed RegExp extension: expected [source, flags]');
    const source = this.value(0);
    const flags = this.value(0);
    if (typeof source !== 'string' || typeof flags !== 'string') {
      throw new Failure('malformed RegExp extension: expected [source, flags]');
    }
    try {
      return new RegExp(source, flags);
    } catch (error) {
      throw new Failure(`malformed RegExp extension: ${(error as Error).message}`, error);
    }
  }

  private sparseExtension(depth: number): unknown[] {
    const count = this.containerLength('array', 'sparse array');
    if (count % 2 !== 1)
      throw new Failure('malformed sparse array extension: expected [length, index, value, …]');
    const length = this.value(0);
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
      throw new Failure('malformed sparse array extension: bad length');
    }
    this.checkContainer(Math.max(length, (count - 1) / 2), depth, 0, this.bytes);
    const array: unknown[] = new Array(length);
    let previous = -1;
    for (let pair = 0; pair < (count - 1) / 2; pair++) {
      const position = this.value(0);
      if (
        typeof position !== 'number' ||
        !Number.isInteger(position) ||
        position <= previous ||
        position >= length
      ) {
        throw new Failure(
          'malformed sparse array extension: indices must be increasing integers below the length',
        );
      }
      previous = position;
      try {
        array[position] = this.value(depth + 1);
      } catch (error) {
        rethrowWithSegment(error, `[${position}]`, array);
      }
    }
    return array;
  }

  private classExtension(depth: number): object {
    if (this.containerLength('array', 'class') !== 2)
      throw new Failure('malformed class extension: expected [name, plain]');
    const name = this.value(0);
    if (typeof name !== 'string') throw new Failure('malformed class extension: the name must be a string');
    const codec = this.options.classesByName.get(name);
    if (codec === undefined) {
      throw new Failure(`unknown class ${JSON.stringify(name)} (register a codec in the classes option)`);
    }
    if (depth + 1 > this.options.maxDepth) throw depthFailure(this.options.maxDepth, codec);
    let plain: unknown;
    try {
      plain = this.value(depth + 1);
    } catch (error) {
      rethrowWithSegment(error, `<${name}>`, codec);
    }
    try {
      return codec.decode(plain);
    } catch (error) {
      throw new Failure(`class codec ${name} failed to decode: ${(error as Error)?.message ?? error}`, error);
    }
  }
}
