import type { Store, StoreBatchResult } from '@synced-cache/core';
import { expect } from 'vitest';
import { bytesEqual } from './random.js';
import type { StoreCheck } from './store-check.js';

const encoder = new TextEncoder();
const text = (value: string): Uint8Array => encoder.encode(value);

/** The versions of a batch that must have fully succeeded. */
function versionsOf(results: readonly StoreBatchResult[], what: string, count: number): number[] {
  expect(results, `${what} answers one result per key`).toHaveLength(count);
  return results.map((result, index) => {
    expect(
      result.status,
      `${what}: key ${index} ${result.status === 'rejected' ? String(result.reason) : ''}`,
    ).toBe('fulfilled');
    const version = (result as PromiseFulfilledResult<number>).value;
    expect(Number.isSafeInteger(version) && version > 0, `${what}: key ${index} has a positive version`).toBe(
      true,
    );
    return version;
  });
}

/** True when the store implements the batch writes (the checks below are skipped otherwise). */
function batches(store: Store): boolean {
  const hasSet = typeof store.setMany === 'function';
  const hasDelete = typeof store.deleteMany === 'function';
  expect(hasSet, 'a store with setMany also has deleteMany (and the reverse)').toBe(hasDelete);
  return hasSet;
}

/**
 * @internal The batch behaviours of `describeStore` (`setMany` / `deleteMany`; a store without them
 * passes trivially): a batch writes and reports exactly what single calls would.
 */
export const storeBatchChecks: StoreCheck[] = [
  {
    name: 'setMany writes every entry (payload, ttl) and reports per key, in order, the version get reports',
    async run({ store, prefix }) {
      if (!batches(store)) return;
      const writes = Array.from({ length: 40 }, (_, index) => ({
        key: `${prefix}k${index}`,
        payload: text(`value ${index}`),
        options: index % 2 === 0 ? { ttlMs: 60_000 } : undefined,
      }));
      const versions = versionsOf(await store.setMany!(writes), 'setMany', writes.length);
      // Versions order writes per key (the contract); across keys they may repeat (a Cluster has
      // one clock per master).
      const entries = await store.getMany(writes.map((write) => write.key));
      for (const [index, write] of writes.entries()) {
        const entry = entries[index];
        expect(entry?.version, `${write.key}: the version setMany reported`).toBe(versions[index]);
        expect(bytesEqual(entry!.payload, write.payload), `${write.key}: exactly the bytes set`).toBe(true);
        if (write.options === undefined) expect(entry!.ttlMs ?? 0).toBe(0);
        else expect(entry!.ttlMs).toBeGreaterThan(0);
      }
    },
  },
  {
    name: 'versions of set, setMany and deleteMany form one increasing sequence per key (a key given twice too)',
    async run({ store, prefix }) {
      if (!batches(store)) return;
      const key = `${prefix}k`;
      const other = `${prefix}other`;
      const first = await store.set(key, text('one'));
      const [second, third] = versionsOf(
        await store.setMany!([
          { key, payload: text('two') },
          { key, payload: text('three') },
          { key: other, payload: text('x') },
        ]),
        'setMany',
        3,
      );
      expect(second).toBeGreaterThan(first);
      expect(third, 'the later write of a key in one batch gets the higher version').toBeGreaterThan(second!);
      expect((await store.get(key))?.version, 'the last write of the batch wins').toBe(third);
      const [deleted] = versionsOf(await store.deleteMany!([key, other]), 'deleteMany', 2);
      expect(deleted).toBeGreaterThan(third!);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.set(key, text('four'))).toBeGreaterThan(deleted!);
    },
  },
  {
    name: 'deleteMany removes every key and reports versions above their last writes, for never-set keys too',
    async run({ store, prefix }) {
      if (!batches(store)) return;
      const keys = Array.from({ length: 30 }, (_, index) => `${prefix}k${index}`);
      const set = await Promise.all(keys.slice(0, 20).map((key) => store.set(key, text(key))));
      const versions = versionsOf(await store.deleteMany!(keys), 'deleteMany', keys.length);
      for (let index = 0; index < 20; index++) expect(versions[index]).toBeGreaterThan(set[index]!);
      expect((await store.getMany(keys)).every((entry) => entry === undefined)).toBe(true);
      expect(await store.size(prefix)).toBe(0);
      const again = await Promise.all(keys.map((key) => store.set(key, text('again'))));
      for (const [index, version] of again.entries()) expect(version).toBeGreaterThan(versions[index]!);
    },
  },
  {
    name: 'an empty batch resolves to no results',
    async run({ store }) {
      if (!batches(store)) return;
      expect(await store.setMany!([])).toEqual([]);
      expect(await store.deleteMany!([])).toEqual([]);
    },
  },
];

/**
 * @internal The batch check that needs a key the backend's writes fail on (see
 * `StoreSuiteOptions.breakKey`).
 */
export function batchFailureCheck(breakKey: (key: string) => Promise<void>): StoreCheck {
  return {
    name: 'a failure in one key of setMany / deleteMany is reported for that key alone, as a single call would fail',
    async run({ store, prefix }) {
      if (!batches(store)) return;
      const broken = `${prefix}broken`;
      await breakKey(broken);
      await expect(store.set(broken, text('x')), 'a single set of the broken key fails').rejects.toThrow();
      const keys = [`${prefix}a`, broken, `${prefix}b`];
      const results = await store.setMany!(keys.map((key) => ({ key, payload: text(key) })));
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
      expect((await store.get(keys[0]!))?.version).toBe((results[0] as PromiseFulfilledResult<number>).value);
      expect((await store.get(keys[2]!))?.version).toBe((results[2] as PromiseFulfilledResult<number>).value);
      const deletes = await store.deleteMany!(keys);
      expect(deletes.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store.get(keys[0]!)).toBeUndefined();
    },
  };
}
