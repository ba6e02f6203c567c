import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  consoleLogger,
  createCache,
  InvalidConfigError,
  jsonMarshaller,
  MemoryStore,
  noopLogger,
  SieveCache,
  SyncedCache,
} from '../src/index.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

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
  it("'json' is core's built-in JSON marshaller, the Go library's default", async () => {
    const store = new MemoryStore();
    const cache = await createCache({ store, serializationFormat: 'json', heartbeatMs: 0 });
    const value = { at: '1970-01-01T00:00:00.000Z', n: 1 };
    await cache.set('k', value);
    expect((await store.get('default:k'))?.payload).toEqual(jsonMarshaller.encode(value));
    expect(await cache.get('k')).toEqual(value);
    await cache.close();
  });

  it("'msgpack' without a marshaller is an InvalidConfigError naming the package and its factory", async () => {
    const attempt = createCache({ serializationFormat: 'msgpack' });
    await expect(attempt).rejects.toSatisfy(InvalidConfigError.isInstance);
    await expect(attempt).rejects.toMatchObject({
      option: 'serializationFormat',
      value: 'msgpack',
      message: expect.stringMatching(/@synced-cache\/msgpack.*createMsgpackMarshaller\(\)/),
    });
  });

  it('a given marshaller is used whatever the format says', async () => {
    const store = new MemoryStore();
    const marshaller = {
      encode: (value: string) => Buffer.from(`m:${value}`),
      decode: (bytes: Uint8Array) => Buffer.from(bytes).toString().slice(2),
    };
    const cache = await createCache<string>({
      store,
      marshaller,
      serializationFormat: 'msgpack',
      heartbeatMs: 0,
    });
    await cache.set('k', 'v');
    expect(Buffer.from((await store.get('default:k'))!.payload).toString()).toBe('m:v');
    await cache.close();
  });

  it('an unknown format is an InvalidConfigError', () => {
    expect(() => new SyncedCache({ serializationFormat: 'yaml' as 'json' })).toThrow(
      expect.objectContaining({ option: 'serializationFormat', value: 'yaml' }),
    );
  });
});

describe('core knows none of its adapters', () => {
  it('its manifest names no other @synced-cache package (the format packages depend on core)', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
      expect(Object.keys((manifest[field] as object | undefined) ?? {}), field).not.toContainEqual(
        expect.stringMatching(/^@synced-cache\//),
      );
    }
  });

  it('no source file holds a module specifier of another @synced-cache package (static or computed import)', () => {
    const sources = readdirSync(join(packageRoot, 'src')).filter((name) => name.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(10);
    for (const name of sources) {
      const code = readFileSync(join(packageRoot, 'src', name), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(code, name).not.toMatch(/['"`]@synced-cache\//);
    }
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

  it('has() tells whether a key holds an unexpired entry without counting it or marking it visited', async () => {
    const cache = new SieveCache<number>({ maxSize: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('z')).toBe(false);
    cache.set('c', 3); // 'a' was not marked visited by has(): it is the victim
    expect(cache.has('a')).toBe(false);
    expect(cache.metrics()).toMatchObject({ hits: 0, misses: 0 });
    cache.set('t', 4, { ttlMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cache.has('t')).toBe(false);
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
