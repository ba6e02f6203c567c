import { describe, expect, it } from 'vitest';
import {
  depthFailure,
  keySegment,
  LimitExceededError,
  limitFailure,
  mapValueSegment,
  rethrowWithSegment,
  SerializationError,
  toSerializationError,
  WalkFailure,
} from '../src/index.js';

/** Throws `error` from inside nested frames, each adding its segment on the way out. */
function unwind(error: unknown, frames: Array<[string, object]>): unknown {
  try {
    let thrower = (): never => {
      throw error;
    };
    for (const [segment, container] of frames) {
      const inner = thrower;
      thrower = () => {
        try {
          return inner();
        } catch (caught) {
          return rethrowWithSegment(caught, segment, container);
        }
      };
    }
    thrower();
  } catch (caught) {
    return caught;
  }
  throw new Error('did not throw');
}

describe('walk failures', () => {
  it('builds paths from segments, innermost first', () => {
    const failure = unwind(new WalkFailure('bad function'), [
      ['[3]', []],
      ['.tags', {}],
      [keySegment('odd key'), {}],
    ]);
    const error = toSerializationError(failure, 'encode', 'JSON');
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.path).toBe('$["odd key"].tags[3]');
    expect(error.message).toMatch(/bad function at \$\["odd key"\]\.tags\[3\]/);
  });

  it('names keys and map entries readably', () => {
    expect(keySegment('name')).toBe('.name');
    expect(keySegment('a-b')).toBe('["a-b"]');
    expect(mapValueSegment('k', 0)).toBe('.get("k")');
    expect(mapValueSegment(2, 0)).toBe('.get(2)');
    expect(mapValueSegment(true, 0)).toBe('.get(true)');
    expect(mapValueSegment(3n, 0)).toBe('.get(3n)');
    expect(mapValueSegment(null, 0)).toBe('.get(null)');
    expect(mapValueSegment({}, 4)).toBe('.values()[4]');
  });

  it('reports a depth failure through a repeated container as a cycle on encode', () => {
    const a = {};
    const b = {};
    const failure = depthFailure(2, a);
    const error = toSerializationError(
      unwind(failure, [
        ['.b', b],
        ['.a', a],
      ]),
      'encode',
      'msgpack',
    );
    expect(error.message).toMatch(/cyclic reference at \$\.a\.b \(back to \$\)/);
  });

  it('reports limits with a LimitExceededError cause, and wraps foreign errors', () => {
    const limit = toSerializationError(limitFailure('maxBytes', 10, 20), 'decode', 'JSON');
    expect(LimitExceededError.isInstance(limit.cause)).toBe(true);
    expect(limit.path).toBe('$');
    const foreign = toSerializationError(new RangeError('stack'), 'decode', 'JSON');
    expect(foreign.message).toBe('cannot decode JSON: stack');
    const wrapped = toSerializationError(unwind(new TypeError('boom'), [['.x', {}]]), 'decode', 'JSON');
    expect(wrapped.path).toBe('$.x');
    const already = new SerializationError('as is');
    expect(toSerializationError(already, 'encode', 'JSON')).toBe(already);
    expect(toSerializationError('text', 'encode', 'JSON').message).toMatch(/text/);
  });
});
