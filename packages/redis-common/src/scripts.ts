import { createHash } from 'node:crypto';
import {
  BATCH_ACTION_CODE,
  EVENT_FORMAT_VERSION,
  EVENT_MAGIC,
  type StorePublication,
} from '@synced-cache/core';

/**
 * The Lua scripts both Redis adapters run, byte for byte the same, so an ioredis pod and a
 * node-redis pod on one server agree on every version.
 *
 * ## Stored value layout
 *
 * Every key the store writes holds a string: a 9-byte header followed by the payload.
 *
 * | bytes | meaning |
 * |---|---|
 * | 0 | kind: `1` = value, `3` = value with TTL, `2` = tombstone (a deleted or cleared key that remembers its version) |
 * | 1–8 | version, an integer as a big-endian IEEE-754 double (exact below 2^53) |
 * | 9–16 | kind 3 only: absolute expiry in server milliseconds (TIME), big-endian double |
 * | 9… / 17… | payload (values only) |
 *
 * The expiry in the header lets a plain `GET` / `MGET` read a value with its TTL in one round trip
 * (remaining = expiry − estimated server time, see `ServerClock`); the `READ_SCRIPT` (value +
 * PTTL) serves until the server clock is estimated, and on Cluster.
 *
 * ## Versions
 *
 * `version = max(server time in µs (TIME), previous version of the key + 1, clock + 1)`,
 * computed inside the write script from the header already stored under the key (value or
 * tombstone) and, on standalone and Sentinel, from a **clock key** (an integer string, default
 * `synced-cache.clock`) that every write script advances to the version it assigns. So versions
 * are strictly increasing per key across `set`, `delete` and `clear`, survive pod restarts, and
 * on one server they are one clock: strictly increasing across all keys, and `GET clock` is
 * exactly the highest version assigned so far (`currentVersion`). On Cluster a script cannot touch
 * a key of another slot, so there is no clock key: versions are the node's server time (plus the
 * per-key rule), comparable across keys only as far as the nodes' clocks agree. Tombstones expire
 * after `tombstoneTtlMs`; after that the clock (and server time) keep the next version higher.
 *
 * @packageDocumentation
 */

/** Kind byte of a stored value. */
export const KIND_VALUE = 1;
/** Kind byte of a tombstone. */
export const KIND_TOMBSTONE = 2;
/** Kind byte of a value with a TTL (the header also holds its absolute expiry). */
export const KIND_VALUE_WITH_EXPIRY = 3;
/** Bytes before the payload of a value without TTL (and of a tombstone): kind (1) + version (8). */
export const HEADER_BYTES = 9;
/** Bytes before the payload of a value with TTL: kind (1) + version (8) + expiry (8). */
export const HEADER_WITH_EXPIRY_BYTES = 17;

/** A script with its SHA1 (for EVALSHA) and key count (`undefined` = variable). */
export interface RedisScript {
  /** A short name (`synced_cache_set`, …); used as the ioredis command name. */
  readonly name: string;
  /** The Lua source. */
  readonly lua: string;
  /** SHA1 of `lua`, hex, as EVALSHA wants it. */
  readonly sha1: string;
  /** Number of KEYS the script takes; `undefined` when it varies per call. */
  readonly numberOfKeys: number | undefined;
  /** True when the script only reads (safe on a replica, no writes). */
  readonly readOnly: boolean;
}

function script(name: string, lua: string, numberOfKeys: number | undefined, readOnly: boolean): RedisScript {
  const source = `-- synced-cache ${name}\n${lua.trim()}\n`;
  return {
    name,
    lua: source,
    sha1: createHash('sha1').update(source).digest('hex'),
    numberOfKeys,
    readOnly,
  };
}

/**
 * Lua function `above(old, v)`: v, or one above the version in `old` (a stored value or tombstone,
 * or its 9-byte header; `false` or empty for none) when that is not below v.
 */
const ABOVE = `
local function above(old, v)
  if old and #old >= 9 then
    local kind = string.byte(old, 1)
    if kind >= 1 and kind <= 3 then
      local previous = struct.unpack('>d', old, 2)
      if previous >= v then return previous + 1 end
    end
  end
  return v
end`;

