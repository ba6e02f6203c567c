import { createHash } from 'node:crypto';
import { InvalidConfigError, StoreError, SynchronizerError, TimeoutError } from '@synced-cache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunk,
  clockKeyOption,
  DEFAULT_CLOCK_KEY,
  decodeValue,
  encodeValue,
  escapeGlob,
  groupBySlot,
  HEADER_BYTES,
  HEADER_WITH_EXPIRY_BYTES,
  healthCheckInterval,
  KIND_TOMBSTONE,
  KIND_VALUE,
  KIND_VALUE_WITH_EXPIRY,
  keySlot,
  PACKED_BATCH_BYTES,
  packBatches,
  parseReadReply,
  parseScanStep,
  parseTime,
  parseValueReply,
  parseVersion,
  positiveInteger,
  ReadCoalescer,
  SCRIPTS,
  ServerClock,
  scanPattern,
  toStoreError,
  toSynchronizerError,
  ttlArgument,
} from '../src/index.js';

/** A reference implementation of Redis' stringmatchlen for the subset we need (*, ?, [..], \\). */
function redisGlobMatches(pattern: string, text: string): boolean {
  const match = (p: number, t: number): boolean => {
    while (p < pattern.length) {
      const c = pattern[p]!;
      if (c === '*') {
        for (let k = t; k <= text.length; k++) if (match(p + 1, k)) return true;
        return false;
      }
      if (t >= text.length) return false;
      if (c === '?') {
        p++;
        t++;
        continue;
      }
      if (c === '\\' && p + 1 < pattern.length) {
        if (pattern[p + 1] !== text[t]) return false;
        p += 2;
        t++;
        continue;
      }
      if (c === '[') return false; // escapeGlob never leaves an unescaped class
      if (c !== text[t]) return false;
      p++;
      t++;
    }
    return t === text.length;
  };
  return match(0, 0);
}

describe('escapeGlob / scanPattern', () => {
  it('backslash-escapes every glob character', () => {
    expect(escapeGlob('a*b?c[d]e\\f^g-h')).toBe('a\\*b\\?c\\[d\\]e\\\\f\\^g\\-h');
    expect(scanPattern('ns:')).toBe('ns:*');
    expect(scanPattern('n*s:')).toBe('n\\*s:*');
  });

  it('a prefix pattern matches exactly the keys that start with the prefix', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '[', ']', '\\', '^', '-', ':', '{', '}', ' ', 'é');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 6 }),
        fc.string({ unit: alphabet, maxLength: 8 }),
        (prefix, key) => {
          expect(redisGlobMatches(scanPattern(prefix), key)).toBe(key.startsWith(prefix));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('keySlot', () => {
  it('computes the slots Redis computes', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  });

  it('groups key indexes by slot in order', () => {
    const keys = ['{a}1', 'x', '{a}2', 'y', '{a}3'];
    const groups = groupBySlot(keys);
    expect(groups.get(keySlot('a'))).toEqual([0, 2, 4]);
    const all = [...groups.values()].flat().sort();
    expect(all).toEqual([0, 1, 2, 3, 4]);
  });

  it('chunks', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });
});

describe('stored value layout', () => {
  it('round-trips version and payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ maxLength: 64 }),
        (version, payload) => {
          const stored = encodeValue(KIND_VALUE, version, payload);
          expect(stored.length).toBe(HEADER_BYTES + payload.length);
          const decoded = decodeValue(Buffer.from(stored));
          expect(decoded?.version).toBe(version);
          expect(Buffer.from(decoded!.payload).equals(Buffer.from(payload))).toBe(true);
        },
      ),
    );
  });

  it('reads tombstones, foreign and malformed values as absent', () => {
    expect(decodeValue(encodeValue(KIND_TOMBSTONE, 5))).toBeUndefined();
    expect(decodeValue(Buffer.from('hello world'))).toBeUndefined();
    expect(decodeValue(Buffer.from([1, 2, 3]))).toBeUndefined();
    expect(decodeValue(null)).toBeUndefined();
    const nan = encodeValue(KIND_VALUE, 1);
    new DataView(nan.buffer).setFloat64(1, Number.NaN);
    expect(decodeValue(nan)).toBeUndefined();
    expect(decodeValue(encodeValue(KIND_VALUE, 1.5))).toBeUndefined();
    expect(decodeValue(encodeValue(KIND_VALUE, -3))).toBeUndefined();
  });

  it('the header the Lua scripts write (string.char(1) .. struct.pack(">d", v)) is what decodeValue reads', () => {
    const version = 1_764_000_000_123_456;
    const header = Buffer.alloc(9);
    header[0] = 1;
    header.writeDoubleBE(version, 1);
    expect(decodeValue(Buffer.concat([header, Buffer.from('x')]))?.version).toBe(version);
  });
});

