import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  EVENT_FORMAT_VERSION,
  EventDecodeError,
  encodeBatch,
  encodeEvent,
  isBatchFrame,
  splitBatch,
  type WireEvent,
} from '../src/index.js';

const actions = ['set', 'invalidate', 'delete', 'clear', 'heartbeat'] as const;

const eventArbitrary: fc.Arbitrary<WireEvent> = fc
  .record({
    action: fc.constantFrom(...actions),
    key: fc.string({ unit: 'grapheme', maxLength: 200 }),
    podId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    epoch: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    version: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    ttlMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    value: fc.uint8Array({ maxLength: 300 }),
  })
  .map((e) => ({ ...e, value: e.action === 'set' ? e.value : undefined }));

const sample: WireEvent = {
  action: 'set',
  key: 'user:1',
  podId: 'pod-a',
  epoch: 42,
  seq: 7,
  version: 1_700_000_000_000_123,
  ttlMs: 2 ** 40,
  value: new Uint8Array([1, 2, 3]),
};

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(EventDecodeError);
    return (error as EventDecodeError).reason;
  }
}

describe('event codec', () => {
  it('round-trips any event exactly', () => {
    fc.assert(
      fc.property(eventArbitrary, (event) => {
        const decoded = decodeEvent(encodeEvent(event));
        expect({ ...decoded, value: decoded.value && Array.from(decoded.value) }).toEqual({
          ...event,
          value: event.value && Array.from(event.value),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('puts the version at byte offset 4 as a big-endian float64', () => {
    const bytes = encodeEvent(sample);
    expect(bytes[0]).toBe(0xca);
    expect(bytes[1]).toBe(EVENT_FORMAT_VERSION);
    expect(Buffer.from(bytes).readDoubleBE(4)).toBe(sample.version);
  });

  it('signs with a secret and rejects unsigned, tampered or wrongly keyed messages', () => {
    const secret = Buffer.from('s3cret');
    const signed = encodeEvent(sample, { secret });
    expect(decodeEvent(signed, { secret }).key).toBe('user:1');
    expect(reason(() => decodeEvent(encodeEvent(sample), { secret }))).toBe('unsigned');
    expect(reason(() => decodeEvent(signed, { secret: Buffer.from('other') }))).toBe('signature');
    const tampered = Buffer.from(signed);
    tampered[tampered.length - 40]! ^= 1;
    expect(reason(() => decodeEvent(tampered, { secret }))).toBe('signature');
  });

  it('rejects non-bytes, empty and truncated input at every length', () => {
    for (const input of [null, undefined, 'text', 42, {}, [], new Uint8Array(0)]) {
      expect(reason(() => decodeEvent(input))).toBeDefined();
    }
    const bytes = encodeEvent(sample);
    for (let n = 0; n < bytes.length; n++) {
      expect(
        reason(() => decodeEvent(bytes.subarray(0, n))),
        `prefix ${n}`,
      ).toBeDefined();
    }
  });

  it('rejects trailing bytes, foreign versions, unknown actions and flags', () => {
    const bytes = Buffer.from(encodeEvent(sample));
    expect(reason(() => decodeEvent(Buffer.concat([bytes, Buffer.from([0])])))).toBe('trailing');
    const foreign = Buffer.from(bytes);
    foreign[1] = 2;
    expect(reason(() => decodeEvent(foreign))).toBe('version');
    const magic = Buffer.from(bytes);
    magic[0] = 0x7b;
    expect(reason(() => decodeEvent(magic))).toBe('magic');
    const action = Buffer.from(bytes);
    action[2] = 9;
    expect(reason(() => decodeEvent(action))).toBe('action');
    const flags = Buffer.from(bytes);
    flags[3]! |= 0x80;
    expect(reason(() => decodeEvent(flags))).toBe('flags');
  });

  it('decodes the same from a Buffer, a plain Uint8Array and a view at an offset', () => {
    fc.assert(
      fc.property(eventArbitrary, fc.nat({ max: 40 }), (event, pad) => {
        const encoded = encodeEvent(event);
        const plain = new Uint8Array(encoded);
        const framed = new Uint8Array(pad + encoded.length + 3);
        framed.set(encoded, pad);
        const expected = decodeEvent(encoded);
        for (const input of [plain, framed.subarray(pad, pad + encoded.length)]) {
          const decoded = decodeEvent(input);
          expect({ ...decoded, value: decoded.value && Array.from(decoded.value) }).toEqual({
            ...expected,
            value: expected.value && Array.from(expected.value),
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('podIds that look alike (same length, same first and last bytes) decode to their own text', () => {
    // The decoder remembers recent podIds by a hash of a few bytes: look-alikes share a slot.
    const podIds = ['pod-a-1', 'pod-b-1', 'pod-é1', 'pod-a-1', 'pod-c-1', 'pod-b-1'];
    for (const podId of podIds) expect(decodeEvent(encodeEvent({ ...sample, podId })).podId).toBe(podId);
    const bytes = Buffer.from(encodeEvent({ ...sample, podId: 'pod-a-1' }));
    bytes[37 + 4] = 0xff; // the same length and ends, invalid UTF-8 in the middle
    expect(reason(() => decodeEvent(bytes))).toBe('utf8');
  });

  it('rejects invalid UTF-8, non-integer numbers and oversized fields', () => {
    const bytes = Buffer.from(encodeEvent({ ...sample, key: 'ab' }));
    const keyStart = bytes.length - 4 - 3 - 2;
    const badUtf8 = Buffer.from(bytes);
    badUtf8[keyStart] = 0xff;
    expect(reason(() => decodeEvent(badUtf8))).toBe('utf8');
    const nan = Buffer.from(bytes);
    nan.writeDoubleBE(Number.NaN, 4);
    expect(reason(() => decodeEvent(nan))).toBe('field');
    const negative = Buffer.from(bytes);
    negative.writeDoubleBE(-1, 12);
    expect(reason(() => decodeEvent(negative))).toBe('field');
    expect(
      reason(() => decodeEvent(encodeEvent({ ...sample, key: 'x'.repeat(100) }), { maxKeyBytes: 10 })),
    ).toBe('limit');
    expect(reason(() => decodeEvent(encodeEvent(sample), { maxValueBytes: 2 }))).toBe('limit');
    expect(reason(() => encodeEvent({ ...sample, key: 'x'.repeat(100) }, { maxKeyBytes: 10 }))).toBe('limit');
    expect(reason(() => encodeEvent({ ...sample, podId: '' }))).toBe('field');
    expect(reason(() => encodeEvent({ ...sample, seq: 1.5 }))).toBe('field');
  });

  it('rejects a value on a non-set action and a set without a value', () => {
    const noValue = Buffer.from(encodeEvent({ ...sample, value: undefined }));
    expect(reason(() => decodeEvent(noValue))).toBe('field');
    const deleteWithValue = Buffer.from(encodeEvent({ ...sample, action: 'delete' }));
    expect(reason(() => decodeEvent(deleteWithValue))).toBe('field');
  });

  it('never throws anything but EventDecodeError on random or mutated input, and never pollutes prototypes', () => {
    const base = encodeEvent({ ...sample, key: '__proto__' });
    expect(decodeEvent(base).key).toBe('__proto__');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc
            .array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.nat({ max: 255 })), {
              minLength: 1,
              maxLength: 6,
            })
            .map((edits) => {
              const copy = Buffer.from(base);
              for (const [at, byte] of edits) copy[at] = byte;
              return copy;
            }),
        ),
        (bytes) => {
          try {
            const event = decodeEvent(bytes);
            expect(typeof event.key).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(EventDecodeError);
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe('batch frames', () => {
  it('carry any envelopes in order and split back into exactly those bytes', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { minLength: 1, maxLength: 20 }), (events) => {
        const envelopes = events.map((event) => encodeEvent(event));
        const frame = encodeBatch(envelopes);
        expect(isBatchFrame(frame)).toBe(true);
        const parts = splitBatch(frame);
        expect(parts.map((part) => Buffer.from(part))).toEqual(envelopes.map((e) => Buffer.from(e)));
        expect(parts.map((part) => decodeEvent(part))).toEqual(envelopes.map((e) => decodeEvent(e)));
      }),
      { numRuns: 200 },
    );
    // an envelope is never taken for a frame
    for (const action of actions)
      expect(isBatchFrame(encodeEvent({ ...sample, action, value: undefined }))).toBe(false);
  });

  it('rejects truncated, empty, foreign and oversized frames, and a nested frame is an unknown action inside', () => {
    const envelope = encodeEvent(sample);
    const frame = Buffer.from(encodeBatch([envelope, envelope]));
    expect(reason(() => splitBatch(frame.subarray(0, 4)))).toBe('truncated');
    expect(reason(() => splitBatch(frame.subarray(0, frame.length - 1)))).toBe('truncated');
    expect(reason(() => splitBatch(frame.subarray(0, 4 + 4 + envelope.length + 2)))).toBe('truncated');
    const empty = Buffer.from(encodeBatch([envelope]));
    empty.writeUInt32BE(0, 4);
    expect(reason(() => splitBatch(empty.subarray(0, 8)))).toBe('field');
    const foreign = Buffer.from(frame);
    foreign[1] = EVENT_FORMAT_VERSION + 1;
    expect(reason(() => splitBatch(foreign))).toBe('version');
    const flagged = Buffer.from(frame);
    flagged[3] = 1;
    expect(reason(() => splitBatch(flagged))).toBe('flags');
    const overlong = Buffer.from(frame);
    overlong.writeUInt32BE(2 ** 31, 4);
    expect(reason(() => splitBatch(overlong))).toBe('truncated');
    const nested = encodeBatch([encodeBatch([envelope])]);
    const [inner] = splitBatch(nested);
    expect(reason(() => decodeEvent(inner))).toBe('action');
  });

  it('never throws anything but EventDecodeError on mutated frames', () => {
    const base = encodeBatch([encodeEvent(sample), encodeEvent({ ...sample, key: 'other', seq: 8 })]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.nat({ max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (edits) => {
          const copy = Buffer.from(base);
          for (const [at, byte] of edits) copy[at] = byte;
          try {
            for (const part of splitBatch(copy)) {
              try {
                decodeEvent(part);
              } catch (error) {
                expect(error).toBeInstanceOf(EventDecodeError);
              }
            }
          } catch (error) {
            expect(error).toBeInstanceOf(EventDecodeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
