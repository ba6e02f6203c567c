import type { Action, Store, StorePublication, Synchronizer } from '@synced-cache/core';
import { completePublication, encodeEvent, isBatchFrame, splitBatch } from '@synced-cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesEqual, randomId } from './random.js';
import { waitForSync } from './wait-for-sync.js';

/** A store and a synchronizer that its `setAndPublish` / `deleteAndPublish` publish to. */
export interface PublishingPair {
  store: Store;
  synchronizer: Synchronizer;
}

/** @internal What a publication check receives. */
export interface PublicationCheckContext extends PublishingPair {
  /** A random prefix that no other test uses. Every key starts with it. */
  prefix: string;
  /** A fresh channel subscribed on the pair's synchronizer; `messages` collects what arrives. */
  channel: string;
  messages: Uint8Array[];
}

/** @internal One behaviour of the publication suite. */
export interface PublicationCheck {
  name: string;
  run(context: PublicationCheckContext): Promise<void>;
}

const encoder = new TextEncoder();

/** What core hands a store for one event: the envelope without its value, with version 0. */
export function publicationFor(
  channel: string,
  action: Action,
  key: string,
  options: { ttlMs?: number; payload?: Uint8Array; seq?: number } = {},
): StorePublication {
  const head = encodeEvent(
    {
      action,
      key,
      podId: 'publication-suite',
      epoch: 1,
      seq: options.seq ?? 1,
      version: 0,
      ttlMs: options.ttlMs ?? 0,
      ...(options.payload === undefined ? {} : { value: options.payload }),
    },
    {},
    true,
  );
  return { channel, head, appendPayload: options.payload !== undefined };
}

/**
 * The envelopes in `messages`, batch frames opened (a batch write may publish its events as one
 * frame, see core's `encodeBatch`), in order.
 */
function envelopesIn(messages: readonly Uint8Array[]): Uint8Array[] {
  return messages.flatMap((message) => (isBatchFrame(message) ? splitBatch(message) : [message]));
}

/** Waits until `count` events were published (batch frames opened) and returns them, in order. */
async function arrived(messages: Uint8Array[], count: number, what: string): Promise<Uint8Array[]> {
  await waitForSync(() => envelopesIn(messages).length >= count, {
    timeoutMs: 5000,
    message: `${what}: ${count} message(s) published (got ${envelopesIn(messages).length}; batch frames opened)`,
  });
  return envelopesIn(messages);
}

function expectMessage(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  expect(actual, `${what} was published`).toBeDefined();
  expect(actual!.length, `${what}: message length`).toBe(expected.length);
  expect(
    bytesEqual(actual!, expected),
    `${what}: the message is the head with the assigned version at bytes 4–11 (plus the payload when appended)`,
  ).toBe(true);
}

