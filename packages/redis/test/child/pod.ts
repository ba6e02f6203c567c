/**
 * A pod in its own process for the multi-process tests: a synced cache on Redis over node-redis,
 * driven over IPC. `CLIENT_MAJOR` picks the client package (`redis` = v6, `redis5` = v5); the
 * client is injected, so the pod also proves that a user's client of either major works.
 * Run with `node --import tsx` and TSX_TSCONFIG_PATH pointing at ./tsconfig.json.
 */
import { createRedisCache } from '@synced-cache/redis';

interface Request {
  id: number;
  op: 'set' | 'get' | 'peek' | 'delete' | 'close';
  key?: string;
  value?: unknown;
}

const { createClient } =
  process.env.CLIENT_MAJOR === 'redis5'
    ? ((await import('redis5')) as unknown as typeof import('redis'))
    : await import('redis');
const client = createClient({ url: process.env.REDIS_URL! });
client.on('error', () => undefined);
await client.connect();
const cache = await createRedisCache<unknown>(client, {
  namespace: process.env.NAMESPACE!,
  podId: process.env.POD_ID!,
  timeoutMs: 1000,
});
cache.on('status', (status) => process.send!({ event: 'status', status }));
cache.on('resync', (reason) => process.send!({ event: 'resync', reason }));

process.on('message', async (message: Request) => {
  try {
    let result: unknown;
    switch (message.op) {
      case 'set':
        result = await cache.set(message.key!, message.value);
        break;
      case 'get':
        result = await cache.get(message.key!);
        break;
      case 'peek':
        result = cache.peek(message.key!);
        break;
      case 'delete':
        result = await cache.delete(message.key!);
        break;
      case 'close':
        await cache.close();
        await client.close();
        process.send!({ id: message.id, result: null }, () => process.exit(0));
        return;
    }
    process.send!({ id: message.id, result: result ?? null });
  } catch (error) {
    process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
process.send!({ event: 'ready', pid: process.pid });
