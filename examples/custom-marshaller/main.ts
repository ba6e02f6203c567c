/**
 * A custom marshaller: values are stored and sent between pods as gzip-compressed JSON.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx custom-marshaller/main.ts
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { Redis } from 'ioredis';
import { redisUrl, waitUntil } from '../shared/env.js';
import { createGzipJsonMarshaller } from './gzip-json-marshaller.js';

interface Report {
  title: string;
  rows: Array<{ region: string; day: number; orders: number }>;
}

const url = redisUrl();
const namespace = 'example-custom-marshaller';
const options = { namespace, ttlMs: 60_000, marshaller: createGzipJsonMarshaller<Report>() };
const podA = await createIoredisCache<Report>(url, { ...options, podId: 'pod-a' });
const podB = await createIoredisCache<Report>(url, { ...options, podId: 'pod-b' });

const report: Report = {
  title: 'orders per region and day',
  rows: Array.from({ length: 500 }, (_, i) => ({
    region: ['eu', 'us', 'ap'][i % 3] ?? 'eu',
    day: i,
    orders: i % 7,
  })),
};
await podA.set('report:daily', report);
await waitUntil('the report on pod B', () => podB.peek('report:daily') !== undefined);
console.log(`pod-b decoded the report from pod-a's event: ${podB.peek('report:daily')?.rows.length} rows`);

const raw = new Redis(url);
const stored = await raw.getBuffer(`${namespace}:report:daily`);
raw.disconnect();
const gzipAt = stored?.indexOf(Buffer.from([0x1f, 0x8b])) ?? -1;
console.log(
  `redis holds ${stored?.length} bytes: a ${gzipAt}-byte store header, then gzip (1f 8b) for ${JSON.stringify(report).length} bytes of JSON`,
);
await Promise.all([podA.close(), podB.close()]);