/** @internal The behaviours of {@link describeStorePublication}, callable one by one. */
export const publicationChecks: PublicationCheck[] = [
  {
    name: 'publishesTo(synchronizer) is true and both write methods exist',
    async run({ store, synchronizer }) {
      expect(typeof store.setAndPublish).toBe('function');
      expect(typeof store.deleteAndPublish).toBe('function');
      expect(store.publishesTo?.(synchronizer)).toBe(true);
    },
  },
  {
    name: 'setAndPublish writes like set (payload, version, ttl) and publishes the event with that version and the payload',
    async run({ store, prefix, channel, messages }) {
      const key = `${prefix}k`;
      const payload = encoder.encode('published value');
      const publication = publicationFor(channel, 'set', key, { ttlMs: 60_000, payload });
      const version = await store.setAndPublish!(key, payload, { ttlMs: 60_000 }, publication);
      expect(
        Number.isSafeInteger(version) && version > 0,
        `a positive safe-integer version, got ${version}`,
      ).toBe(true);
      const entry = await store.get(key);
      expect(entry?.version).toBe(version);
      expect(bytesEqual(entry!.payload, payload)).toBe(true);
      expect(entry!.ttlMs).toBeGreaterThan(0);
      expect(entry!.ttlMs).toBeLessThanOrEqual(60_000);
      await arrived(messages, 1, 'setAndPublish');
      expectMessage(messages[0], completePublication(publication, version, payload), 'the set event');
    },
  },
  {
    name: 'without appendPayload (an invalidate) the event carries no value bytes',
    async run({ store, prefix, channel, messages }) {
      const key = `${prefix}k`;
      const payload = encoder.encode('x'.repeat(1000));
      const publication = publicationFor(channel, 'invalidate', key);
      const version = await store.setAndPublish!(key, payload, undefined, publication);
      expect(bytesEqual((await store.get(key))!.payload, payload)).toBe(true);
      await arrived(messages, 1, 'setAndPublish (invalidate)');
      expectMessage(messages[0], completePublication(publication, version), 'the invalidate event');
    },
  },
  {
    name: 'deleteAndPublish deletes with a higher version and publishes the delete with it',
    async run({ store, prefix, channel, messages }) {
      const key = `${prefix}k`;
      const before = await store.set(key, encoder.encode('doomed'));
      const publication = publicationFor(channel, 'delete', key);
      const version = await store.deleteAndPublish!(key, publication);
      expect(version).toBeGreaterThan(before);
      expect(await store.get(key)).toBeUndefined();
      await arrived(messages, 1, 'deleteAndPublish');
      expectMessage(messages[0], completePublication(publication, version), 'the delete event');
      // A later write still gets a higher version.
      expect(await store.set(key, encoder.encode('again'))).toBeGreaterThan(version);
    },
  },
  {
    name: "setAndPublishMany / deleteAndPublishMany (when present) publish each write's event, in batch order, as the single calls would (batch frames opened)",
    async run({ store, prefix, channel, messages }) {
      if (store.setAndPublishMany === undefined && store.deleteAndPublishMany === undefined) return;
      expect(typeof store.setAndPublishMany, 'both batch methods or neither').toBe('function');
      expect(typeof store.deleteAndPublishMany, 'both batch methods or neither').toBe('function');
      const keys = Array.from({ length: 12 }, (_, index) => `${prefix}k${index}`);
      const payloads = keys.map((key) => encoder.encode(`value of ${key}`));
      const sets = keys.map((key, index) =>
        publicationFor(channel, 'set', key, { payload: payloads[index]!, seq: index + 1, ttlMs: 60_000 }),
      );
      const written = await store.setAndPublishMany!(
        keys.map((key, index) => ({ key, payload: payloads[index]!, options: { ttlMs: 60_000 } })),
        sets,
      );
      const versions = written.map((result) => {
        expect(result.status).toBe('fulfilled');
        return (result as PromiseFulfilledResult<number>).value;
      });
      for (const [index, key] of keys.entries()) {
        const entry = await store.get(key);
        expect(entry?.version).toBe(versions[index]);
        expect(bytesEqual(entry!.payload, payloads[index]!)).toBe(true);
      }
      const setEvents = await arrived(messages, keys.length, 'setAndPublishMany');
      for (let index = 0; index < keys.length; index++) {
        expectMessage(
          setEvents[index],
          completePublication(sets[index]!, versions[index]!, payloads[index]!),
          `set event ${index}`,
        );
      }
      const deletes = keys.map((key, index) => publicationFor(channel, 'delete', key, { seq: 100 + index }));
      const deleted = await store.deleteAndPublishMany!(keys, deletes);
      const events = await arrived(messages, 2 * keys.length, 'deleteAndPublishMany');
      for (let index = 0; index < keys.length; index++) {
        const result = deleted[index]!;
        expect(result.status).toBe('fulfilled');
        const version = (result as PromiseFulfilledResult<number>).value;
        expect(version).toBeGreaterThan(versions[index]!);
        expect(await store.get(keys[index]!)).toBeUndefined();
        expectMessage(
          events[keys.length + index],
          completePublication(deletes[index]!, version),
          `delete event ${index}`,
        );
      }
    },
  },
  {
    name: 'versions of set, setAndPublish and deleteAndPublish form one increasing sequence per key',
    async run({ store, prefix, channel }) {
      const key = `${prefix}k`;
      const payload = encoder.encode('v');
      const first = await store.set(key, payload);
      const second = await store.setAndPublish!(
        key,
        payload,
        undefined,
        publicationFor(channel, 'set', key, { payload }),
      );
      const third = await store.deleteAndPublish!(key, publicationFor(channel, 'delete', key));
      const fourth = await store.set(key, payload);
      expect([first, second, third, fourth]).toEqual([first, second, third, fourth].sort((a, b) => a - b));
      expect(new Set([first, second, third, fourth]).size).toBe(4);
    },
  },
  {
    name: 'events leave in write order: 30 concurrent writes to one key arrive once each, in increasing version order',
    async run({ store, prefix, channel, messages }) {
      const key = `${prefix}k`;
      const writes = Array.from({ length: 30 }, (_, index) => {
        const payload = encoder.encode(`value ${index}`);
        const publication =
          index % 5 === 4
            ? publicationFor(channel, 'delete', key, { seq: index + 1 })
            : publicationFor(channel, 'set', key, { seq: index + 1, payload });
        return { payload, publication, remove: index % 5 === 4 };
      });
      const versions = await Promise.all(
        writes.map(({ payload, publication, remove }) =>
          remove
            ? store.deleteAndPublish!(key, publication)
            : store.setAndPublish!(key, payload, undefined, publication),
        ),
      );
      await arrived(messages, writes.length, 'concurrent writes');
      const expected = writes.map(({ payload, publication, remove }, index) =>
        completePublication(publication, versions[index]!, remove ? undefined : payload),
      );
      const arrivalVersions = messages.map((message) => {
        const index = expected.findIndex((candidate) => bytesEqual(candidate, message));
        expect(index, 'every message is exactly one of the writes').toBeGreaterThanOrEqual(0);
        return versions[index]!;
      });
      expect(new Set(arrivalVersions).size, 'each write published once').toBe(writes.length);
      expect(arrivalVersions, 'messages arrive in the order of the versions the writes got').toEqual(
        [...arrivalVersions].sort((a, b) => a - b),
      );
    },
  },
];

