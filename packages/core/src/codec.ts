/**
 * The binary, versioned wire envelope every pod speaks, whatever the bus and client library.
 *
 * Layout (big-endian):
 * ```
 * offset  size  field
 * 0       1     magic 0xCA
 * 1       1     format version (1)
 * 2       1     action: 1 set, 2 invalidate, 3 delete, 4 clear, 5 heartbeat, 6 leave
 * 3       1     flags: bit 0 value present, bit 1 HMAC-SHA256 signature appended
 * 4       8     store version (float64 holding a safe integer; fixed offset so a server-side
 *               script could patch it)
 * 12      8     seq (float64, safe integer)
 * 20      8     epoch (float64, safe integer)
 * 28      8     ttlMs of the write (float64, safe integer; 0 = none), so receivers expire their
 *               copy with the store's
 * 36      1     podId length P (1..255)
 * 37      P     podId (UTF-8)
 * …       4     key length K
 * …       K     key (UTF-8)
 * …       4     value length L     (only with flag bit 0)
 * …       L     value bytes
 * …       32    HMAC-SHA256 over the signed context (its length as u32, then its bytes; the
 *               cache's channel) and every preceding byte (only with flag bit 1)
 * ```
 * A message that is truncated, has trailing bytes, invalid UTF-8, an unknown action or flag, a
 * foreign format version or a field over its limit is rejected with {@link EventDecodeError}.
 *
 * A **batch frame** carries several envelopes in one bus message (the Redis adapters publish a
 * batch write's events so): magic, format version, action code 7, flags 0, then per envelope its
 * length (u32) and its bytes. Frames do not nest and are never signed ({@link splitBatch}).
 *
 * @packageDocumentation
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Action, StorePublication } from './contracts.js';
import { SyncedCacheError } from './errors.js';

/** First byte of every envelope. */
export const EVENT_MAGIC = 0xca;
/** The envelope format this build writes and reads. */
export const EVENT_FORMAT_VERSION = 1;

const HEADER_BYTES = 37;
const SIGNATURE_BYTES = 32;
const FLAG_VALUE = 1;
const FLAG_SIGNED = 2;

/**
 * Every action on the wire: the public {@link Action}s plus two internal ones. `heartbeat` carries
 * the sender's last `seq` (so a lost trailing event is noticed); `leave` is a closing pod's last
 * message and says its numbering ends at `seq` with everything announced.
 */
export type WireAction = Action | 'heartbeat' | 'leave';

const ACTION_CODES: Record<WireAction, number> = {
  set: 1,
  invalidate: 2,
  delete: 3,
  clear: 4,
  heartbeat: 5,
  leave: 6,
};
const ACTIONS: readonly (WireAction | undefined)[] = [
  undefined,
  'set',
  'invalidate',
  'delete',
  'clear',
  'heartbeat',
  'leave',
];

/** Action code of a batch frame (see the layout above). */
export const BATCH_ACTION_CODE = 7;
const BATCH_HEADER_BYTES = 4;
/** Most envelopes one batch frame may carry. */
export const MAX_BATCH_EVENTS = 65_536;

/** Whether `message` is a batch frame (checks its first bytes only; {@link splitBatch} validates). */
export function isBatchFrame(message: Uint8Array): boolean {
  return message.length > 2 && message[0] === EVENT_MAGIC && message[2] === BATCH_ACTION_CODE;
}

/**
 * One batch frame holding `envelopes` in order (what the Redis adapters' batch scripts publish;
 * for stores written in JavaScript, and tests).
 */
export function encodeBatch(envelopes: readonly Uint8Array[]): Uint8Array {
  let total = BATCH_HEADER_BYTES;
  for (const envelope of envelopes) total += 4 + envelope.length;
  const frame = Buffer.allocUnsafe(total);
  frame[0] = EVENT_MAGIC;
  frame[1] = EVENT_FORMAT_VERSION;
  frame[2] = BATCH_ACTION_CODE;
  frame[3] = 0;
  let offset = BATCH_HEADER_BYTES;
  for (const envelope of envelopes) {
    frame.writeUInt32BE(envelope.length, offset);
    frame.set(envelope, offset + 4);
    offset += 4 + envelope.length;
  }
  return frame;
}

/**
 * The envelopes of a batch frame, in order, as views into it (each still to be checked by
 * {@link decodeEvent}, which rejects a nested frame as an unknown action).
 * @throws EventDecodeError when the frame is truncated, empty, has an empty envelope, a foreign
 *   format version, flags, or more than {@link MAX_BATCH_EVENTS} envelopes.
 */
