import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import type { ClientLike } from '../src/connection.js';
import { createOwningStore, type IoredisStore, type IoredisStoreOptions } from '../src/store.js';
import { IoredisSynchronizer, type IoredisSynchronizerOptions } from '../src/synchronizer.js';

/** The ioredis majors under test: `ioredis` (6) and the `ioredis5` alias. */
export const MAJORS = [6, 5] as const;
export type Major = (typeof MAJORS)[number];

/** Connection settings the adapter would use for a connection it owns (bounded, no offline queue). */
const BOUNDED = {
  commandTimeout: 1000,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
};

/** A standalone (or Sentinel) client of the given major. */
export function redisClient(major: Major, options: Record<string, unknown>): ClientLike {
  const settings = { ...BOUNDED, ...options };
  return (major === 6 ? new Redis6(settings) : new Redis5(settings)) as unknown as ClientLike;
}

/** A Cluster client of the given major. */
export function clusterClient(major: Major, nodes: Array<{ host: string; port: number }>): ClientLike {
  const settings = {
    enableOfflineQueue: false,
    redisOptions: { commandTimeout: 1000, maxRetriesPerRequest: 1 },
  };
  return (major === 6
    ? new Cluster6(nodes, settings)
    : new Cluster5(nodes, settings)) as unknown as ClientLike;
}

/** A store that owns `client` (so the conformance suites' `close()` releases it). */
export function owningStore(client: ClientLike, options: IoredisStoreOptions = {}): IoredisStore {
  return createOwningStore(client, options);
}

/** A synchronizer that owns `client`. */
export function owningSynchronizer(
  client: ClientLike,
  options: IoredisSynchronizerOptions = {},
): IoredisSynchronizer {
  return new IoredisSynchronizer(client, true, options);
}

/**
 * Polls `check` every 10 ms until it is true, failing after `timeoutMs`. A check that throws counts
 * as "not yet" (servers refuse or drop connections during failovers); the last error is reported
 * if the deadline passes.
 */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out waiting for: ${what}${cause}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The store suite's `breakKey`: puts a list under the key (through a client from `open`, once
 * ready), which every write script of the store fails on with WRONGTYPE.
 */
export function listUnderKey(open: () => ClientLike): (key: string) => Promise<void> {
  return async (key) => {
    const client = open();
    try {
      if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
      await (client.rpush as (key: string, value: string) => Promise<unknown>).call(client, key, 'not ours');
    } finally {
      client.disconnect();
    }
  };
}