/** Lua that sets `now` (server time in µs) from TIME. */
const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])`;

/**
 * Lua that sets `v` = max(now, version stored under KEYS[1] + 1, clock + 1), where the clock is
 * the integer string under KEYS[2] when given (standalone and Sentinel; absent on Cluster).
 */
const NEXT_VERSION = `${ABOVE}${NOW}
local v = above(redis.call('GETRANGE', KEYS[1], 0, 8), now)
if #KEYS > 1 then
  local clock = tonumber(redis.call('GET', KEYS[2]))
  if clock and clock >= v then v = clock + 1 end
  redis.call('SET', KEYS[2], string.format('%.0f', v))
end`;

/** Lua that writes ARGV[1] (payload) under KEYS[1] with version `v` and TTL ARGV[2] ms (`'0'` = none). */
const WRITE_VALUE = `
if ARGV[2] == '0' then
  redis.call('SET', KEYS[1], string.char(1) .. struct.pack('>d', v) .. ARGV[1])
else
  local expires = math.floor(now / 1000) + tonumber(ARGV[2])
  redis.call('SET', KEYS[1], string.char(3) .. struct.pack('>d', v) .. struct.pack('>d', expires) .. ARGV[1], 'PX', ARGV[2])
end`;

/**
 * Lua that publishes on channel ARGV[channel] the event envelope ARGV[head] (core's
 * `StorePublication.head`: the envelope without value bytes) with version `v` written at bytes
 * 4–11 (0-based; big-endian double, as in the envelope) and, when `append` is given, the payload
 * ARGV[1] appended.
 */
function publishEvent(channel: number, head: number, append?: number): string {
  const appendPayload =
    append === undefined ? '' : `\nif ARGV[${append}] == '1' then event = event .. ARGV[1] end`;
  return `
local event = string.sub(ARGV[${head}], 1, 4) .. struct.pack('>d', v) .. string.sub(ARGV[${head}], 13)${appendPayload}
redis.call('PUBLISH', ARGV[${channel}], event)`;
}

/**
 * Writes a value. KEYS[1] = full key; KEYS[2] (optional) = clock key; ARGV[1] = payload;
 * ARGV[2] = TTL in ms as a decimal string (`'0'` = none; values beyond 2^31 are fine, Redis
 * parses 64-bit). Returns the new version (integer reply). Call with numkeys 2 on standalone and
 * Sentinel, 1 on Cluster.
 */
export const SET_SCRIPT: RedisScript = script(
  'synced_cache_set',
  `${NEXT_VERSION}${WRITE_VALUE}
return v`,
  undefined,
  false,
);

/**
 * {@link SET_SCRIPT} that also publishes the write's event in the same atomic step (core's
 * `Store.setAndPublish`): ARGV[3] = channel, ARGV[4] = event head, ARGV[5] = `'1'` to append the
 * payload to the event. One round trip for write and publish, and events leave in write order.
 * Plain PUBLISH: standalone and Sentinel only (on Cluster a script cannot reach a sharded
 * channel on another slot, and plain PUBLISH from several nodes would not keep a pod's order).
 */
export const SET_PUBLISH_SCRIPT: RedisScript = script(
  'synced_cache_set_publish',
  `${NEXT_VERSION}${WRITE_VALUE}${publishEvent(3, 4, 5)}
return v`,
  undefined,
  false,
);

/**
 * Deletes a key by replacing it with a tombstone that remembers the version for ARGV[1] ms.
 * KEYS[1] = full key; KEYS[2] (optional) = clock key. Returns the deletion's version (integer
 * reply).
 */
export const DELETE_SCRIPT: RedisScript = script(
  'synced_cache_delete',
  `${NEXT_VERSION}
redis.call('SET', KEYS[1], string.char(2) .. struct.pack('>d', v), 'PX', ARGV[1])
return v`,
  undefined,
  false,
);

/**
 * {@link DELETE_SCRIPT} that also publishes the deletion's event (core's
 * `Store.deleteAndPublish`): ARGV[2] = channel, ARGV[3] = event head. Standalone and Sentinel
 * only, as {@link SET_PUBLISH_SCRIPT}.
 */
export const DELETE_PUBLISH_SCRIPT: RedisScript = script(
  'synced_cache_delete_publish',
  `${NEXT_VERSION}
