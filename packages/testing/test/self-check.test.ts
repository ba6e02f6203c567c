import type { LocalCache, Marshaller, Store, Synchronizer } from '@synced-cache/core';
import {
  createCache,
  jsonMarshaller,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  SieveCache,
  type SyncedCache,
} from '@synced-cache/core';
import { chaosSynchronizer } from '@synced-cache/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type LocalCacheCheck,
  type LocalCacheSuiteOptions,
  localCacheChecks,
  resolveLocalCacheSuiteOptions,
} from '../src/local-cache-suite.js';
import { type MarshallerCheck, marshallerChecks } from '../src/marshaller-suite.js';
import { randomId } from '../src/random.js';
import {
  type PublicationCheck,
  type PublishingPair,
  publicationChecks,
} from '../src/store-publication-suite.js';
import { type StoreCheck, storeChecks } from '../src/store-suite.js';
import { syncedCacheChecks } from '../src/synced-cache-suite.js';
import { type SynchronizerCheck, synchronizerChecks } from '../src/synchronizer-suite.js';
import {
  BrokenLocalCache,
  BrokenStore,
  EagerSubscribeSynchronizer,
  leakyJsonMarshaller,
} from './fixtures/broken.js';
import { publishingPair } from './fixtures/publishing.js';

// Each suite must FAIL on an implementation with a classic bug, and pass on core's correct one
// (the control), so a green conformance run means something.

function find<T extends { name: string }>(checks: T[], fragment: string): T {
  const check = checks.find((candidate) => candidate.name.includes(fragment));
  if (check === undefined) throw new Error(`no check named like "${fragment}"`);
  return check;
}

async function runStoreCheck(check: StoreCheck, store: Store): Promise<void> {
  await check.run({ store, prefix: `t-${randomId()}:`, open: async () => store });
}

function runLocalCacheCheck(
  check: LocalCacheCheck,
  create: (maxSize: number) => LocalCache<unknown>,
  options: LocalCacheSuiteOptions = {},
) {
  return check.run({
    create: (config) => create(config.maxSize),
    options: resolveLocalCacheSuiteOptions(options),
  });
}

function runMarshallerCheck(
  check: MarshallerCheck,
  marshaller: Marshaller<unknown>,
  typeFaithful = false,
): void {
  check.run({ create: () => marshaller, typeFaithful });
}

