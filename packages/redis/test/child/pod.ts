/**
 * A pod in its own process for the multi-process tests: a synced cache on Redis over node-redis,
 * driven over IPC. `CLIENT_MAJOR` picks the client package (`redis` = v6, `redis5` = v5); the
 * client is injected, so the pod also proves that a user's client of either major works. With
 * `OWN_CONNECTION=1` the cache gets the URL instead and creates (and closes) its connections.
 * `TIMEOUT_MS` and `HEALTH_CHECK_INTERVAL_MS` set the cache's `timeoutMs` and the adapter's
 * `healthCheckIntervalMs`.
 * Run with `node --import tsx` and TSX_TSCONFIG_PATH pointing at ./tsconfig.json.
 */
import { createRedisCache } from '@synced-cache/redis';

interface Request {
  id: number;
  /** `release`: close the cache, answer, drop IPC and leave the process to exit by itself. */
  op: 'set' | 'get' | 'peek' | 'delete' | 'close' | 'release';
  key?: string;
  value?: unknown;
}

const { createClient } =
  process.env.CLIENT_MAJOR === 'redis5'
    ? ((await import('redis5')) as unknown as typeof import('redis'))
    : await import('redis');
const owned = process.env.OWN_CONNECTION === '1';
const client = owned ? undefined : createClient({ url: process.env.REDIS_URL! });
client?.on('error', () => undefined);
await client?.connect();
const interval = process.env.HEALTH_CHECK_INTERVAL_MS;
const cache = await createRedisCache<unknown>(client ?? process.env.REDIS_URL!, {
  namespace: process.env.NAMESPACE!,
  podId: process.env.POD_ID!,
  timeoutMs: Number(process.env.TIMEOUT_MS ?? 1000),
  redis: interval === undefined ? {} : { healthCheckIntervalMs: Number(interval) },
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
        // close() rejects with the first failure (e.g. an unsubscribe a frozen server never
        // answered) after releasing everything: this pod is leaving either way.
        await cache.close().catch(() => undefined);
        await client?.close();
        process.send!({ id: message.id, result: null }, () => process.exit(0));
        return;
      case 'release': {
        const closeError = await cache.close().then(
          () => null,
          (error: unknown) => String(error),
        );
        process.send!({ id: message.id, result: closeError }, () => process.disconnect());
        return;
      }
    }
    process.send!({ id: message.id, result: result ?? null });
  } catch (error) {
    process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
process.send!({ event: 'ready', pid: process.pid });
