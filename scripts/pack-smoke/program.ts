// The program every smoke-test project runs (copied in as index.ts / index.mts, or turned into
// CommonJS by the script): two pods on a private Redis — one on ioredis, one on node-redis, with
// the type-faithful JSON marshaller and the LRU local tier — write, read each other's values
// through the packed packages, and report the versions they loaded.
import { VERSION as coreVersion, createCache, type Marshaller } from '@synced-cache/core';
import { createIoredisCache, VERSION as ioredisVersion } from '@synced-cache/ioredis';
import { createJsonMarshaller } from '@synced-cache/json';
import { lruCacheFactory } from '@synced-cache/lru';
import { createRedisCache, VERSION as redisVersion } from '@synced-cache/redis';

interface Order {
  id: number;
  placedAt: Date;
  total: bigint;
}

const url = process.env.SMOKE_REDIS_URL;
if (url === undefined) throw new Error('SMOKE_REDIS_URL is not set');

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`${what} did not happen within 5 s`);
}

// createJsonMarshaller() returns Marshaller<unknown>, which a typed cache does not accept
// without this cast (noted in docs/releasing.md as a known papercut).
const orders = () => createJsonMarshaller() as Marshaller<Order>;

// No top-level await: the same source is also compiled to CommonJS.
async function main(url: string): Promise<void> {
  const a = await createIoredisCache<Order>(url, {
    podId: 'pod-a',
    namespace: 'smoke',
    marshaller: orders(),
    localCache: lruCacheFactory({ maxSize: 100 }),
  });
  const b = await createRedisCache<Order>(
    { url },
    {
      podId: 'pod-b',
      namespace: 'smoke',
      marshaller: orders(),
      localCache: lruCacheFactory({ maxSize: 100 }),
    },
  );
  try {
    await a.set('order:1', { id: 1, placedAt: new Date(0), total: 10n });
    await until('pod-b receiving order:1', () => b.peek('order:1')?.total === 10n);
    await b.set('order:1', { id: 1, placedAt: new Date(1), total: 12n });
    await until('pod-a receiving the update', () => a.peek('order:1')?.total === 12n);
    const read = await b.get('order:1');
    if (!(read?.placedAt instanceof Date)) throw new Error('the Date did not survive the round trip');
    const embedded = await createCache<number>();
    await embedded.set('x', 1);
    await embedded.close();
    console.log(
      JSON.stringify({
        ok: true,
        versions: { core: coreVersion, ioredis: ioredisVersion, redis: redisVersion },
      }),
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

main(url).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
