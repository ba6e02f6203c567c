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
servePod(
  await createCache<string>({
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
  }),
);