describe('reply parsing', () => {
  it('parses read replies with and without TTL', () => {
    const a = Buffer.from(encodeValue(KIND_VALUE, 10, Buffer.from('A')));
    const reply = [a, 1500, null, null, a, -1];
    expect(parseReadReply(reply, 0)).toEqual({ payload: Buffer.from('A'), version: 10, ttlMs: 1500 });
    expect(parseReadReply(reply, 1)).toBeUndefined();
    expect(parseReadReply(reply, 2)?.ttlMs).toBeUndefined();
    expect(() => parseReadReply('nope', 0)).toThrow(StoreError);
  });

  it('a PTTL of 0 (under a millisecond left) still reads as expiring, never as "no TTL"', () => {
    const a = Buffer.from(encodeValue(KIND_VALUE, 10, Buffer.from('A')));
    expect(parseReadReply([a, 0], 0)?.ttlMs).toBe(1);
  });

  it('parses versions and rejects anything but positive safe integers', () => {
    expect(parseVersion(1_764_000_000_000_000, 'set')).toBe(1_764_000_000_000_000);
    expect(parseVersion('42', 'set')).toBe(42);
    expect(parseVersion(42n, 'set')).toBe(42);
    expect(() => parseVersion(0, 'set', 'k')).toThrow(StoreError);
    expect(() => parseVersion('x', 'set')).toThrow(StoreError);
    expect(() => parseVersion(2 ** 60, 'set')).toThrow(StoreError);
  });

  it('parses scan steps and TIME', () => {
    expect(parseScanStep(['17', 5], 'size')).toEqual({ cursor: '17', value: 5 });
    expect(parseScanStep([Buffer.from('0'), 3], 'clear')).toEqual({ cursor: '0', value: 3 });
    expect(() => parseScanStep(['x', 1], 'size')).toThrow(StoreError);
    expect(() => parseScanStep([1], 'size')).toThrow(StoreError);
    expect(parseTime(['1764000000', '123456'])).toBe(1_764_000_000_123_456);
  });
});

describe('options', () => {
  it('ttlArgument handles none, fractions, huge values and rejects invalid ones', () => {
    expect(ttlArgument(undefined)).toBe('0');
    expect(ttlArgument(0)).toBe('0');
    expect(ttlArgument(0.2)).toBe('1');
    expect(ttlArgument(2 ** 40)).toBe(String(2 ** 40));
    expect(() => ttlArgument(-1)).toThrow(InvalidConfigError);
    expect(() => ttlArgument(Number.NaN)).toThrow(InvalidConfigError);
    expect(() => ttlArgument(Number.POSITIVE_INFINITY)).toThrow(InvalidConfigError);
  });

  it('positiveInteger names the option', () => {
    expect(positiveInteger('scanCount', undefined, 10)).toBe(10);
    expect(positiveInteger('scanCount', 5, 10)).toBe(5);
    expect(() => positiveInteger('scanCount', 0, 10)).toThrow(/scanCount/);
    expect(() => positiveInteger('scanCount', '5', 10)).toThrow(InvalidConfigError);
  });

  it('healthCheckInterval defaults to 1000, takes 0 for off and names the option otherwise', () => {
    expect(healthCheckInterval(undefined)).toBe(1000);
    expect(healthCheckInterval(0)).toBe(0);
    expect(healthCheckInterval(250)).toBe(250);
    for (const bad of [-1, 1.5, '100', Number.NaN, null]) {
      expect(() => healthCheckInterval(bad)).toThrow(/healthCheckIntervalMs/);
    }
  });
});

describe('error mapping', () => {
  it('wraps client errors with cause and context', () => {
    const cause = new Error('ECONNREFUSED');
    const error = toStoreError(cause, { action: 'get', key: 'k' });
    expect(StoreError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.key).toBe('k');
    expect(error.action).toBe('get');
    expect(SynchronizerError.isInstance(toSynchronizerError(cause, { action: 'publish' }))).toBe(true);
  });

  it('maps client timeouts to TimeoutError and passes family errors through', () => {
    const timeout = toStoreError(new Error('Command timed out'), { action: 'set', timeoutMs: 500 });
    expect(TimeoutError.isInstance(timeout)).toBe(true);
    expect((timeout as TimeoutError).timeoutMs).toBe(500);
    const already = new StoreError('x');
    expect(toStoreError(already, { action: 'get' })).toBe(already);
  });

  it("maps node-redis' TimeoutError (Error's name, no message) to TimeoutError and names empty causes by class", () => {
    class TimeoutLike extends Error {}
    Object.defineProperty(TimeoutLike, 'name', { value: 'TimeoutError' });
    const timeout = toStoreError(new TimeoutLike(), { action: 'set', timeoutMs: 300 });
    expect(TimeoutError.isInstance(timeout)).toBe(true);
    class SocketClosedUnexpectedlyError extends Error {}
    const closed = toStoreError(new SocketClosedUnexpectedlyError(), { action: 'get' });
    expect(closed.message).toBe('redis get failed: SocketClosedUnexpectedlyError');
  });
});

