import {
  type RedisServer,
  redisCommand,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from '@synced-cache/test-servers';
import {
  describeStore,
  describeStorePublication,
  describeSyncedCache,
  describeSynchronizer,
} from '@synced-cache/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { createRedisStore, createRedisSynchronizer, type RedisConnectable } from '../src/index.js';
import { majors, type Topology, topologyClient } from './helpers.js';

const servers: Array<{ stop(): Promise<void> }> = [];
const clients: Array<{ close(): Promise<unknown> }> = [];
const topologies: Record<Topology, () => Promise<unknown>> = {
  standalone: async () => startRedis(),
  cluster: async () => startRedisCluster({ masters: 3 }),
  sentinel: async () => startRedisSentinel(),
};
const setups = new Map<Topology, unknown>();

beforeAll(async () => {
  await Promise.all(
    (Object.keys(topologies) as Topology[]).map(async (topology) => {
      const setup = (await topologies[topology]()) as { stop(): Promise<void> };
      servers.push(setup);
      setups.set(topology, setup);
    }),
  );
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await Promise.allSettled(servers.map((server) => server.stop()));
});

for (const major of majors) {
  for (const topology of Object.keys(topologies) as Topology[]) {
    describe(`${major.name} ${topology}`, () => {
      // Each factory call is one independent connection (one pod), made by this client major.
      const connect = async (): Promise<RedisConnectable> => {
        const client = await topologyClient(major, topology, setups.get(topology));
        clients.push(client as { close(): Promise<unknown> });
        return client;
      };
      // Standalone: a list under a key makes the store's writes of it fail (the batch failure check).
      const breakKey =
        topology === 'standalone'
          ? async (key: string) => {
              const { host, port } = setups.get(topology) as RedisServer;
              await redisCommand(host, port, ['RPUSH', key, 'not ours']);
            }
          : undefined;
      describeStore(
        `redis store (${major.name}, ${topology})`,
        async () => createRedisStore(await connect()),
        breakKey === undefined ? {} : { breakKey },
      );
      describeSynchronizer(`redis synchronizer (${major.name}, ${topology})`, async () =>
        createRedisSynchronizer(await connect()),
      );
      // One client per pod for store and synchronizer, as createRedisCache builds them: on
      // standalone and Sentinel the store's write scripts publish each write's event
      // (setAndPublish / deleteAndPublish); on a Cluster core publishes through the synchronizer.
      const fused = topology !== 'cluster';
      describeSyncedCache(
        `redis cache (${major.name}, ${topology}, one client per pod${fused ? ': events published by the write scripts' : ''})`,
        async () => {
          const client = await connect();
          const store = createRedisStore(client);
          const synchronizer = createRedisSynchronizer(client);
          if (store.publishesTo?.(synchronizer) !== fused)
            throw new Error(`expected publishesTo to be ${fused} on ${topology}`);
          return { store, synchronizer };
        },
      );
      if (fused) {
        describeStorePublication(`redis store (${major.name}, ${topology}, one client)`, async () => {
          const client = await connect();
          return { store: createRedisStore(client), synchronizer: createRedisSynchronizer(client) };
        });
        // Store and synchronizer on separate clients: core publishes every event itself.
        describeSyncedCache(
          `redis cache (${major.name}, ${topology}, separate clients: events published by core)`,
          async () => {
            const store = createRedisStore(await connect());
            const synchronizer = createRedisSynchronizer(await connect());
            if (store.publishesTo?.(synchronizer) !== false)
              throw new Error('expected the store not to publish for a synchronizer on another client');
            return { store, synchronizer };
          },
        );
      }
    });
  }
}