/**
 * Registers the conformance suite for a store that publishes events itself
 * (`setAndPublish` / `deleteAndPublish` / `publishesTo`, see `Store`): `factory` returns a store
 * and a synchronizer it publishes to (for example the same Redis connection). Behaviours: the
 * write happens as with `set` / `delete`, the published message is byte for byte
 * `completePublication(publication, version, payload)`, versions form one sequence with plain
 * writes, and concurrent writes publish once each, in version order.
 *
 * @param name - shown in the test report
 * @param factory - opens a new pair on the shared backend
 * @example
 * ```ts
 * describeStorePublication('my store', async () => {
 *   const connection = await connect();
 *   return { store: myStore(connection), synchronizer: mySynchronizer(connection) };
 * });
 * ```
 */
export function describeStorePublication(
  name: string,
  factory: () => PublishingPair | Promise<PublishingPair>,
): void {
  describe(`Store publication conformance: ${name}`, () => {
    const opened: PublishingPair[] = [];
    afterEach(async () => {
      for (const pair of opened.splice(0)) {
        await pair.synchronizer.close();
        await pair.store.close();
      }
    });
    for (const check of publicationChecks) {
      it(check.name, async () => {
        const pair = await factory();
        opened.push(pair);
        const prefix = `t-${randomId()}:`;
        const channel = `publication-suite:${randomId()}`;
        const messages: Uint8Array[] = [];
        const subscription = await pair.synchronizer.subscribe(
          channel,
          (message) => {
            messages.push(new Uint8Array(message));
          },
          () => undefined,
        );
        try {
          await check.run({ ...pair, prefix, channel, messages });
        } finally {
          await subscription.unsubscribe();
          await pair.store.clear(prefix);
        }
      });
    }
  });
}