describe('packBatches', () => {
  /** Takes a packed argument apart as the batch scripts do: a big-endian u32 length, then the bytes. */
  function unpack(packed: Buffer): Buffer[] {
    const fields: Buffer[] = [];
    for (let offset = 0; offset < packed.length; ) {
      const length = packed.readUInt32BE(offset);
      fields.push(packed.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    return fields;
  }
  const bytesOf = (field: string | Uint8Array) =>
    typeof field === 'string' ? Buffer.from(field) : Buffer.from(field);
  /** A call's packed argument: the last of its ARGV. */
  const packedOf = ({ args }: { args: readonly unknown[] }) => args[args.length - 1] as Buffer;

  it("ARGV is the count, the shared arguments, then every key's fields packed in order, one call per WRITE_BATCH_SIZE keys", () => {
    const perKey = (index: number) => [`channel:é${index}`, Buffer.from([index & 255, 0, 255])];
    const batches = packBatches(300, ['60000'], perKey);
    expect(batches.map(({ start, end }) => [start, end])).toEqual([
      [0, 128],
      [128, 256],
      [256, 300],
    ]);
    for (const batch of batches) {
      const { start, end, args } = batch;
      expect(args).toHaveLength(3);
      expect(args.slice(0, 2)).toEqual([String(end - start), '60000']);
      const expected = Array.from({ length: end - start }, (_, i) => perKey(start + i).map(bytesOf)).flat();
      expect(unpack(packedOf(batch))).toEqual(expected);
    }
  });

  it('keeps empty fields, multi-byte text and bytes exactly, and splits by keys and bytes (property)', () => {
    const field = fc.oneof(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 400 }),
        (keys, maxKeys, maxBytes) => {
          const batches = packBatches(keys.length, [], (index) => keys[index]!, maxKeys, maxBytes);
          let next = 0;
          for (const batch of batches) {
            const { start, end, args } = batch;
            const packed = packedOf(batch);
            expect(args).toEqual([String(end - start), packed]);
            expect(start).toBe(next);
            expect(end).toBeGreaterThan(start);
            expect(end - start).toBeLessThanOrEqual(maxKeys);
            // Over the byte bound only when one key alone is.
            if (packed.length > maxBytes) expect(end - start).toBe(1);
            expect(unpack(packed)).toEqual(keys.slice(start, end).flat().map(bytesOf));
            next = end;
          }
          expect(next).toBe(keys.length);
        },
      ),
    );
  });

  it('a batch with no field per key packs nothing, and no keys make no call', () => {
    expect(packBatches(2, ['1000'], () => [])).toEqual([
      { start: 0, end: 2, args: ['2', '1000', Buffer.alloc(0)] },
    ]);
    expect(packBatches(0, [], () => ['x'])).toEqual([]);
  });

  it('by default a call carries at most PACKED_BATCH_BYTES of fields unless one key alone is more', () => {
    const big = Buffer.alloc(PACKED_BATCH_BYTES / 4);
    const batches = packBatches(9, [], (index) =>
      index === 4 ? [Buffer.alloc(PACKED_BATCH_BYTES + 1)] : [big],
    );
    expect(batches.map(({ start, end }) => [start, end])).toEqual([
      [0, 3],
      [3, 4],
      [4, 5],
      [5, 8],
      [8, 9],
    ]);
  });
});

describe('scripts', () => {
  it('carry the SHA1 of their source and distinct names', () => {
    const names = new Set<string>();
    for (const script of Object.values(SCRIPTS)) {
      expect(script.sha1).toBe(createHash('sha1').update(script.lua).digest('hex'));
      names.add(script.name);
    }
    expect(names.size).toBe(Object.keys(SCRIPTS).length);
  });
});

describe('clock key', () => {
  it('defaults, can be disabled, and must not contain a colon', () => {
    expect(clockKeyOption(undefined)).toBe(DEFAULT_CLOCK_KEY);
    expect(DEFAULT_CLOCK_KEY).not.toContain(':');
    expect(clockKeyOption(false)).toBeUndefined();
    expect(clockKeyOption('my.clock')).toBe('my.clock');
    expect(() => clockKeyOption('ns:clock')).toThrow(InvalidConfigError);
    expect(() => clockKeyOption('')).toThrow(/clockKey/);
  });
});

