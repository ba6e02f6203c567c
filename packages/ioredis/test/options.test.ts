import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIoredisCache, createIoredisStore, createIoredisSynchronizer } from '../src/index.js';

// No server: every check here must happen before a connection is made, which the spy on
// ioredis' connect() proves (ioredis connects from its constructor).
const url = 'redis://127.0.0.1:1';
const connect = vi.spyOn(Redis.prototype, 'connect');
afterEach(() => connect.mockClear());

function rejects(make: () => unknown, option: string, value: unknown): void {
  expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', option, value }));
  expect(connect).not.toHaveBeenCalled();
}

describe('unknown options are rejected before connecting', () => {
  it('createIoredisStore names the unknown option and the known ones', () => {
    rejects(() => createIoredisStore(url, { tombstoneTtl: 5 } as never), 'tombstoneTtl', 5);
    expect(() => createIoredisStore(url, { tombstoneTtl: 5 } as never)).toThrow(
      /tombstoneTtl: 5 .*known: commandTimeoutMs, tombstoneTtlMs, scanCount, clockKey, healthCheckIntervalMs/,
    );
  });

  it('createIoredisStore({ url }) (node-redis shape) names the URL form instead of connecting to 127.0.0.1:6379', () => {
    rejects(
      () => createIoredisStore({ url: 'redis://:pw@10.0.0.5:6379/2' } as never),
      'connection.url',
      'redis://:pw@10.0.0.5:6379/2',
    );
    expect(() => createIoredisStore({ url } as never)).toThrow(/createIoredisStore\('redis:\/\//);
    rejects(() => createIoredisSynchronizer({ url } as never), 'connection.url', url);
  });

  it('a cluster connection with an unknown field', () => {
    rejects(
      () => createIoredisStore({ cluster: [], redisOptions: {} } as never),
      'connection.redisOptions',
      {},
    );
  });

  it('createIoredisSynchronizer', () => {
    rejects(() => createIoredisSynchronizer(url, { shard: true } as never), 'shard', true);
  });

  it('createIoredisCache checks its redis options, prefixed', async () => {
    await expect(createIoredisCache(url, { redis: { commandTimeout: 5 } as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      option: 'redis.commandTimeout',
    });
    expect(connect).not.toHaveBeenCalled();
  });

  it('createIoredisCache checks the cache options before connecting (store and synchronizer are its own)', async () => {
    await expect(createIoredisCache(url, { namespce: 'orders' } as never)).rejects.toMatchObject({
      option: 'namespce',
    });
    await expect(createIoredisCache(url, { store: {} } as never)).rejects.toMatchObject({ option: 'store' });
    expect(connect).not.toHaveBeenCalled();
  });

  it('the spy sees the connection valid options make (so the checks above can fail)', () => {
    const store = createIoredisStore(url, { tombstoneTtlMs: 5 });
    expect(connect).toHaveBeenCalled();
    return store.close();
  });
});
