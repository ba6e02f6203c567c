import { describe, expect, it, vi } from 'vitest';
import {
  consoleLogger,
  createCache,
  InvalidConfigError,
  loadMarshaller,
  noopLogger,
  SieveCache,
} from '../src/index.js';

describe('loggers', () => {
  it('consoleLogger writes each level to the matching console method with a prefix', () => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      const spy = vi.spyOn(console, level).mockImplementation(() => {});
      consoleLogger[level]('hello', { key: 'k' });
      expect(spy).toHaveBeenCalledWith('[synced-cache] hello', { key: 'k' });
      spy.mockRestore();
    }
  });

  it('noopLogger swallows everything', () => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const)
      expect(noopLogger[level]('x')).toBeUndefined();
  });
});

describe('serializationFormat', () => {
  it("resolves 'json' and 'msgpack' to their packages' marshallers", async () => {
    for (const format of ['json', 'msgpack'] as const) {
      const marshaller = await loadMarshaller(format);
      const value = { at: new Date(0), n: 1 };
      expect(marshaller.decode(marshaller.encode(value))).toEqual(value);
      const cache = await createCache({ serializationFormat: format });
      await cache.set('k', value);
      expect(await cache.get('k')).toEqual(value);
      await cache.close();
    }
  });

  it('an unknown format is an InvalidConfigError', async () => {
    await expect(loadMarshaller('yaml' as 'json')).rejects.toSatisfy(InvalidConfigError.isInstance);
  });
});

describe('SieveCache', () => {
  it('evicts unvisited entries first and counts evictions', () => {
    const cache = new SieveCache<number>({ maxSize: 3 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a');
    cache.set('d', 4);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.metrics()).toMatchObject({ evictions: 1, size: 3, sets: 4 });
  });

  it('bounds total cost and rejects entries costlier than maxCost', () => {
    const cache = new SieveCache<number>({ maxSize: 100, maxCost: 10 });
    expect(cache.set('big', 1, { cost: 11 })).toBe(false);
    cache.set('a', 1, { cost: 6 });
    cache.set('b', 2, { cost: 6 });
    expect(cache.metrics().cost).toBeLessThanOrEqual(10);
    expect(cache.metrics().rejections).toBe(1);
  });

  it('validates its options', () => {
    expect(() => new SieveCache({ maxSize: 0 })).toThrow(/maxSize/);
    expect(() => new SieveCache({ maxCost: -1 })).toThrow(/maxCost/);
  });
});

describe('jsonMarshaller', () => {
  it('rejects functions and symbols anywhere instead of silently dropping them', async () => {
    const { jsonMarshaller, SerializationError } = await import('../src/index.js');
    for (const bad of [{ fn: () => 1 }, [Symbol('s')], { deep: { f() {} } }, 1n, undefined]) {
      expect(() => jsonMarshaller.encode(bad)).toThrow(SerializationError);
    }
    expect(jsonMarshaller.decode(jsonMarshaller.encode({ a: [1, 'x', null] }))).toEqual({
      a: [1, 'x', null],
    });
  });
});
