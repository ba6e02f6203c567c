/**
 * A replica of a product service as it runs on Kubernetes: configured from the environment, podId
 * from the pod name, an HTTP API over the cache, health and readiness checks, graceful shutdown.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 POD_NAME=products-0 PORT=8080 npx tsx kubernetes/main.ts
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { configFromEnv } from './config.js';
import { createProductServer, type Product } from './server.js';

const config = configFromEnv();
const cache = await createIoredisCache<Product>(config.redisUrl, {
  podId: config.podName,
  namespace: config.namespace,
  ttlMs: config.ttlMs,
  localCacheConfig: { maxSize: config.localMaxSize },
  debug: config.debug,
});
let busUp = true;
let draining = false;
cache.on('status', (status) => {
  busUp = status !== 'down';
});

const server = createProductServer(cache, { podName: config.podName, ready: () => busUp && !draining });
server.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  console.log(`${config.podName} listening on port ${port} (namespace ${config.namespace})`);
});

// Kubernetes sends SIGTERM, waits terminationGracePeriodSeconds, then SIGKILL: fail readiness so
// the Service stops routing here, finish requests in flight, then close the cache.
process.once('SIGTERM', () => {
  draining = true;
  console.log(`${config.podName} draining`);
  server.close(async () => {
    await cache.close();
    console.log(`${config.podName} stopped`);
  });
  server.closeIdleConnections();
});
