import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SyncedCache } from '@synced-cache/core';

/** A product as the API stores it. */
export interface Product {
  id: string;
  name: string;
  price: number;
}

/** What the HTTP layer needs to know about the replica. */
export interface ReplicaState {
  podName: string;
  /** False before the cache is up, while the bus is down, and while draining. */
  ready(): boolean;
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readProduct(request: IncomingMessage, id: string): Promise<Product | undefined> {
  let text = '';
  for await (const chunk of request) text += chunk;
  try {
    const body = JSON.parse(text) as Partial<Product>;
    if (typeof body.name !== 'string' || typeof body.price !== 'number') return undefined;
    return { id, name: body.name, price: body.price };
  } catch {
    return undefined;
  }
}

async function route(
  cache: SyncedCache<Product>,
  state: ReplicaState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  response.setHeader('x-pod', state.podName);
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return send(response, 200, { status: 'ok', pod: state.podName });
  if (url.pathname === '/readyz') {
    return state.ready()
      ? send(response, 200, { status: 'ready' })
      : send(response, 503, { status: 'not ready' });
  }
  if (url.pathname === '/stats') return send(response, 200, { pod: state.podName, ...cache.stats() });
  const id = /^\/products\/([\w-]+)$/.exec(url.pathname)?.[1];
  if (id === undefined) return send(response, 404, { error: 'not found' });
  if (request.method === 'GET') {
    const product = await cache.get(id);
    return product === undefined
      ? send(response, 404, { error: 'no such product' })
      : send(response, 200, product);
  }
  if (request.method === 'PUT') {
    const product = await readProduct(request, id);
    if (product === undefined)
      return send(response, 400, { error: 'body must be {"name": string, "price": number}' });
    await cache.set(id, product);
    return send(response, 200, product);
  }
  if (request.method === 'DELETE') {
    await cache.delete(id);
    return send(response, 204);
  }
  return send(response, 405, { error: 'method not allowed' });
}

/** The replica's HTTP API: products (GET/PUT/DELETE), `/stats`, `/healthz`, `/readyz`. */
export function createProductServer(cache: SyncedCache<Product>, state: ReplicaState): Server {
  return createServer((request, response) => {
    route(cache, state, request, response).catch((error: unknown) => {
      // a store that is down: writes reject with a typed error; the client may retry
      send(response, 503, { error: String(error) });
    });
  });
}