async function runSynchronizerCheck(check: SynchronizerCheck, open: () => Synchronizer): Promise<void> {
  const opened: Synchronizer[] = [];
  try {
    await check.run({
      open: async () => {
        const synchronizer = open();
        opened.push(synchronizer);
        return synchronizer;
      },
      channel: (suffix) => `self-check-${randomId()}${suffix ?? ''}`,
      timeoutMs: 500,
    });
  } finally {
    for (const synchronizer of opened) await synchronizer.close();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('describeStore catches broken stores', () => {
  const versions = find(storeChecks, 'versions strictly increase per key');

  it('fails a store whose versions reset after delete', async () => {
    await expect(runStoreCheck(versions, new BrokenStore('versions-reset-after-delete'))).rejects.toThrow(
      /set after delete must return a version above delete's/,
    );
  });

  it('passes the same version check on MemoryStore (control)', async () => {
    await runStoreCheck(versions, new MemoryStore());
  });

  it('fails a store that reads the clear prefix as a glob pattern', async () => {
    const glob = find(storeChecks, 'glob-looking prefix');
    await expect(runStoreCheck(glob, new BrokenStore('glob-prefix'))).rejects.toThrow();
    await runStoreCheck(glob, new MemoryStore());
  });

  it('fails a store whose size counts deleted keys (version tombstones)', async () => {
    const sizeAfterDelete = find(storeChecks, 'delete removes the key and size no longer counts it');
    await expect(runStoreCheck(sizeAfterDelete, new BrokenStore('size-counts-tombstones'))).rejects.toThrow(
      /not counted/,
    );
    await runStoreCheck(sizeAfterDelete, new MemoryStore());
  });

  it('passes the correct BrokenStore variants on the checks their bug does not touch', async () => {
    // Proves the fixtures are otherwise sound, so each failure above is caused by its one bug.
    await runStoreCheck(versions, new BrokenStore('glob-prefix'));
    await runStoreCheck(
      find(storeChecks, 'getMany returns one slot'),
      new BrokenStore('versions-reset-after-delete'),
    );
  });
});

describe('describeLocalCache catches broken caches', () => {
  it("fails a plain-object cache on '__proto__' keys", () => {
    const hostile = find(localCacheChecks, "keys like '__proto__'");
    expect(() =>
      runLocalCacheCheck(hostile, (maxSize) => new BrokenLocalCache('plain-object', maxSize)),
    ).toThrow(/__proto__/);
    runLocalCacheCheck(hostile, (maxSize) => new SieveCache({ maxSize }));
  });

  it('fails a cache that ignores maxSize', () => {
    const bounded = find(localCacheChecks, 'never holds more than maxSize');
    expect(() =>
      runLocalCacheCheck(bounded, (maxSize) => new BrokenLocalCache('unbounded', maxSize)),
    ).toThrow();
    runLocalCacheCheck(bounded, (maxSize) => new BrokenLocalCache('timer-ttl', maxSize));
  });

  it('fails a cache whose per-entry setTimeout overflows on TTLs beyond 2^31 ms', async () => {
    const longTtl = find(localCacheChecks, 'beyond 2^31');
    await expect(
      (async () => runLocalCacheCheck(longTtl, (maxSize) => new BrokenLocalCache('timer-ttl', maxSize)))(),
    ).rejects.toThrow(/overflow/);
    await runLocalCacheCheck(longTtl, (maxSize) => new SieveCache({ maxSize }));
  });

  it('fails a cache whose long TTL overflows also with real timers', async () => {
    const longTtl = find(localCacheChecks, 'beyond 2^31');
    const real = { timers: 'real' } as const;
    await expect(
      (async () =>
        runLocalCacheCheck(longTtl, (maxSize) => new BrokenLocalCache('timer-ttl', maxSize), real))(),
    ).rejects.toThrow();
    await runLocalCacheCheck(longTtl, (maxSize) => new SieveCache({ maxSize }), real);
    await runLocalCacheCheck(
      find(localCacheChecks, 'expires after its ttlMs'),
      (maxSize) => new SieveCache({ maxSize }),
      real,
    );
  });

  it("fails a non-LRU cache (SIEVE) under policy 'lru'", async () => {
    const lru = { policy: 'lru' } as const;
    expect(() =>
      runLocalCacheCheck(
        find(localCacheChecks, 'exact LRU order'),
        (maxSize) => new SieveCache({ maxSize }),
        lru,
      ),
    ).toThrow(/least recently used/);
    expect(() =>
      runLocalCacheCheck(
        find(localCacheChecks, 'reference model'),
        (maxSize) => new SieveCache({ maxSize }),
        lru,
      ),
    ).toThrow();
  });

  it('fails a cache that drifts from the reference model', () => {
    const model = find(localCacheChecks, 'reference model');
    expect(() =>
      runLocalCacheCheck(model, (maxSize) => new BrokenLocalCache('unbounded', maxSize)),
    ).toThrow();
  });
});

describe('describeMarshaller catches broken marshallers', () => {
  it('fails a marshaller whose decode throws SyntaxError instead of SerializationError', () => {
    const garbage = find(marshallerChecks, 'decoding empty, truncated');
    expect(() => runMarshallerCheck(garbage, leakyJsonMarshaller)).toThrow(/SerializationError/);
    runMarshallerCheck(garbage, jsonMarshaller);
  });

  it('fails a plain JSON marshaller when it claims to be type-faithful (Dates come back as strings)', () => {
    const exact = find(marshallerChecks, 'round-trip with exact types');
    expect(() => runMarshallerCheck(exact, jsonMarshaller, true)).toThrow(/Date/);
    const random = find(marshallerChecks, 'random values of the rich types');
    expect(() => runMarshallerCheck(random, jsonMarshaller, true)).toThrow();
  });
});

describe('describeSynchronizer catches broken synchronizers', () => {
  it('fails a synchronizer whose subscribe resolves before it is confirmed', async () => {
    const confirmed = find(synchronizerChecks, 'subscribe resolves only once confirmed');
    const bus = new MemoryBus();
    await expect(
      runSynchronizerCheck(confirmed, () => new EagerSubscribeSynchronizer(new MemorySynchronizer({ bus }))),
    ).rejects.toThrow(/timed out/);
    const controlBus = new MemoryBus();
    await runSynchronizerCheck(confirmed, () => new MemorySynchronizer({ bus: controlBus }));
  });

  it('fails a synchronizer that reorders messages', async () => {
    const order = find(synchronizerChecks, '200 awaited publishes');
    const bus = new MemoryBus();
    let seed = 0;
    await expect(
      runSynchronizerCheck(order, () =>
        chaosSynchronizer(new MemorySynchronizer({ bus }), { seed: ++seed, reorder: 0.3 }),
      ),
    ).rejects.toThrow();
  });
});

describe('describeSyncedCache catches broken setups', () => {
  it('fails pods whose bus drops every event', async () => {
    const propagation = find(syncedCacheChecks, "into the other pods' local tier");
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const pods: Array<SyncedCache<unknown>> = [];
    try {
      for (let i = 0; i < 3; i++) {
        pods.push(
          await createCache({
            store,
            synchronizer: chaosSynchronizer(new MemorySynchronizer({ bus }), { drop: 1 }),
            namespace: 'self-check',
            podId: `pod-${i}`,
          }),
        );
      }
      await expect(
        propagation.run({ pods, namespace: 'self-check', addPod: async () => pods[0]!, timeoutMs: 300 }),
      ).rejects.toThrow(/timed out/);
    } finally {
      await Promise.all(pods.map((pod) => pod.close()));
    }
  });
});

describe('describeStorePublication catches broken publishing stores', () => {
  async function runPublicationCheck(check: PublicationCheck, pair: PublishingPair): Promise<void> {
    const channel = `self-check-${randomId()}`;
    const messages: Uint8Array[] = [];
    const subscription = await pair.synchronizer.subscribe(
      channel,
      (message) => messages.push(message),
      () => undefined,
    );
    try {
      await check.run({ ...pair, prefix: `t-${randomId()}:`, channel, messages });
    } finally {
      await subscription.unsubscribe();
      await pair.synchronizer.close();
    }
  }
  const setEvent = find(publicationChecks, 'setAndPublish writes like set');
  const deleteEvent = find(publicationChecks, 'deleteAndPublish deletes');
  const order = find(publicationChecks, 'events leave in write order');

  it('fails a store that publishes version 0 instead of the version it assigned', async () => {
    await expect(
      runPublicationCheck(setEvent, publishingPair(new MemoryBus(), undefined, 'version-zero')),
    ).rejects.toThrow(/the assigned version at bytes 4–11/);
  });

  it('fails a store whose delete publishes nothing', async () => {
    await expect(
      runPublicationCheck(deleteEvent, publishingPair(new MemoryBus(), undefined, 'drops-deletes')),
    ).rejects.toThrow(/deleteAndPublish: 1 message/);
  }, 10_000);

  it('fails a store whose events overtake each other', async () => {
    await expect(
      runPublicationCheck(order, publishingPair(new MemoryBus(), undefined, 'reorders')),
    ).rejects.toThrow(/in the order of the versions/);
  });

  it('passes the same checks on the reference publishing store (control)', async () => {
    for (const check of [setEvent, deleteEvent, order])
      await runPublicationCheck(check, publishingPair(new MemoryBus()));
  });
});