redis.call('SET', KEYS[1], string.char(2) .. struct.pack('>d', v), 'PX', ARGV[1])${publishEvent(2, 3)}
return v`,
  undefined,
  false,
);

/**
 * The ARGV of {@link SET_PUBLISH_SCRIPT} (after the keys): the payload and TTL argument as for
 * {@link SET_SCRIPT}, then the publication's channel, head (as a Buffer) and append flag.
 */
export function setPublishArguments(
  payload: Buffer,
  ttl: string,
  publication: StorePublication,
): [Buffer, string, string, Buffer, '1' | '0'] {
  return [payload, ttl, publication.channel, headBuffer(publication), publication.appendPayload ? '1' : '0'];
}

/**
 * The ARGV of {@link DELETE_PUBLISH_SCRIPT} (after the keys): the tombstone TTL argument, then the
 * publication's channel and head (as a Buffer; a delete event never carries a payload).
 */
export function deletePublishArguments(
  tombstoneTtl: string,
  publication: StorePublication,
): [string, string, Buffer] {
  return [tombstoneTtl, publication.channel, headBuffer(publication)];
}

function headBuffer({ head }: StorePublication): Buffer {
  return Buffer.isBuffer(head) ? head : Buffer.from(head.buffer, head.byteOffset, head.byteLength);
}

/** First bytes of a batch frame: magic, format, action 7 (batch), flags 0 (core's `encodeBatch`). */
const BATCH_HEADER = [EVENT_MAGIC, EVENT_FORMAT_VERSION, BATCH_ACTION_CODE, 0] as const;
/**
 * A batch frame is closed before it would pass this many bytes (a single larger event still
 * leaves alone): far below Redis's default output-buffer limits for subscribers (8 MB soft, 32 MB
 * hard), so a batch of large values cannot disconnect them.
 */
const BATCH_FRAME_BYTES = 1024 * 1024;

/**
 * Values of at most this many bytes are written by a batch with `SET … GET`, which also answers
 * the value it replaced, so the key's previous version costs no command of its own (one
 * `redis.call` instead of two; each costs 1–5 µs inside a script). A larger value reads the 9-byte
 * header first (`GETRANGE`): a key is usually rewritten with a value of about its old size, and a
 * large old value should not be copied into Lua only for its header (a small value that replaces
 * a large one does copy it, once).
 */
export const SET_GET_MAX_BYTES = 4096;

/**
 * Lua of a batch write script: every key of KEYS[1..n] (n = ARGV[1]) written in order as the
 * single-key script would write it, each with its own version and (when `publish`) its own event,
 * in one script call. KEYS[n + 1], when present, is the clock key; TIME is read once (versions
 * within the batch still strictly increase through the clock key, and per key through the key's
 * previous version). A key whose read or write fails (a key of another type under it) is skipped,
 * nothing written or published for it, and its reply slot is the error message; the others go on.
 *
 * A value of at most {@link SET_GET_MAX_BYTES} is written at once with `SET … GET` at
 * max(now, clock + 1); in the rare case that the header it replaced holds a version at least as
 * high (the clock key was lost, or without a clock key two writes fell in one microsecond or the
 * server clock stepped back), it is written again one above that version, within the same atomic
 * script, so the outcome is the single-key script's. Tombstones and larger values read the old
 * header first.
 *
 * When `publish`, the events go out after the writes, in key order, the events of consecutive keys
 * on one channel as one batch frame of at most {@link BATCH_FRAME_BYTES} (one PUBLISH for a
 * batch instead of one per key, and every subscriber then handles one message instead of fifty).
 * Each event is assembled by one `struct.pack`, length prefix included. The script is atomic, so
 * subscribers see the same order and the same moment as with a PUBLISH per key.
 */
function batchWrite(write: 'set' | 'delete', publish: boolean): string {
  // ARGV[1] = n, ARGV[2 … first] the shared arguments, ARGV[first + 1] every key's own arguments
  // packed (see `packBatches`), read into these locals with one `struct.unpack` per key (`c0`
  // reads as many bytes as the integer before it says).
  const first = write === 'set' ? 1 : 2;
  const fields = [
    ...(write === 'set' ? ['payload', 'ttl'] : []),
    ...(publish ? ['channel', 'head'] : []),
    ...(write === 'set' && publish ? ['append'] : []),
  ];
  const unpack =
    fields.length === 0
      ? ''
      : `
  local ${fields.join(', ')}
  ${fields.join(', ')}, pos = struct.unpack('>${'I4c0'.repeat(fields.length)}', packed, pos)`;
  const store =
    write === 'set'
      ? `
  local done
  if #payload > ${SET_GET_MAX_BYTES} then
    done = redis.pcall('GETRANGE', key, 0, 8)
    if type(done) ~= 'table' then
      v = above(done, v)
      done = put(key, v, payload, ttl, false)
    end
  else
    done = put(key, v, payload, ttl, true)
    if type(done) ~= 'table' then
      local settled = above(done, v)
      if settled ~= v then
        v = settled
        done = put(key, v, payload, ttl, false)
      end
    end
  end`
      : `
  local done = redis.pcall('GETRANGE', key, 0, 8)
  if type(done) ~= 'table' then
    v = above(done, v)
    done = redis.pcall('SET', key, struct.pack('>Bd', ${KIND_TOMBSTONE}, v), 'PX', ARGV[2])
  end`;
  // A set of at most SET_GET_MAX_BYTES answers the old value (false when there was none), a plain
  // SET a status table; either way a table with `err` is the key's failure.
  const put =
    write === 'set'
      ? `
