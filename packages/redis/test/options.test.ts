import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisCache, createRedisStore, createRedisSynchronizer } from '../src/index.js';

// No server: every check here must happen before a client is created, which the counter on
// node-redis' factories proves.
const created = vi.hoisted(() => ({ clients: 0 }));
vi.mock('redis', async (importOriginal) => {
  const actual = await importOriginal<typeof import('redis')>();
  return {
    ...actual,
    createClient: ((...args: Parameters<typeof actual.createClient>) => {
      created.clients += 1;
      return actual.createClient(...args);
    }) as typeof actual.createClient,
  };
});
afterEach(() => {
  created.clients = 0;
});

const url = 'redis://127.0.0.1:1';

function rejects(make: () => unknown, option: string, value: unknown): void {
  expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', option, value }));
  expect(created.clients).toBe(0);
}

describe('unknown options are rejected before connecting', () => {
  it('createRedisStore names the unknown option and the known ones', () => {
    rejects(() => createRedisStore(url, { scanCounts: 10 } as never), 'scanCounts', 10);
    expect(() => createRedisStore(url, { scanCounts: 10 } as never)).toThrow(
      /known: commandTimeoutMs, .*clockKey/,
    );
  });

  it('createRedisSynchronizer', () => {
    rejects(() => createRedisSynchronizer(url, { shard: false } as never), 'shard', false);
  });

  it('a connection object of another shape ({ host, port }) is not taken for 127.0.0.1:6379', () => {
    rejects(() => createRedisStore({ host: '10.0.0.5', port: 6380 } as never), 'connection.host', '10.0.0.5');
    rejects(() => createRedisSynchronizer({} as never), 'connection', {});
  });

  it('createRedisCache checks its redis options, prefixed', async () => {
    await expect(createRedisCache(url, { redis: { commandTimeout: 5 } as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      option: 'redis.commandTimeout',
    });
    expect(created.clients).toBe(0);
  });

  it('createRedisCache checks the cache options before connecting (store and synchronizer are its own)', async () => {
    await expect(createRedisCache(url, { namespce: 'orders' } as never)).rejects.toMatchObject({
      option: 'namespce',
    });
    await expect(createRedisCache(url, { store: {} } as never)).rejects.toMatchObject({ option: 'store' });
    expect(created.clients).toBe(0);
  });

  it('the counter sees the client valid options make (so the checks above can fail)', async () => {
    const store = createRedisStore(url, { scanCount: 10, commandTimeoutMs: 50 });
    expect(created.clients).toBe(1);
    await store.close();
  });
});
