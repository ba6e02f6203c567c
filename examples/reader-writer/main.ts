/**
 * Reader and writer roles: writer pods own the data in Redis; a reader pod's `set` stays in its own
 * local tier unless `readerCanSetToStore` (the Go library's `ReaderCanSetToRedis`) allows it, while
 * its `delete` and `clear` always reach Redis and every pod.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx reader-writer/main.ts
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { redisUrl, waitUntil } from '../shared/env.js';

const url = redisUrl();
const namespace = 'example-roles';
const writer = await createIoredisCache<string>(url, { podId: 'writer', namespace, role: 'writer' });
const reader = await createIoredisCache<string>(url, { podId: 'reader', namespace, role: 'reader' });
const trusted = await createIoredisCache<string>(url, {
  podId: 'trusted-reader',
  namespace,
  role: 'reader',
  readerCanSetToStore: true,
});

await writer.set('theme', 'dark');
await waitUntil('theme on the reader', () => reader.peek('theme') !== undefined);
console.log(`reader reads theme=${await reader.get('theme')} (written by the writer)`);

await reader.set('draft', 'only on the reader');
console.log(
  `reader reads draft=${await reader.get('draft')}; writer reads draft=${await writer.get('draft')}`,
);

await trusted.set('note', 'shared by a trusted reader');
console.log(`writer reads note=${await writer.get('note')} (readerCanSetToStore: true)`);

await reader.delete('theme');
await waitUntil('theme gone on the writer', () => writer.peek('theme') === undefined);
console.log(`after the reader deleted theme, writer reads theme=${await writer.get('theme')}`);
await Promise.all([writer.close(), reader.close(), trusted.close()]);
