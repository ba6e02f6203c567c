/**
 * The receiving process of `propagation.ts`: a raw ioredis subscriber and one synced-cache pod per
 * client (ioredis, node-redis), all under read load (a loop of local hits that yields every
 * ~0.2 ms, like a server busy with requests). Each arrival is reported over IPC with its
 * `process.hrtime.bigint()` (CLOCK_MONOTONIC, one clock for every process on the machine), so the
 * sender times the hop itself. Driven over IPC; not run on its own.
 */
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache } from '@synced-cache/ioredis';
import { createRedisCache } from '@synced-cache/redis';
import { Redis } from 'ioredis';
import { consume } from './harness.js';
import { bentoOn, type PropagationSetup } from './propagation-setup.js';

const setup = JSON.parse(process.argv[2] as string) as PropagationSetup;
const arrived = (path: string) =>
  process.send?.({ type: 'arrived', path, at: String(process.hrtime.bigint()) });

const subscriber = new Redis(setup.url);
await subscriber.subscribe(setup.rawChannel, setup.rawSetChannel);
subscriber.on('messageBuffer', (channel: Buffer) =>
  arrived(channel.toString() === setup.rawSetChannel ? 'raw-set' : 'raw'),
);

const pods: Array<SyncedCache<unknown>> = [
  await createIoredisCache<unknown>(setup.url, {
    namespace: setup.namespaces.ioredis,
    podId: 'receiver',
    heartbeatMs: 0,
  }),
  await createRedisCache<unknown>(setup.url, {
    namespace: setup.namespaces.nodeRedis,
    podId: 'receiver',
    heartbeatMs: 0,
  }),
];
pods[0]!.on('event', () => arrived('ioredis'));
pods[1]!.on('event', () => arrived('node-redis'));

const bento = bentoOn(setup.host, setup.port);
// Emitted as the bus message is handled, right before BentoCache expires its local copy.
bento.on('bus:message:received', () => arrived('bentocache'));
await bento.get({ key: 'prop:user:0' }); // BentoCache connects its store and bus on first use

// Read load: local hits on 1,000 keys of each pod, in chunks of ~0.2 ms between yields.
const hotKeys = Array.from({ length: 1000 }, (_, index) => `hot:${index}`);
for (const pod of pods)
  await pod.setMany(hotKeys.map((key) => [key, { id: key, name: 'Ada Lovelace' }] as const));
let running = true;
let reads = 0;
async function readLoad(): Promise<void> {
  while (running) {
    const until = performance.now() + 0.2;
    while (performance.now() < until) {
      for (let i = 0; i < 50; i++) consume(await pods[reads & 1]!.get(hotKeys[reads++ % 1000]!));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const loop = readLoad();

process.on('message', async (message: { type: string }) => {
  if (message.type !== 'close') return;
  running = false;
  await loop;
  for (const pod of pods) await pod.close();
  await bento.disconnect();
  subscriber.disconnect();
  process.send?.({ type: 'closed', reads });
  process.disconnect?.();
});
process.send?.({ type: 'ready' });
