import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { describeLateWrites, type LateWritesSetup } from '@synced-cache/testing';
import { afterAll, beforeAll } from 'vitest';
import { createRedisCache } from '../src/index.js';

// A real stall: the server process is stopped (SIGSTOP) while writes are in flight, longer than the
// pods' timeout, and continued; the commands it already received run when it wakes.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const setup = (): LateWritesSetup => ({
  createPod: (options) => createRedisCache<string>(redis.url, options),
  stall: () => redis.pause(),
  wake: () => redis.resume(),
});

describeLateWrites('node-redis, the store publishes each write', setup);
describeLateWrites('node-redis, core publishes (signed events)', setup, {
  cacheOptions: { secret: 'late-writes' },
});
