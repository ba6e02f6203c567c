/**
 * A heavy-read reader: one process serving the Go example's three endpoints on `PORT`.
 *
 * - `/post-redis?id=N`: reads Redis on every request (a plain GET of the post's JSON, sent as is,
 *   over one auto-pipelined ioredis connection);
 * - `/post-marshal?id=N`: the post from the local tier as an object, `JSON.stringify` per request;
 * - `/post?id=N`: the local tier holds the response bytes, made once per change by
 *   `onSetLocalCache`, so a request does no JSON work at all;
 * - `/static?id=N`: not a lesson but the benchmark's ceiling: the same ~1 KB of bytes for every id,
 *   from a constant (no cache, no Redis), so what is left is this HTTP server's own cost per request.
 *
 * `/propagation` returns the writer→reader delays this process saw (ms, one per received update);
 * `/cpu` the CPU time this process used so far (µs) and the post requests it answered (a load
 * generator's warm-up included); `/stats` both caches' counters.
 */
import { createServer, type ServerResponse } from 'node:http';
import { createIoredisCache } from '@synced-cache/ioredis';
import { Redis } from 'ioredis';
import { redisUrl } from '../shared/env.js';
import { makePost, NAMESPACE, POST_TTL_MS, type Post, postKey, rawPostKey } from './post.js';

const podId = process.env.POD_NAME ?? `reader-${process.pid}`;
const url = redisUrl();
// The library's default configuration, plus what each endpoint's lesson needs.
const objects = await createIoredisCache<Post>(url, {
  podId: `${podId}-objects`,
  namespace: NAMESPACE,
  ttlMs: POST_TTL_MS,
});
const bytes = await createIoredisCache<Post | Buffer>(url, {
  podId: `${podId}-bytes`,
  namespace: NAMESPACE,
  ttlMs: POST_TTL_MS,
  onSetLocalCache: (event) => (event.value === undefined ? undefined : Buffer.from(event.value)),
});
// The baseline's cheapest read under load: the GETs of one event-loop turn leave in one write
// (one write per GET cost more reader and redis-server CPU per request at 400 connections).
const raw = new Redis(url, { enableAutoPipelining: true });

const delays: number[] = [];
objects.on('event', (event, applied) => {
  const post = applied && event.action === 'set' ? objects.peek(event.key) : undefined;
  if (post !== undefined) delays.push(performance.timeOrigin + performance.now() - post.writtenAt);
});

const json = { 'content-type': 'application/json' };

/**
 * A 200 with `body` as JSON, or a 404 without one. The headers go to `writeHead` as a flat list,
 * so no header object is built per request, and with their length, so no response is chunked.
 */
function sendJson(response: ServerResponse, body: Uint8Array | string | null | undefined): void {
  if (body === null || body === undefined) response.writeHead(404).end();
  else {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    response.writeHead(200, ['content-type', 'application/json', 'content-length', length]).end(body);
  }
}

function fail(response: ServerResponse, error: unknown): void {
  response.writeHead(500).end(String(error));
}

async function servePost(response: ServerResponse, id: number): Promise<void> {
  let body: Buffer | undefined;
  try {
    // a key of the bytes cache: its local tier holds Buffers (a fill is shaped the same way)
    body = (await bytes.get(postKey(id))) as Buffer | undefined;
  } catch (error) {
    return fail(response, error);
  }
  sendJson(response, body);
}

async function servePostMarshal(response: ServerResponse, id: number): Promise<void> {
  let post: Post | undefined;
  try {
    post = await objects.get(postKey(id));
  } catch (error) {
    return fail(response, error);
  }
  sendJson(response, post === undefined ? undefined : JSON.stringify(post));
}

async function servePostRedis(response: ServerResponse, id: number): Promise<void> {
  let body: Buffer | null;
  try {
    body = await raw.getBuffer(rawPostKey(id));
  } catch (error) {
    return fail(response, error);
  }
  sendJson(response, body);
}

/** A post's bytes, made once: what `/static` sends for every id. */
const STATIC_BODY = Buffer.from(JSON.stringify(makePost(1, 0)));

function serveStatic(response: ServerResponse): void {
  sendJson(response, STATIC_BODY);
}

/** The three post endpoints and the ceiling, by path (the async ones handle their own errors). */
const ENDPOINTS: Record<
  string,
  ((response: ServerResponse, id: number) => void | Promise<void>) | undefined
> = {
  '/post': servePost,
  '/post-marshal': servePostMarshal,
  '/post-redis': servePostRedis,
  '/static': serveStatic,
};
let postRequests = 0;
const server = createServer((request, response) => {
  const url = request.url ?? '';
  const query = url.indexOf('?id=');
  const path = query === -1 ? url : url.slice(0, query);
  const serve = ENDPOINTS[path];
  if (serve !== undefined) {
    postRequests++;
    serve(response, Number(url.slice(query + 4)));
  } else if (path === '/cpu') {
    const { user, system } = process.cpuUsage();
    response.writeHead(200, json).end(JSON.stringify({ cpuMicros: user + system, requests: postRequests }));
  } else if (path === '/stats') {
    const stats = (cache: typeof objects | typeof bytes) => {
      const { localHits, remoteHits, remoteMisses, readErrors, circuitOpens } = cache.stats();
      return { localHits, remoteHits, remoteMisses, readErrors, circuitOpens };
    };
    response.writeHead(200, json).end(JSON.stringify({ objects: stats(objects), bytes: stats(bytes) }));
  } else if (path === '/propagation') {
    response.writeHead(200, json).end(JSON.stringify(delays));
  } else response.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('ready'));

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  Promise.all([objects.close(), bytes.close()]).finally(() => raw.disconnect());
});
