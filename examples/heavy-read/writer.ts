/**
 * The heavy-read writer: seeds every post (through the cache, and as plain JSON for the baseline),
 * prints `seeded`, then updates random posts at `RATE` per second until SIGTERM.
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { Redis } from 'ioredis';
import { redisUrl } from '../shared/env.js';
import { makePost, NAMESPACE, POST_TTL_MS, type Post, postKey, rawPostKey } from './post.js';

const posts = Number(process.env.POSTS ?? 10_000);
const rate = Number(process.env.RATE ?? 50);
const cache = await createIoredisCache<Post>(redisUrl(), {
  podId: 'writer',
  namespace: NAMESPACE,
  ttlMs: POST_TTL_MS,
});
const raw = new Redis(redisUrl());

/** Writes post `id` at `revision` both ways. */
async function write(id: number, revision: number): Promise<void> {
  const post = makePost(id, revision);
  await Promise.all([
    cache.set(postKey(id), post),
    raw.set(rawPostKey(id), JSON.stringify(post), 'PX', POST_TTL_MS),
  ]);
}

for (let first = 0; first < posts; first += 500) {
  const batch: Array<Promise<void>> = [];
  for (let id = first; id < Math.min(posts, first + 500); id++) batch.push(write(id, 1));
  await Promise.all(batch);
}
console.log('seeded');

let revision = 1;
const timer = setInterval(() => {
  revision++;
  write(Math.floor(Math.random() * posts), revision).catch((error: unknown) =>
    console.error(`write failed: ${error}`),
  );
}, 1000 / rate);

process.once('SIGTERM', async () => {
  clearInterval(timer);
  await cache.close();
  raw.disconnect();
});