export function splitBatch(message: Uint8Array): Uint8Array[] {
  const length = message.length;
  if (length < BATCH_HEADER_BYTES + 4) throw new EventDecodeError('truncated', `batch of ${length} bytes`);
  checkMagicAndVersion(message);
  if (message[2] !== BATCH_ACTION_CODE) throw new EventDecodeError('action', `code ${message[2]}`);
  if (message[3] !== 0) throw new EventDecodeError('flags', `batch flags ${message[3]}`);
  const envelopes: Uint8Array[] = [];
  let offset = BATCH_HEADER_BYTES;
  while (offset < length) {
    if (offset + 4 > length) throw new EventDecodeError('truncated', 'batch envelope length');
    const size = readUint32(message, offset);
    offset += 4;
    if (size === 0) throw new EventDecodeError('field', 'empty envelope in a batch');
    if (offset + size > length) throw new EventDecodeError('truncated', 'batch envelope');
    if (envelopes.length === MAX_BATCH_EVENTS) {
      throw new EventDecodeError('limit', `more than ${MAX_BATCH_EVENTS} envelopes in a batch`);
    }
    envelopes.push(message.subarray(offset, offset + size));
    offset += size;
  }
  return envelopes;
}

/** A decoded envelope (an `InvalidationEvent`, or a heartbeat). */
export interface WireEvent {
  action: WireAction;
  key: string;
  podId: string;
  epoch: number;
  seq: number;
  version: number;
  /** Store TTL of the write in ms; 0 = none. */
  ttlMs: number;
  /** Encoded value of a `set`; a view into the received message (copy it to keep it). */
  value?: Uint8Array | undefined;
}

/** Limits and signing for {@link encodeEvent} / {@link decodeEvent}. */
export interface CodecOptions {
  /** Longest accepted key, in UTF-8 bytes. @default 16384 */
  maxKeyBytes?: number;
  /** Longest accepted value, in bytes. @default 16777216 */
  maxValueBytes?: number;
  /** HMAC-SHA256 key. When set, encode signs and decode rejects unsigned or badly signed input. */
  secret?: Uint8Array | undefined;
  /**
   * Bytes the signature also covers but that are not sent: the cache passes its channel (which
   * carries the namespace), so an event signed for one channel or namespace is rejected on another.
   */
  signedContext?: Uint8Array | undefined;
}

