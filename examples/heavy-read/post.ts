/** The heavy-read service's data: blog posts, their keys, and what every process agrees on. */

/** A blog post as the writer stores it (about 1 KB of JSON). */
export interface Post {
  id: number;
  title: string;
  author: string;
  tags: string[];
  body: string;
  likes: number;
  revision: number;
  /** `performance.timeOrigin + performance.now()` when the writer began this write (propagation). */
  writtenAt: number;
}

/** The cache namespace of the posts. */
export const NAMESPACE = 'heavy-read';

/** Store TTL of every post: an hour, so nothing expires during a run but every entry has one. */
export const POST_TTL_MS = 3_600_000;

/** Cache key of post `id`. */
export function postKey(id: number): string {
  return `post:${id}`;
}

/** The plain Redis key the `/post-redis` baseline reads: the post's JSON and nothing else. */
export function rawPostKey(id: number): string {
  return `raw:post:${id}`;
}

const words = 'cache pod store event local remote version stale fresh write read value key node'.split(' ');

/** Post `id` at `revision`, deterministic apart from its timestamp. */
export function makePost(id: number, revision: number): Post {
  const body: string[] = [];
  for (let i = 0; body.join(' ').length < 800; i++) body.push(words[(id * 7 + i * 3) % words.length] ?? 'x');
  return {
    id,
    title: `Post ${id}: notes on ${words[id % words.length]}`,
    author: `author-${id % 97}`,
    tags: [words[id % 5] ?? 'a', words[(id + 3) % 11] ?? 'b'],
    body: body.join(' '),
    likes: (id * 31 + revision) % 1000,
    revision,
    writtenAt: performance.timeOrigin + performance.now(),
  };
}
