import { type StoreEntry, StoreError } from '@synced-cache/core';
import { HEADER_BYTES, type KIND_TOMBSTONE, KIND_VALUE } from './scripts.js';

/**
 * Parsing of script replies and of the stored value layout (see `scripts.ts`). Both clients may
 * hand back a `Buffer`, a `Uint8Array`, a string, a number or a bigint depending on their
 * settings; everything here accepts all of them.
 *
 * @packageDocumentation
 */

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return undefined;
}

function readDoubleBigEndian(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getFloat64(0, false);
}

/** A decoded stored value. */
export interface DecodedValue {
  /** The version in the header. */
  version: number;
  /** The payload, a view into the given bytes (no copy). */
  payload: Uint8Array;
}

/**
 * Decodes a stored value (`kind | version | payload`). Returns `undefined` for tombstones,
 * foreign strings and malformed headers (never throws).
 */
export function decodeValue(raw: unknown): DecodedValue | undefined {
  const bytes = asBytes(raw);
  if (bytes === undefined || bytes.length < HEADER_BYTES || bytes[0] !== KIND_VALUE) return undefined;
  const version = readDoubleBigEndian(bytes, 1);
  if (!Number.isSafeInteger(version) || version <= 0) return undefined;
  return { version, payload: bytes.subarray(HEADER_BYTES) };
}

/** Builds the stored form of a value or tombstone (what the scripts write), e.g. for tests and tools. */
export function encodeValue(
  kind: typeof KIND_VALUE | typeof KIND_TOMBSTONE,
  version: number,
  payload?: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + (payload?.length ?? 0));
  bytes[0] = kind;
  new DataView(bytes.buffer).setFloat64(1, version, false);
  if (payload !== undefined) bytes.set(payload, HEADER_BYTES);
  return bytes;
}

/** Converts an integer reply (number, bigint, numeric string or bytes) to a number. */
export function toNumber(reply: unknown): number {
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (typeof reply === 'string') return Number(reply);
  if (reply instanceof Uint8Array)
    return Number(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength).toString('latin1'));
  return Number.NaN;
}

/**
 * Parses the version a write script returned.
 *
 * @throws StoreError when the reply is not a positive safe integer.
 */
export function parseVersion(reply: unknown, action: string, key?: string): number {
  const version = toNumber(reply);
  if (!Number.isSafeInteger(version) || version <= 0) {
    throw new StoreError(`${action}: unexpected version reply ${String(reply)}`, { action, key });
  }
  return version;
}

/**
 * Reads slot `index` of a `READ_SCRIPT` reply (`[value, pttl, value, pttl, …]`).
 *
 * @throws StoreError when the reply is not an array.
 */
export function parseReadReply(reply: unknown, index: number): StoreEntry | undefined {
  if (!Array.isArray(reply))
    throw new StoreError(`read: unexpected reply ${typeof reply}`, { action: 'get' });
  const decoded = decodeValue(reply[2 * index]);
  if (decoded === undefined) return undefined;
  const ttl = toNumber(reply[2 * index + 1]);
  return {
    payload: decoded.payload,
    version: decoded.version,
    ttlMs: Number.isFinite(ttl) && ttl > 0 ? ttl : undefined,
  };
}

/** A `[cursor, number]` reply of `CLEAR_SCRIPT` / `SIZE_SCRIPT`. */
export interface ScanStepReply {
  /** The next SCAN cursor; `'0'` when the scan is complete. */
  cursor: string;
  /** The step's number: highest version (clear) or live-key count (size). */
  value: number;
}

/**
 * Parses a `[cursor, number]` reply.
 *
 * @throws StoreError when the reply has another shape.
 */
export function parseScanStep(reply: unknown, action: string): ScanStepReply {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new StoreError(`${action}: unexpected reply ${String(reply)}`, { action });
  }
  const [cursorReply, valueReply] = reply as [unknown, unknown];
  const cursor =
    cursorReply instanceof Uint8Array ? Buffer.from(cursorReply).toString('latin1') : String(cursorReply);
  const value = toNumber(valueReply);
  if (!/^\d+$/.test(cursor) || !Number.isSafeInteger(value) || value < 0) {
    throw new StoreError(`${action}: unexpected reply [${cursor}, ${String(valueReply)}]`, { action });
  }
  return { cursor, value };
}

/** Parses a `TIME` reply (`[seconds, microseconds]`) to microseconds. */
export function parseTime(reply: unknown): number {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new StoreError(`TIME: unexpected reply ${String(reply)}`, { action: 'currentVersion' });
  }
  return toNumber(reply[0]) * 1_000_000 + toNumber(reply[1]);
}
