/** What `propagation.ts` and its receiver process share. */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';

/** What the sender passes as the first argument. */
export interface PropagationSetup {
  url: string;
  host: string;
  port: number;
  rawChannel: string;
  /** Where the raw `SET` + `PUBLISH` pipeline publishes (the floor of an announced write). */
  rawSetChannel: string;
  namespaces: { ioredis: string; nodeRedis: string };
}

/** BentoCache with its Redis L2 and Redis bus, as its docs set it up for several processes. */
export function bentoOn(host: string, port: number): BentoCache<{ cache: ReturnType<typeof bentostore> }> {
  return new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection: { host, port } }))
        .useBus(redisBusDriver({ connection: { host, port } })),
    },
  });
}
