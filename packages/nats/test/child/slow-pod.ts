// A deliberately slow pod: every received event costs it `busyMs` of blocked event loop, so it
// stops reading its NATS socket under a flood. Driven by the parent over IPC: reports its resyncs,
// answers reads and stats, closes on request. With `hideStatus`, its synchronizer's status reports
// never reach core, so only core's sequence-gap detection can notice what the server dropped.
import { createCache, type Synchronizer } from '@synced-cache/core';
import { createIoredisStore } from '@synced-cache/ioredis';
import { createNatsSynchronizer } from '../../src/index.js';

interface Setup {
  natsUrl: string;
  redisUrl: string;
  namespace: string;
  busyMs: number;
  hideStatus: boolean;
}

const setup = JSON.parse(process.argv[2] as string) as Setup;

function withoutStatus(synchronizer: Synchronizer): Synchronizer {
  return {
    contractVersion: synchronizer.contractVersion,
    capabilities: synchronizer.capabilities,
    publish: (channel, message) => synchronizer.publish(channel, message),
    subscribe: (channel, onMessage, onStatus) =>
      synchronizer.subscribe(channel, onMessage, (status) => {
        // The parent sees what core does not, for its failure messages.
        process.send?.({ type: 'adapter-status', status });
        if (status === 'up') onStatus(status);
      }),
    close: () => synchronizer.close(),
  };
}

const nats = createNatsSynchronizer({ servers: setup.natsUrl });
const cache = await createCache<string>({
  namespace: setup.namespace,
  podId: 'slow',
  store: createIoredisStore(setup.redisUrl),
  synchronizer: setup.hideStatus ? withoutStatus(nats) : nats,
  heartbeatMs: 0,
});
cache.on('event', () => {
  const until = performance.now() + setup.busyMs;
  while (performance.now() < until) {
    // blocked: the socket is not read meanwhile
  }
});
cache.on('resync', (reason) => process.send?.({ type: 'resync', reason }));
cache.on('status', (status) => process.send?.({ type: 'status', status }));

process.on('message', async (message: { type: string; keys?: string[] }) => {
  if (message.type === 'read') {
    const values = await Promise.all((message.keys ?? []).map((key) => cache.get(key).catch(() => 'error')));
    process.send?.({ type: 'values', values });
  } else if (message.type === 'stats') {
    process.send?.({ type: 'stats', stats: cache.stats() });
  } else if (message.type === 'close') {
    await cache.close();
    process.disconnect?.();
  }
});
process.send?.({ type: 'ready' });