/** Why an incoming message was rejected; the `reason` is stable and used for counting. */
export class EventDecodeError extends SyncedCacheError {
  /** `'truncated' | 'magic' | 'version' | 'action' | 'flags' | 'field' | 'utf8' | 'limit' | 'trailing' | 'unsigned' | 'signature' | 'type'` */
  readonly reason: string;
  constructor(reason: string, detail: string) {
    super(`bad event (${reason}): ${detail}`, 'ERR_SERIALIZATION', { action: 'decodeEvent' });
    this.reason = reason;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes an event into a fresh envelope. With `omitValue`, the envelope stops after the value's
 * length field (for a store that appends the value itself, see `StorePublication`); it cannot be
 * signed then.
 * @throws EventDecodeError (reason `'limit'` or `'field'`) when a field is out of range.
 */
export function encodeEvent(event: WireEvent, options: CodecOptions = {}, omitValue = false): Uint8Array {
  const podIdBytes = Buffer.byteLength(event.podId, 'utf8');
  const keyBytes = Buffer.byteLength(event.key, 'utf8');
  const value = event.value;
  const maxKey = options.maxKeyBytes ?? 16384;
  if (podIdBytes === 0 || podIdBytes > 255) throw new EventDecodeError('field', 'podId must be 1..255 bytes');
  if (keyBytes > maxKey) throw new EventDecodeError('limit', `key of ${keyBytes} bytes`);
  if (value !== undefined && value.length > (options.maxValueBytes ?? 16_777_216)) {
    throw new EventDecodeError('limit', `value of ${value.length} bytes`);
  }
  checkInteger('version', event.version);
  checkInteger('seq', event.seq);
  checkInteger('epoch', event.epoch);
  checkInteger('ttlMs', event.ttlMs);
  const signed = options.secret !== undefined;
  if (signed && omitValue)
    throw new EventDecodeError('field', 'an envelope without its value cannot be signed');
  const total =
    HEADER_BYTES +
    podIdBytes +
    4 +
    keyBytes +
    (value === undefined ? 0 : 4 + (omitValue ? 0 : value.length)) +
    (signed ? SIGNATURE_BYTES : 0);
  const buf = Buffer.allocUnsafe(total);
  buf[0] = EVENT_MAGIC;
  buf[1] = EVENT_FORMAT_VERSION;
  buf[2] = ACTION_CODES[event.action];
  buf[3] = (value === undefined ? 0 : FLAG_VALUE) | (signed ? FLAG_SIGNED : 0);
  buf.writeDoubleBE(event.version, 4);
  buf.writeDoubleBE(event.seq, 12);
  buf.writeDoubleBE(event.epoch, 20);
  buf.writeDoubleBE(event.ttlMs, 28);
  buf[36] = podIdBytes;
  let offset = HEADER_BYTES + buf.write(event.podId, HEADER_BYTES, 'utf8');
  buf.writeUInt32BE(keyBytes, offset);
  offset += 4;
  offset += buf.write(event.key, offset, 'utf8');
  if (value !== undefined) {
    buf.writeUInt32BE(value.length, offset);
    offset += 4;
    if (!omitValue) {
      buf.set(value, offset);
      offset += value.length;
    }
  }
  if (signed) {
    signature(options.secret!, options.signedContext, buf.subarray(0, offset)).copy(buf, offset);
  }
  return buf;
}

/**
 * What a store publishes for a {@link StorePublication} (for stores written in JavaScript, and
 * tests; the Redis adapters do the same in their Lua scripts): `head` with `version` written at
 * bytes 4–11 and, when `appendPayload`, the payload appended.
 */
export function completePublication(
  publication: StorePublication,
  version: number,
  payload?: Uint8Array,
): Uint8Array {
  const { head, appendPayload } = publication;
  const extra = appendPayload && payload !== undefined ? payload.length : 0;
  const message = Buffer.allocUnsafe(head.length + extra);
  message.set(head, 0);
  message.writeDoubleBE(version, 4);
  if (extra > 0) message.set(payload!, head.length);
  return message;
}

/**
 * Decodes and validates an envelope. Never returns a partially valid event.
 * @throws EventDecodeError for any malformed, foreign, oversized or badly signed input.
 */
export function decodeEvent(message: unknown, options: CodecOptions = {}): WireEvent {
  if (!(message instanceof Uint8Array)) throw new EventDecodeError('type', 'message is not bytes');
  const length = message.length;
  if (length < HEADER_BYTES + 1 + 4) throw new EventDecodeError('truncated', `${length} bytes`);
  checkMagicAndVersion(message);
  const action = ACTIONS[message[2]!];
  if (action === undefined) throw new EventDecodeError('action', `code ${message[2]}`);
  const flags = message[3]!;
  if ((flags & ~(FLAG_VALUE | FLAG_SIGNED)) !== 0) throw new EventDecodeError('flags', `flags ${flags}`);
  const signed = (flags & FLAG_SIGNED) !== 0;
  const secret = options.secret;
  if (secret !== undefined && !signed) throw new EventDecodeError('unsigned', 'a secret is set');
  const version = readFloat64(message, 4);
  const seq = readFloat64(message, 12);
  const epoch = readFloat64(message, 20);
  const ttlMs = readFloat64(message, 28);
  if (!isCount(version) || !isCount(seq) || !isCount(epoch) || !isCount(ttlMs)) {
    throw new EventDecodeError('field', 'version, seq, epoch and ttlMs must be non-negative safe integers');
  }
  const end = signed ? length - SIGNATURE_BYTES : length;
  const podIdLength = message[36]!;
  if (podIdLength === 0) throw new EventDecodeError('field', 'empty podId');
  let offset = HEADER_BYTES + podIdLength;
  if (offset + 4 > end) throw new EventDecodeError('truncated', 'podId');
  const podId = podIdText(message, HEADER_BYTES, offset);
  const keyLength = readUint32(message, offset);
  offset += 4;
  if (keyLength > (options.maxKeyBytes ?? 16384))
    throw new EventDecodeError('limit', `key of ${keyLength} bytes`);
  if (offset + keyLength > end) throw new EventDecodeError('truncated', 'key');
  const key = text(message, offset, offset + keyLength);
  offset += keyLength;
  let value: Uint8Array | undefined;
  if ((flags & FLAG_VALUE) !== 0) {
    if (offset + 4 > end) throw new EventDecodeError('truncated', 'value length');
    const valueLength = readUint32(message, offset);
    offset += 4;
    if (valueLength > (options.maxValueBytes ?? 16_777_216)) {
      throw new EventDecodeError('limit', `value of ${valueLength} bytes`);
    }
    if (offset + valueLength > end) throw new EventDecodeError('truncated', 'value');
    value = message.subarray(offset, offset + valueLength);
    offset += valueLength;
  }
  if (offset !== end) throw new EventDecodeError(offset < end ? 'trailing' : 'truncated', 'length mismatch');
  if (signed && secret !== undefined) {
    const expected = signature(secret, options.signedContext, message.subarray(0, end));
    if (!timingSafeEqual(expected, message.subarray(end, length))) {
      throw new EventDecodeError('signature', 'HMAC mismatch');
    }
  }
  if ((action === 'set') !== (value !== undefined)) {
    throw new EventDecodeError('field', 'a value is carried by set events only');
  }
  return { action, key, podId, epoch, seq, version, ttlMs, value };
}

/**
 * The UTF-8 text of `bytes[start, end)`, validated. ASCII in a `Buffer` (every key and podId core
 * writes, and what the NATS and Redis clients deliver) takes the `latin1` slice, which for bytes
 * below 0x80 is the same string: about half the cost of `TextDecoder` plus the view it needs.
 */
function text(bytes: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(bytes)) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return bytes.toString('latin1', start, end);
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    throw new EventDecodeError('utf8', 'invalid UTF-8');
  }
}