local function put(key, v, payload, ttl, get)
  local value
  if ttl == '0' then
    value = struct.pack('>Bdc0', ${KIND_VALUE}, v, payload)
    if get then return redis.pcall('SET', key, value, 'GET') end
    return redis.pcall('SET', key, value)
  end
  value = struct.pack('>Bddc0', ${KIND_VALUE_WITH_EXPIRY}, v, math.floor(now / 1000) + tonumber(ttl), payload)
  if get then return redis.pcall('SET', key, value, 'PX', ttl, 'GET') end
  return redis.pcall('SET', key, value, 'PX', ttl)
end`
      : '';
  // Event `head` with version v at bytes 5–12 (1-based), the payload appended when asked, behind
  // its big-endian u32 length: one frame entry.
  const appended =
    write === 'set'
      ? `
    if append == '1' then appended = payload end`
      : '';
  const announce = !publish
    ? ''
    : `
    local appended = ''${appended}
    local bytes = #head + #appended
    if channel ~= frameChannel or frameBytes + bytes > ${BATCH_FRAME_BYTES} then
      flush()
      frameChannel = channel
    end
    events = events + 1
    frame[events + 1] = struct.pack('>I4c0dc0c0', bytes, string.sub(head, 1, 4), v, string.sub(head, 13), appended)
    frameBytes = frameBytes + 4 + bytes`;
  // The events of consecutive keys on one channel leave as one batch frame (core's `encodeBatch`:
  // magic, format, action 7, flags 0, then per event its length as a big-endian u32 and its bytes),
  // a lone event as itself. frame[1] is the header; entries past events + 1 are stale.
  const frames = !publish
    ? ''
    : `
local frame = { string.char(${BATCH_HEADER.join(', ')}) }
local events = 0
local frameChannel = nil
local frameBytes = 0
local function flush()
  if events == 1 then
    redis.call('PUBLISH', frameChannel, string.sub(frame[2], 5))
  elseif events > 1 then
    redis.call('PUBLISH', frameChannel, table.concat(frame, '', 1, events + 1))
  end
  events = 0
  frameBytes = 0
end`;
  return `
