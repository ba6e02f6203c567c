/**
 * Stale-data prevention with `onSetLocalCache`: values carry their own revision (from the source
 * of truth); a pod's hook refuses a revision older than the one it holds. Two writers race: the
 * one holding revision 1 writes after the one holding revision 2, so Redis ends up with the older
 * revision and a plain pod serves it, while the guarded pod keeps revision 2.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx stale-data-prevention/main.ts
 */
import type { SyncedCache } from '@synced-cache/core';
import { createIoredisCache } from '@synced-cache/ioredis';
import { redisUrl, waitUntil } from '../shared/env.js';

interface Price {
  sku: string;
  cents: number;
  /** The revision of the row this value was read from; higher is newer. */
  revision: number;
}

const url = redisUrl();
const namespace = 'example-stale-data';
let refused = 0;
const guarded: SyncedCache<Price> = await createIoredisCache<Price>(url, {
  podId: 'guarded',
  namespace,
  onSetLocalCache: (event, decode) => {
    if (event.value === undefined) return undefined;
    const incoming = decode(event.value);
    // Runs on events, fills and own writes, never before `guarded` is assigned.
    const held = guarded.peek(event.key);
    if (held !== undefined && held.revision > incoming.revision) {
      refused++;
      console.log(
        `guarded: refused revision ${incoming.revision} of ${event.key}, keeping revision ${held.revision}`,
      );
      return held;
    }
    return incoming;
  },
});
const plain = await createIoredisCache<Price>(url, { podId: 'plain', namespace });
const fastWriter = await createIoredisCache<Price>(url, { podId: 'fast-writer', namespace });
const slowWriter = await createIoredisCache<Price>(url, { podId: 'slow-writer', namespace });

await fastWriter.set('price:tea', { sku: 'tea', cents: 1200, revision: 2 });
await waitUntil(
  'revision 2 on both pods',
  () => guarded.peek('price:tea')?.revision === 2 && plain.peek('price:tea')?.revision === 2,
);
// The slow writer read revision 1 before the update and writes it only now.
await slowWriter.set('price:tea', { sku: 'tea', cents: 1000, revision: 1 });
await waitUntil(
  'the late write on both pods',
  () => plain.peek('price:tea')?.revision === 1 && refused === 1,
);

const show = (name: string, price: Price | undefined) =>
  console.log(`${name} serves price:tea revision=${price?.revision} cents=${price?.cents}`);
show('plain', await plain.get('price:tea'));
show('guarded', await guarded.get('price:tea'));
console.log(`guarded refused=${refused}`);
await Promise.all([guarded.close(), plain.close(), fastWriter.close(), slowWriter.close()]);
