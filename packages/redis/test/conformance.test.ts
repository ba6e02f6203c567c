import { startRedis, startRedisCluster, startRedisSentinel } from '@synced-cache/test-servers';
import { describeStore, describeSyncedCache, describeSynchronizer } from '@synced-cache/testing';
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
      describeStore(`redis store (${major.name}, ${topology})`, async () =>
        createRedisStore(await connect()),
      );
      describeSynchronizer(`redis synchronizer (${major.name}, ${topology})`, async () =>
        createRedisSynchronizer(await connect()),
      );
      describeSyncedCache(`redis cache (${major.name}, ${topology})`, async () => {
        const client = await connect();
        return { store: createRedisStore(client), synchronizer: createRedisSynchronizer(client) };
      });
    });
  }
}
