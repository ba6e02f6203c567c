/**
 * A pod for the NATS convergence runs (`test/convergence.ts`): an ioredis store on the private
 * redis-server (unfaulted) and a NATS synchronizer through this pod's fault proxy (the URL the
 * runner passes), in core or replay mode, served over IPC.
 */
import { createCache } from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import { podSetup, servePod } from '@synced-cache/test-servers';
import { createNatsSynchronizer } from '../../src/index.js';

const { url, options } = podSetup();
const { redis: adapter = {}, ...cacheOptions } = options;
const timeoutMs = cacheOptions.timeoutMs ?? 500;
const create = () =>
  createCache<string>({
    ...cacheOptions,
    store: createIoredisStore(String(adapter.redisUrl), { commandTimeoutMs: timeoutMs }),
    synchronizer: createNatsSynchronizer({
      servers: url,
      healthCheckIntervalMs: 250,
      healthCheckTimeoutMs: timeoutMs,
      ...(adapter.replay === true
        ? { replay: { stream: String(adapter.stream), graceMs: Number(adapter.graceMs) } }
        : {}),
      subjectPrefix: String(adapter.subjectPrefix),
    }),
  });
// A pod that cannot subscribe within its timeout on a loaded machine starts again, as a deployment
// would restart it; three tries.
let cache: Awaited<ReturnType<typeof create>> | undefined;
for (let attempt = 1; cache === undefined; attempt++) {
  try {
    cache = await create();
  } catch (error) {
    if (attempt === 3) throw error;
  }
}
servePod(cache);