local n = tonumber(ARGV[1])
local packed = ARGV[${first + 1}]
local pos = 1
local clockKey = KEYS[n + 1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local clock = nil
if clockKey then clock = tonumber(redis.call('GET', clockKey)) end
local advanced = false
local out = {}${ABOVE}${put}${frames}
for i = 1, n do
  local key = KEYS[i]${unpack}
  local v = now
  if clock and clock >= v then v = clock + 1 end${store}
  if type(done) == 'table' and done.err then
    out[i] = tostring(done.err)
  else
    if clockKey then
      clock = v
      advanced = true
    end${announce}
    out[i] = v
  end
end
if advanced then redis.call('SET', clockKey, string.format('%.0f', clock)) end${publish ? '\nflush()' : ''}
return out`;
}

/**
 * Writes many values in one call (core's `Store.setMany`). KEYS[1..n] = full keys, KEYS[n + 1]
 * (optional) = clock key; ARGV[1] = n, ARGV[2] = every key's payload and TTL argument (as
 * {@link SET_SCRIPT}'s ARGV[1], ARGV[2]) packed by `packBatches`. Returns one slot
 * per key: its version (integer), or the error message (string) of a key that was not written.
 * Standalone and Sentinel: all keys must share a slot on Cluster, where the adapters send
 * {@link SET_SCRIPT} per key instead.
 */
export const SET_MANY_SCRIPT: RedisScript = script(
  'synced_cache_set_many',
  batchWrite('set', false),
  undefined,
  false,
);

/**
 * {@link SET_MANY_SCRIPT} where each written key also publishes its event (as
 * {@link SET_PUBLISH_SCRIPT}, batched into frames as `batchWrite` says): per key, packed in
 * ARGV[2], its payload, TTL, channel, event head and append flag.
 */
export const SET_MANY_PUBLISH_SCRIPT: RedisScript = script(
  'synced_cache_set_many_publish',
  batchWrite('set', true),
  undefined,
  false,
);

/**
 * Deletes many keys in one call (tombstones, as {@link DELETE_SCRIPT}). KEYS as
 * {@link SET_MANY_SCRIPT}; ARGV[1] = n, ARGV[2] = tombstone TTL, ARGV[3] = an empty packed
 * argument (no field per key). Replies as {@link SET_MANY_SCRIPT}.
 */
export const DELETE_MANY_SCRIPT: RedisScript = script(
  'synced_cache_delete_many',
  batchWrite('delete', false),
  undefined,
  false,
);

/**
 * {@link DELETE_MANY_SCRIPT} where each deleted key also publishes its event (as
 * {@link DELETE_PUBLISH_SCRIPT}): per key, packed in ARGV[3], its channel and event head.
 */
export const DELETE_MANY_PUBLISH_SCRIPT: RedisScript = script(
  'synced_cache_delete_many_publish',
  batchWrite('delete', true),
  undefined,
  false,
);

/**
 * Reads any number of keys in one call. Returns a flat array with two slots per key:
 * `[value-with-header | nil, PTTL | nil, …]` (kinds 1 and 3); tombstones, foreign strings and keys of other
 * types read as nil. All KEYS must live on one Cluster slot.
 */
export const READ_SCRIPT: RedisScript = script(
  'synced_cache_read',
  `
local out = {}
for i = 1, #KEYS do
  local value = redis.pcall('GET', KEYS[i])
  local kind = type(value) == 'string' and #value >= 9 and string.byte(value, 1)
  if kind == 1 or (kind == 3 and #value >= 17) then
    out[2 * i - 1] = value
    out[2 * i] = redis.call('PTTL', KEYS[i])
  else
    out[2 * i - 1] = false
    out[2 * i] = false
  end
end
return out`,
  undefined,
  true,
);

/**
 * One step of `clear` on one node: run it on every master. KEYS[1] (optional) = clock key;
 * ARGV[1] = SCAN cursor, ARGV[2] = MATCH pattern (see `scanPattern`), ARGV[3] = COUNT,
 * ARGV[4] = tombstone TTL in ms. Every matched key that is not already a tombstone (values, and
 * foreign keys of any type) is replaced by a tombstone holding max(now, clock + 1, its version +
 * 1). Returns `[next cursor, highest version seen or written (at least now)]` and advances the
 * clock to it.
 */
export const CLEAR_SCRIPT: RedisScript = script(
  'synced_cache_clear',
  `
local scan = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
${NOW}
local base = now
if #KEYS > 0 then
  local clock = tonumber(redis.call('GET', KEYS[1]))
  if clock and clock >= base then base = clock + 1 end
end
local high = base
for _, key in ipairs(scan[2]) do
  local head = redis.pcall('GETRANGE', key, 0, 8)
  local kind = 0
  local previous = 0
  if type(head) == 'string' and #head == 9 then
    kind = string.byte(head, 1)
    if kind >= 1 and kind <= 3 then previous = struct.unpack('>d', head, 2) end
  end
  if kind == 2 then
    if previous > high then high = previous end
  else
    local v = base
    if previous >= v then v = previous + 1 end
    redis.call('SET', key, string.char(2) .. struct.pack('>d', v), 'PX', ARGV[4])
    if v > high then high = v end
  end
end
if #KEYS > 0 then redis.call('SET', KEYS[1], string.format('%.0f', high)) end
return {scan[1], high}`,
  undefined,
  false,
);

/**
 * One step of `size` on one node (no KEYS: run it on every master). ARGV[1] = SCAN cursor,
 * ARGV[2] = MATCH pattern, ARGV[3] = COUNT. Counts live values (not tombstones, not foreign
 * keys). Returns `[next cursor, count]`.
 */
export const SIZE_SCRIPT: RedisScript = script(
  'synced_cache_size',
  `
local scan = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local count = 0
for _, key in ipairs(scan[2]) do
  local kind = redis.pcall('GETRANGE', key, 0, 0)
  if kind == string.char(1) or kind == string.char(3) then count = count + 1 end
end
return {scan[1], count}`,
  0,
  true,
);

/**
 * Core's close log (`Store.appendLog`): a hash holding the log's identity (`id`), its newest
 * number (`n`) and entries `e<number>`. KEYS[1] = log key; ARGV[1] = entry, ARGV[2] = how many
 * entries to keep, ARGV[3] = the identity if the log is new. Trims the entry that falls out. The
 * key has no expiry: at most `keep` small entries per namespace. Returns the entry's number.
 */
export const LOG_APPEND_SCRIPT: RedisScript = script(
  'synced_cache_log_append',
  `
redis.call('HSETNX', KEYS[1], 'id', ARGV[3])
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'e' .. n, ARGV[1])
local old = n - tonumber(ARGV[2])
if old > 0 then redis.call('HDEL', KEYS[1], 'e' .. old) end
return n`,
  1,
  false,
);

/**
 * Reads core's close log (`Store.readLog`). KEYS[1] = log key; ARGV[1] = after, ARGV[2] = max.
 * Returns `{}` when there is no log, else `[id, n, entries…]`: the entries numbered above
 * `after` still held, at most `max` of the newest, oldest first.
 */
export const LOG_READ_SCRIPT: RedisScript = script(
  'synced_cache_log_read',
  `
local head = redis.call('HMGET', KEYS[1], 'id', 'n')
if not head[1] then return {} end
local n = tonumber(head[2]) or 0
local from = math.max(tonumber(ARGV[1]) + 1, n - tonumber(ARGV[2]) + 1, 1)
local newest = {}
for i = n, from, -1 do
  local entry = redis.call('HGET', KEYS[1], 'e' .. i)
  if not entry then break end
  newest[#newest + 1] = entry
end
local out = {head[1], n}
for i = #newest, 1, -1 do out[#out + 1] = newest[i] end
return out`,
  1,
  true,
);

/** Every script, for adapters that register them all at once. */
export const SCRIPTS = {
  set: SET_SCRIPT,
  setPublish: SET_PUBLISH_SCRIPT,
  delete: DELETE_SCRIPT,
  deletePublish: DELETE_PUBLISH_SCRIPT,
  setMany: SET_MANY_SCRIPT,
  setManyPublish: SET_MANY_PUBLISH_SCRIPT,
  deleteMany: DELETE_MANY_SCRIPT,
  deleteManyPublish: DELETE_MANY_PUBLISH_SCRIPT,
  read: READ_SCRIPT,
  clear: CLEAR_SCRIPT,
  size: SIZE_SCRIPT,
  logAppend: LOG_APPEND_SCRIPT,
  logRead: LOG_READ_SCRIPT,
} as const;