/**
 * The podIds decoded lately, by a hash of their bytes: a pod hears the same few peers over and
 * over, so most events reuse the string (and its cached hash, for the receiver's peer lookup)
 * instead of decoding it again. A pure memo: a miss or a collision only costs a decode.
 */
const POD_ID_SLOTS = 64;
const podIdBytes: Array<Uint8Array | undefined> = new Array(POD_ID_SLOTS).fill(undefined);
const podIdStrings: string[] = new Array(POD_ID_SLOTS).fill('');

function podIdText(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  const slot = (length * 31 + bytes[start]! * 7 + bytes[end - 1]! + bytes[end - 2]! * 3) & (POD_ID_SLOTS - 1);
  const known = podIdBytes[slot];
  if (known !== undefined && known.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (known[i] !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return podIdStrings[slot]!;
  }
  const podId = text(bytes, start, end);
  const copy = new Uint8Array(length);
  copy.set(bytes.subarray(start, end));
  podIdBytes[slot] = copy;
  podIdStrings[slot] = podId;
  return podId;
}

const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The big-endian float64 at `offset` (in bounds), without a `DataView` per message. */
function readFloat64(bytes: Uint8Array, offset: number): number {
  if (LITTLE_ENDIAN_HOST) {
    float64Bytes[7] = bytes[offset]!;
    float64Bytes[6] = bytes[offset + 1]!;
    float64Bytes[5] = bytes[offset + 2]!;
    float64Bytes[4] = bytes[offset + 3]!;
    float64Bytes[3] = bytes[offset + 4]!;
    float64Bytes[2] = bytes[offset + 5]!;
    float64Bytes[1] = bytes[offset + 6]!;
    float64Bytes[0] = bytes[offset + 7]!;
  } else {
    for (let i = 0; i < 8; i++) float64Bytes[i] = bytes[offset + i]!;
  }
  return float64[0]!;
}

/** The first two bytes of an envelope or a batch frame: this format's magic and version. */
function checkMagicAndVersion(message: Uint8Array): void {
  if (message[0] !== EVENT_MAGIC) throw new EventDecodeError('magic', `first byte ${message[0]}`);
  if (message[1] !== EVENT_FORMAT_VERSION) throw new EventDecodeError('version', `format ${message[1]}`);
}

/** The big-endian u32 at `offset` (in bounds). */
function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    bytes[offset]! * 0x1000000 + ((bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!)
  );
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function checkInteger(field: string, n: number): void {
  if (!isCount(n)) throw new EventDecodeError('field', `${field} must be a non-negative safe integer`);
}

/** HMAC-SHA256 over the context (length-prefixed, so no context can pose as part of an envelope) and the envelope. */
function signature(secret: Uint8Array, context: Uint8Array | undefined, envelope: Uint8Array): Buffer {
  const hmac = createHmac('sha256', secret);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(context?.length ?? 0);
  hmac.update(length);
  if (context !== undefined) hmac.update(context);
  return hmac.update(envelope).digest();
}
