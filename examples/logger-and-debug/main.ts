/**
 * A custom logger, and what debug mode adds: pod A logs through a leveled logger with `debug: true`
 * (unless `DEBUG=0`) while pod B writes, deletes and clears. Debug lines show every event pod A
 * receives (action, key, sender, version, whether it applied) and every message it drops.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx logger-and-debug/main.ts
 *   DEBUG=0 npx tsx logger-and-debug/main.ts   # warnings and errors only
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { Redis } from 'ioredis';
import { redisUrl, waitUntil } from '../shared/env.js';
import { createLeveledLogger } from './leveled-logger.js';

const url = redisUrl();
const debug = process.env.DEBUG !== '0';
const namespace = 'example-logger';
const podA = await createIoredisCache<string>(url, {
  podId: 'pod-a',
  namespace,
  debug,
  logger: createLeveledLogger('[pod-a]', debug ? 'debug' : 'warn'),
});
const podB = await createIoredisCache<string>(url, {
  podId: 'pod-b',
  namespace,
  logger: createLeveledLogger('[pod-b]', 'warn'),
});

/** Runs `what` on pod B and waits until pod A has received `count` more events. */
async function onPodB(label: string, what: () => Promise<void>, count = 1): Promise<void> {
  const target = podA.stats().eventsApplied + podA.stats().eventsStale + podA.stats().eventsDropped + count;
  console.log(`pod-b ${label}`);
  await what();
  await waitUntil(label, () => {
    const { eventsApplied, eventsStale, eventsDropped } = podA.stats();
    return eventsApplied + eventsStale + eventsDropped >= target;
  });
}

await onPodB('set greeting', () => podB.set('greeting', 'hello'));
await onPodB('setWithInvalidate greeting', () => podB.setWithInvalidate('greeting', 'hi'));
await onPodB('delete greeting', () => podB.delete('greeting'));
await onPodB('clear', () => podB.clear());
const raw = new Redis(url);
await onPodB('(a stranger) publishes garbage on the channel', async () => {
  await raw.publish(`cache:invalidate:${namespace}`, 'not an event');
});
raw.disconnect();
const { eventsApplied, eventsDropped } = podA.stats();
console.log(`pod-a stats: eventsApplied=${eventsApplied} eventsDropped=${eventsDropped}`);
await Promise.all([podA.close(), podB.close()]);