describe('values with expiry (kind 3) and the server clock', () => {
  it('decodes the expiry from the header', () => {
    const stored = encodeValue(KIND_VALUE_WITH_EXPIRY, 42, Buffer.from('p'), 1_764_000_000_500);
    expect(stored.length).toBe(HEADER_WITH_EXPIRY_BYTES + 1);
    expect(decodeValue(Buffer.from(stored))).toEqual({
      version: 42,
      payload: Buffer.from('p'),
      expiresAtMs: 1_764_000_000_500,
    });
    expect(decodeValue(stored.subarray(0, 12))).toBeUndefined();
  });

  it('turns the expiry into a remaining TTL that errs short, never long', () => {
    let local = 1000;
    const clock = new ServerClock(10_000, () => local);
    expect(clock.fresh).toBe(false);
    const sentAt = clock.start();
    local = 1004; // 4 ms round trip; the server read 5000.000 s somewhere in between
    clock.record(sentAt, ['5000', '0']);
    expect(clock.fresh).toBe(true);
    // server now is at most 5_000_000 + 4 ms (if it read its clock at sentAt)
    expect(clock.latestServerNowMs()).toBe(5_000_004);
    const entry = parseValueReply(
      encodeValue(KIND_VALUE_WITH_EXPIRY, 7, Buffer.from('x'), 5_000_104),
      clock.latestServerNowMs(),
    );
    expect(entry?.ttlMs).toBe(100);
    const expired = parseValueReply(
      encodeValue(KIND_VALUE_WITH_EXPIRY, 7, Buffer.from('x'), 4_000_000),
      clock.latestServerNowMs(),
    );
    expect(expired?.ttlMs).toBe(1);
    expect(
      parseValueReply(encodeValue(KIND_VALUE, 7, Buffer.from('x')), clock.latestServerNowMs())?.ttlMs,
    ).toBeUndefined();
    local = 12_000;
    expect(clock.fresh).toBe(false);
    clock.reset();
    expect(clock.fresh).toBe(false);
  });
});

describe('ReadCoalescer', () => {
  /** A coalescer over fake commands that answer `value:<key>`, recording what was sent. */
  function recorded(maxKeys: number, mget?: (keys: string[]) => Promise<unknown>) {
    const sent: string[][] = [];
    const coalescer = new ReadCoalescer<string>(
      async (key) => {
        sent.push(['GET', key]);
        return key.startsWith('absent') ? null : `value:${key}`;
      },
      mget ??
        (async (keys) => {
          sent.push(['MGET', ...keys]);
          return keys.map((key) => (key.startsWith('absent') ? null : `value:${key}`));
        }),
      maxKeys,
    );
    return { coalescer, sent };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it("sends a tick's first read at once and the rest as MGETs of at most maxKeys at the tick's end, in order", async () => {
    const { coalescer, sent } = recorded(3);
    const keys = ['k0', 'k1', 'absent2', 'k3', 'k4', 'k5'];
    const replies = Promise.all(keys.map((key) => coalescer.get(key)));
    // The first read and the first full MGET went out during the calls; the rest waits.
    expect(sent).toEqual([
      ['GET', 'k0'],
      ['MGET', 'k1', 'absent2', 'k3'],
    ]);
    expect(await replies).toEqual(['value:k0', 'value:k1', null, 'value:k3', 'value:k4', 'value:k5']);
    expect(sent.at(-1)).toEqual(['MGET', 'k4', 'k5']);
    // A lone read in a later tick goes out alone again; so does a lone queued one.
    await tick();
    sent.length = 0;
    expect(await coalescer.get('k6')).toBe('value:k6');
    await tick();
    expect(await Promise.all([coalescer.get('k7'), coalescer.get('k8')])).toEqual(['value:k7', 'value:k8']);
    expect(sent).toEqual([
      ['GET', 'k6'],
      ['GET', 'k7'],
      ['GET', 'k8'],
    ]);
  });

  it('fails every read of an MGET that fails, throws, or answers with the wrong shape; the next tick is unaffected', async () => {
    const failure = new Error('connection lost');
    for (const mget of [
      () => Promise.reject(failure),
      () => {
        throw failure;
      },
      () => Promise.resolve(['only one']),
      () => Promise.resolve('not an array'),
    ]) {
      const { coalescer } = recorded(10, mget as (keys: string[]) => Promise<unknown>);
      const settled = await Promise.allSettled(['k0', 'k1', 'k2'].map((key) => coalescer.get(key)));
      expect(settled[0]).toEqual({ status: 'fulfilled', value: 'value:k0' });
      for (const outcome of settled.slice(1)) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as Error;
        if (reason !== failure) expect(reason.message).toMatch(/unexpected MGET reply for 2 keys/);
      }
      await tick();
      expect(await coalescer.get('k9')).toBe('value:k9');
    }
  });
});
