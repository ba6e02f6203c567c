import { type RedisSentinelSetup, redisCommand, startRedisSentinel } from '@synced-cache/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIoredisCache, createIoredisStore } from '../src/index.js';
import { eventually } from './helpers.js';

let setup: RedisSentinelSetup;
beforeAll(async () => {
  setup = await startRedisSentinel();
}, 60_000);
afterAll(async () => {
  await setup?.stop();
});

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Sentinel', () => {
  it('after a failover the store and the cache follow the new master; versions keep increasing', async () => {
    const connection = { sentinels: setup.sentinels, name: setup.masterName };
    const store = createIoredisStore(connection);
    const namespace = `s${Math.random().toString(36).slice(2, 8)}`;
    const a = await createIoredisCache<string>(connection, { namespace, podId: 'a' });
    const b = await createIoredisCache<string>(connection, { namespace, podId: 'b' });
    try {
      const before = await store.set('failover:k', bytes('before'));
      await a.set('k', 'v1');
      await eventually('b has v1', () => b.peek('k') === 'v1');
      // wait until the replica has everything, then fail over
      await redisCommand(setup.master.host, setup.master.port, ['WAIT', '1', '2000']);
      // Sentinel answers NOGOODSLAVE until it has fresh INFO from the replica (it polls every
      // few seconds, slower under load), so ask again until it accepts.
      await eventually(
        'sentinel accepts the failover',
        async () =>
          (await redisCommand(setup.sentinels[0]!.host, setup.sentinels[0]!.port, [
            'SENTINEL',
            'FAILOVER',
            setup.masterName,
          ])) === 'OK',
        30_000,
      );
      await eventually(
        'the replica became master',
        async () => {
          const info = await redisCommand(setup.replica.host, setup.replica.port, ['INFO', 'replication']);
          return typeof info === 'string' && info.includes('role:master');
        },
        20_000,
      );
      let after = 0;
      await eventually(
        'writes reach the new master',
        () =>
          store.set('failover:k', bytes('after')).then(
            (version) => {
              after = version;
              return true;
            },
            () => false,
          ),
        20_000,
      );
      expect(after).toBeGreaterThan(before);
      expect(Buffer.from((await store.get('failover:k'))!.payload).toString()).toBe('after');
      await eventually(
        'the cache writes again',
        () =>
          a.set('k', 'v2').then(
            () => true,
            () => false,
          ),
        20_000,
      );
      await eventually('b reads v2', async () => (await b.get('k')) === 'v2', 20_000);
    } finally {
      await a.close();
      await b.close();
      await store.close();
    }
  }, 120_000);
});
