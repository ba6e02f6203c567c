import {
  createClient as createClient6,
  createCluster as createCluster6,
  createSentinel as createSentinel6,
} from 'redis';
import {
  createClient as createClient5,
  createCluster as createCluster5,
  createSentinel as createSentinel5,
} from 'redis5';
import { describe, expect, it } from 'vitest';
import {
  createRedisCache,
  createRedisStore,
  createRedisSynchronizer,
  type RedisConnection,
} from '../src/index.js';

// Compile-time checks: the real objects of both majors (with their default generics) are accepted
// as connections without casts. `tsc` fails this file if a node-redis release breaks that.
function acceptsEveryMajor(): RedisConnection[] {
  const connections: RedisConnection[] = [
    createClient6({ url: 'redis://127.0.0.1:1' }),
    createClient5({ url: 'redis://127.0.0.1:1' }),
    createCluster6({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }),
    createCluster5({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }),
    createSentinel6({ name: 'm', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
    createSentinel5({ name: 'm', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
    createClient6({ RESP: 2 }),
    createClient5({ RESP: 3 }),
    'redis://127.0.0.1:1',
    { url: 'redis://127.0.0.1:1' },
    { clusterOptions: { rootNodes: [] } },
  ];
  return connections;
}

describe('connection detection', () => {
  it('detects clients, Clusters and Sentinels of both majors by duck typing without connecting', async () => {
    const [client6, client5, cluster6, cluster5, sentinel6, sentinel5] = acceptsEveryMajor();
    // Objects are recognised (no InvalidConfigError) and nothing is connected or closed by us.
    for (const connection of [client6, client5, cluster6, cluster5, sentinel6, sentinel5]) {
      const store = createRedisStore(connection as RedisConnection);
      const synchronizer = createRedisSynchronizer(connection as RedisConnection);
      await store.close();
      await synchronizer.close();
      expect((connection as { isOpen: boolean }).isOpen).toBe(false);
    }
    expect(typeof createRedisCache).toBe('function');
  });
});
