// A pod process for the close test: connects a cache to NATS (argv[2]; argv[3] 'replay' for
// replay mode), tells the parent it is
// ready, closes when told, reports how close went, and must then exit on its own.
import { createCache, MemoryStore } from '@synced-cache/core';
import { createNatsSynchronizer } from '../../src/index.js';

const url = process.argv[2] as string;
const replay = process.argv[3] === 'replay';
const cache = await createCache<string>({
  store: new MemoryStore(),
  synchronizer: createNatsSynchronizer({
    servers: url,
    healthCheckIntervalMs: 200,
    healthCheckTimeoutMs: 300,
    ...(replay ? { replay: { graceMs: 200 } } : {}),
  }),
  timeoutMs: 5000,
  heartbeatMs: 0,
});
await cache.set('k', 'v');
process.send?.({ type: 'ready' });
process.on('message', async () => {
  const started = Date.now();
  let outcome = 'closed';
  try {
    await cache.close();
  } catch (error) {
    outcome = `close rejected: ${error instanceof Error ? error.message : String(error)}`;
  }
  process.send?.({ type: 'closed', outcome, ms: Date.now() - started });
  process.disconnect?.();
});
