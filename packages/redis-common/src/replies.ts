import { type StoreEntry, StoreError, type StoreLogRead } from '@synced-cache/core';
import {
  HEADER_BYTES,
  HEADER_WITH_EXPIRY_BYTES,
  type KIND_TOMBSTONE,
  KIND_VALUE,
  KIND_VALUE_WITH_EXPIRY,
} from './scripts.js';

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
  // Buffers (what both clients return) read without allocating a DataView.
  if (Buffer.isBuffer(bytes)) return bytes.readDoubleBE(offset);
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getFloat64(0, false);
}

/** A decoded stored value. */
export interface DecodedValue {
  /** The version in the header. */
  version: number;
  /** The payload, a view into the given bytes (no copy). */
  payload: Uint8Array;
  /** Absolute expiry in server milliseconds, for values written with a TTL. */
  expiresAtMs?: number | undefined;
}

/**
 * Decodes a stored value (`kind | version | [expiry] | payload`). Returns `undefined` for
 * tombstones, foreign strings and malformed headers (never throws).
 */
export function decodeValue(raw: unknown): DecodedValue | undefined {
  const bytes = asBytes(raw);
  const version = valueVersion(bytes);
  if (version === 0) return undefined;
  if (bytes![0] === KIND_VALUE) return { version, payload: bytes!.subarray(HEADER_BYTES) };
  const expiresAtMs = readDoubleBigEndian(bytes!, HEADER_BYTES);
  if (!Number.isFinite(expiresAtMs)) return undefined;
  return { version, payload: bytes!.subarray(HEADER_WITH_EXPIRY_BYTES), expiresAtMs };
}

/**
 * The version in the header of a stored value, or 0 when `bytes` is no value (a tombstone, a
 * foreign string, a malformed header). A value of kind `KIND_VALUE_WITH_EXPIRY` is long enough to
 * hold its expiry.
 */
function valueVersion(bytes: Uint8Array | undefined): number {
  if (bytes === undefined || bytes.length < HEADER_BYTES) return 0;
  const kind = bytes[0];
  if (kind === KIND_VALUE_WITH_EXPIRY) {
    if (bytes.length < HEADER_WITH_EXPIRY_BYTES) return 0;
  } else if (kind !== KIND_VALUE) return 0;
  const version = readDoubleBigEndian(bytes, 1);
  return Number.isSafeInteger(version) && version > 0 ? version : 0;
}

/** Builds the stored form of a value or tombstone (what the scripts write), e.g. for tests and tools. */
export function encodeValue(
  kind: typeof KIND_VALUE | typeof KIND_TOMBSTONE | typeof KIND_VALUE_WITH_EXPIRY,
  version: number,
  payload?: Uint8Array,
  expiresAtMs = 0,
): Uint8Array {
  const header = kind === KIND_VALUE_WITH_EXPIRY ? HEADER_WITH_EXPIRY_BYTES : HEADER_BYTES;
  const bytes = new Uint8Array(header + (payload?.length ?? 0));
  const view = new DataView(bytes.buffer);
  bytes[0] = kind;
  view.setFloat64(1, version, false);
  if (kind === KIND_VALUE_WITH_EXPIRY) view.setFloat64(HEADER_BYTES, expiresAtMs, false);
  if (payload !== undefined) bytes.set(payload, header);
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
 * Parses a `LOG_READ_SCRIPT` reply (`{}` or `[id, n, entries…]`).
 *
 * @throws StoreError on any other shape.
 */
export function parseLogRead(reply: unknown): StoreLogRead {
  if (!Array.isArray(reply))
    throw new StoreError(`readLog: unexpected reply ${typeof reply}`, { action: 'readLog' });
  if (reply.length === 0) return { id: undefined, last: 0, entries: [] };
  const id = asBytes(reply[0]);
  const last = toNumber(reply[1]);
  const entries = reply.slice(2).map(asBytes);
  if (id === undefined || !Number.isSafeInteger(last) || last < 0 || entries.includes(undefined)) {
    throw new StoreError('readLog: malformed reply', { action: 'readLog' });
  }
  return {
    id: Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('utf8'),
    last,
    entries: entries as Uint8Array[],
  };
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
    // PTTL is -1 for a key without expiry, and 0 for one with under a millisecond left: that one
    // must not read as "no expiry", or a local copy of it would never expire.
    ttlMs: Number.isFinite(ttl) && ttl >= 0 ? Math.max(1, ttl) : undefined,
  };
}

