/**
 * A pod in its own process for the multi-process tests: a synced cache on Redis driven over IPC.
 * Run with `node --import tsx` and TSX_TSCONFIG_PATH pointing at ./tsconfig.json.
 */
import { createIoredisCache } from '@synced-cache/ioredis';

interface Request {
  id: number;
  op: 'set' | 'get' | 'peek' | 'delete' | 'stats' | 'close';
  key?: string;
  value?: unknown;
}

const url = process.env.REDIS_URL!;
const cache = await createIoredisCache<unknown>(url, {
  namespace: process.env.NAMESPACE!,
  podId: process.env.POD_ID!,
  timeoutMs: 1000,
});
cache.on('status', (status) => process.send!({ event: 'status', status }));

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
      case 'stats':
        result = cache.stats();
        break;
      case 'close':
        // close() rejects with the first failure after releasing everything (e.g. an unsubscribe a
        // frozen server never answered): this pod leaves either way.
        await cache.close().catch(() => undefined);
        // No process.exit(): with the IPC channel gone the process ends by itself, unless the cache
        // left a socket or a timer behind, which the tests want to see.
        process.send!({ id: message.id, result: null }, () => process.disconnect());
        return;
    }
    process.send!({ id: message.id, result: result ?? null });
  } catch (error) {
    process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
process.send!({ event: 'ready', pid: process.pid });
