import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { describeLateWrites, type LateWritesSetup } from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { createRedisCache } from '../src/index.js';

// A real stall: the server process is stopped (SIGSTOP) while writes are in flight, longer than the
// pods' timeout, and continued; the commands it already received run when it wakes. The health
// check would drop the pods' connections during the stall (their unread commands then never run):
// the late-run suites turn it off, and one suite keeps the default and accepts late or never.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const setupWith = (healthCheckIntervalMs?: number) => (): LateWritesSetup => ({
  createPod: (options) =>
    createRedisCache<string>(redis.url, {
      ...options,
      redis: healthCheckIntervalMs === undefined ? {} : { healthCheckIntervalMs },
    }),
  stall: () => redis.pause(),
  wake: () => redis.resume(),
});
const setup = setupWith(0);

describeLateWrites('node-redis, the store publishes each write', setup);
describeLateWrites('node-redis, core publishes (signed events)', setup, {
  cacheOptions: { secret: 'late-writes' },
});
describeLateWrites('node-redis, default health check', setupWith(), { connectionsMayDrop: true });