/**
 * Reads a plain `GET` / `MGET` reply into a store entry, computing the remaining TTL from the
 * expiry in the header and `serverNowMs`, the latest the server's clock can read
 * ({@link ServerClock.latestServerNowMs}, read once per reply: an `MGET` of 50 keys read it 50
 * times, ~9 % of its client time), so the TTL is never longer than the truth when the estimate holds.
 */
export function parseValueReply(reply: unknown, serverNowMs: number): StoreEntry | undefined {
  // The read path of every cache miss: builds the entry directly (no intermediate DecodedValue).
  const bytes = asBytes(reply);
  const version = valueVersion(bytes);
  if (version === 0) return undefined;
  if (bytes![0] === KIND_VALUE) return { payload: bytes!.subarray(HEADER_BYTES), version };
  const expiresAtMs = readDoubleBigEndian(bytes!, HEADER_BYTES);
  if (!Number.isFinite(expiresAtMs)) return undefined;
  return {
    payload: bytes!.subarray(HEADER_WITH_EXPIRY_BYTES),
    version,
    ttlMs: Math.max(1, Math.floor(expiresAtMs - serverNowMs)),
  };
}

/**
 * An estimate of a server's clock from `TIME` round trips, so the expiry in a value's header
 * turns into a remaining TTL without asking the server (`PTTL`). The estimate errs late: it
 * assumes the server time is the latest it can be given the round trip, so a computed TTL is never
 * longer than the key's real one (plus clock drift since the sample; samples older than
 * `maxAgeMs` are not used).
 */
export class ServerClock {
  private offsetMs = 0;
  private sampledAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** How long a sample may be used. @default 10000 */
    readonly maxAgeMs = 10_000,
    /** Local clock in ms. @default Date.now */
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a sample exists and is younger than `maxAgeMs`. */
  get fresh(): boolean {
    return this.now() - this.sampledAt < this.maxAgeMs;
  }

  /** True when there is no sample or it is older than half of `maxAgeMs` (time to take a new one). */
  get due(): boolean {
    return this.now() - this.sampledAt >= this.maxAgeMs / 2;
  }

  /**
   * One clock read for the read path: `0` = no usable sample, `1` = usable, `2` = usable but due
   * for a new sample.
   */
  check(): 0 | 1 | 2 {
    const age = this.now() - this.sampledAt;
    return age >= this.maxAgeMs ? 0 : age >= this.maxAgeMs / 2 ? 2 : 1;
  }

  /** Local time before sending `TIME`; pass it to {@link record} with the reply. */
  start(): number {
    return this.now();
  }

  /** Records a `TIME` reply that was requested at local time `sentAtMs`. */
  record(sentAtMs: number, timeReply: unknown): void {
    const receivedAt = this.now();
    const serverMs = parseTime(timeReply) / 1000;
    // the server read its clock somewhere between sentAt and receivedAt; assume the latest
    this.offsetMs = serverMs - sentAtMs;
    this.sampledAt = receivedAt;
  }

  /** Forgets the sample (after a reconnect or failover the server may be another machine). */
  reset(): void {
    this.sampledAt = Number.NEGATIVE_INFINITY;
  }

  /** The latest the server's clock can read now, in ms, given the sample. */
  latestServerNowMs(): number {
    return this.now() + this.offsetMs;
  }
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
