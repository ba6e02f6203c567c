import type { Store, StoreEntry } from '@synced-cache/core';
import { CONTRACT_VERSION } from '@synced-cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { allByteValues, bytesEqual, randomId, seededBytes } from './random.js';
import { batchFailureCheck, storeBatchChecks } from './store-batch-suite.js';
import type { StoreCheck } from './store-check.js';
import { waitForSync } from './wait-for-sync.js';

export type { StoreCheck, StoreCheckContext } from './store-check.js';

/** Options of {@link describeStore}. */
export interface StoreSuiteOptions {
  /**
   * Runs after every test with an open store on the backend (for example to remove keys a backend
   * keeps outside the test prefix). The suite itself already clears the test prefix.
   */
  cleanup?: (store: Store) => Promise<void>;
  /**
   * Puts something under `key` on the backend that the store's writes of `key` fail on (for
   * Redis: a list). Given, the suite also checks that a failure in one key of a batch write
   * (`setMany` / `deleteMany`) is reported for that key alone.
   */
  breakKey?: (key: string) => Promise<void>;
}

const encoder = new TextEncoder();
const text = (value: string): Uint8Array => encoder.encode(value);

function expectVersion(version: unknown, what: string): asserts version is number {
  expect(
    Number.isSafeInteger(version),
    `${what} returns a safe integer version, got ${String(version)}`,
  ).toBe(true);
  expect(version as number, `${what} returns a positive version`).toBeGreaterThan(0);
}

function expectPayload(entry: StoreEntry | undefined, expected: Uint8Array, what: string): void {
  expect(entry, `${what} is present`).toBeDefined();
  expect(entry!.payload, `${what} payload is a Uint8Array`).toBeInstanceOf(Uint8Array);
  expect(entry!.payload.length, `${what} payload length`).toBe(expected.length);
  expect(bytesEqual(entry!.payload, expected), `${what} payload bytes are exactly the bytes set`).toBe(true);
}

/** Clears `prefix` and returns the newest number of the log at `key` afterwards. */
async function clearedAround(store: Store, prefix: string, key: string): Promise<number> {
  await store.set(`${prefix}k`, text('v'));
  await store.clear(prefix);
  return (await store.readLog!(key, 0, 1)).last;
}

/** Keys that break naive stores: glob characters, whitespace, prototype names, long and non-ASCII. */
export const HOSTILE_STORE_KEYS: readonly string[] = [
  'with spaces',
  'new\nline\r\nand\ttab',
  '*',
  '?',
  '[abc]',
  '{a,b}',
  '*?[]{}\\^$.|+()',
  'x'.repeat(10_000),
  'ключ-鍵-🔑-é',
  '__proto__',
  'constructor',
  'toString',
  '',
  '\u0000nul',
];

/** @internal The behaviours of {@link describeStore}, callable one by one (e.g. on a broken store). */
export const storeChecks: StoreCheck[] = [
  {
    name: 'get of a missing key resolves undefined',
    async run({ store, prefix }) {
      expect(await store.get(`${prefix}missing`)).toBeUndefined();
    },
  },
  {
    name: 'set resolves a positive safe-integer version that get reports with the payload',
    async run({ store, prefix }) {
      const version = await store.set(`${prefix}k`, text('hello'));
      expectVersion(version, 'set');
      const entry = await store.get(`${prefix}k`);
      expectPayload(entry, text('hello'), 'get');
      expect(entry!.version).toBe(version);
      expect(entry!.ttlMs, 'a key set without ttlMs has no ttl').toBeUndefined();
    },
  },
  {
    name: 'payload bytes round-trip exactly (binary, empty, 1 MB, views with an offset)',
    async run({ store, prefix }) {
      const cases: Array<[string, Uint8Array]> = [
        ['all byte values', allByteValues()],
        ['empty', new Uint8Array(0)],
        ['1 MB random', seededBytes(1024 * 1024, 7)],
        ['invalid UTF-8', new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80])],
        ['a view with a byteOffset', new Uint8Array(allByteValues().buffer, 100, 20)],
        ['a Buffer', Buffer.from('buffer payload')],
      ];
      for (const [what, payload] of cases) {
        const expected = payload.slice();
        await store.set(`${prefix}${what}`, payload);
        expectPayload(await store.get(`${prefix}${what}`), expected, what);
      }
    },
  },
  {
    name: 'the store keeps its own copy of the bytes',
    async run({ store, prefix }) {
      const payload = text('original');
      await store.set(`${prefix}k`, payload);
      payload.fill(0);
      const first = await store.get(`${prefix}k`);
      expectPayload(first, text('original'), 'after mutating the input');
      first!.payload.fill(1);
      expectPayload(await store.get(`${prefix}k`), text('original'), 'after mutating a returned payload');
    },
  },
  {
    name: 'versions strictly increase per key across set → set → delete → set → clear → set (clear: ≥ all it removed)',
    async run({ store, prefix }) {
      const key = `${prefix}k`;
      const steps: Array<[string, number]> = [];
      // `clear` may return exactly the highest version it removed (the contract says "at least as
      // high"); every other step, and the first write after a clear, must be strictly higher.
      const record = (what: string, version: number, orEqual = false): void => {
        expectVersion(version, what);
        const previous = steps[steps.length - 1];
        if (previous !== undefined) {
          const history = steps.map(([w, v]) => `${w}=${v}`).join(', ');
          const message = `${what} must return a version ${orEqual ? 'at least' : 'above'} ${previous[0]}'s (history: ${history})`;
          if (orEqual) expect(version, message).toBeGreaterThanOrEqual(previous[1]);
          else expect(version, message).toBeGreaterThan(previous[1]);
        }
        steps.push([what, version]);
      };
      record('set #1', await store.set(key, text('1')));
      record('set #2', await store.set(key, text('2')));
      record('delete', await store.delete(key));
      expect(await store.get(key)).toBeUndefined();
      record('set after delete', await store.set(key, text('3')));
      record('clear', await store.clear(prefix), true);
      expect(await store.get(key)).toBeUndefined();
      record('set after clear', await store.set(key, text('4')));
      record('delete again', await store.delete(key));
      record('delete of the deleted key', await store.delete(key));
      record('final set', await store.set(key, text('5')));
      const entry = await store.get(key);
      expect(entry!.version).toBe(steps[steps.length - 1]![1]);
    },
  },
  {
    name: 'delete of a never-set key returns a version that later sets exceed',
    async run({ store, prefix }) {
      const key = `${prefix}never`;
      const deleted = await store.delete(key);
      expectVersion(deleted, 'delete');
      expect(await store.get(key)).toBeUndefined();
      expect(await store.set(key, text('v'))).toBeGreaterThan(deleted);
    },
  },
  {
    name: 'versions keep increasing after a key expires',
    async run({ store, prefix }) {
      const key = `${prefix}expiring`;
      const before = await store.set(key, text('short'), { ttlMs: 40 });
      await waitForSync(async () => (await store.get(key)) === undefined, {
        timeoutMs: 5000,
        message: 'the 40 ms key expires',
      });
      expect(
        await store.set(key, text('again')),
        'a version must never go backwards, even after expiry',
      ).toBeGreaterThan(before);
    },
  },
  {
    name: 'versions and data survive a new connection (a pod restart)',
    async run({ store, prefix, open }) {
      const key = `${prefix}k`;
      await store.set(key, text('a'));
      const last = await store.delete(key);
      const kept = await store.set(`${prefix}kept`, text('kept'));
      await store.close();
      const reopened = await open();
      expectPayload(await reopened.get(`${prefix}kept`), text('kept'), 'a key written before the restart');
      expect((await reopened.get(`${prefix}kept`))!.version).toBe(kept);
      expect(await reopened.set(key, text('b'))).toBeGreaterThan(last);
    },
  },
  {
    name: 'delete removes the key and size no longer counts it',
    async run({ store, prefix }) {
      await store.set(`${prefix}a`, text('a'));
      await store.set(`${prefix}b`, text('b'));
      expect(await store.size(prefix)).toBe(2);
      expectVersion(await store.delete(`${prefix}a`), 'delete');
      expect(await store.get(`${prefix}a`)).toBeUndefined();
      expect(await store.getMany([`${prefix}a`, `${prefix}b`])).toEqual([undefined, expect.anything()]);
      expect(await store.size(prefix), 'a deleted key (or its version record) is not counted').toBe(1);
    },
  },
  {
    name: 'clear(prefix) returns a version ≥ every version it removed and later sets exceed their old versions',
    async run({ store, prefix }) {
      const versions = new Map<string, number>();
      for (let i = 0; i < 20; i++)
        versions.set(`${prefix}k${i}`, await store.set(`${prefix}k${i}`, text(`${i}`)));
      // Bump one key several times so per-key counters differ.
      for (let i = 0; i < 5; i++) versions.set(`${prefix}k3`, await store.set(`${prefix}k3`, text('bumped')));
      const cleared = await store.clear(prefix);
      expectVersion(cleared, 'clear');
      expect(cleared).toBeGreaterThanOrEqual(Math.max(...versions.values()));
      expect(await store.size(prefix)).toBe(0);
      for (const [key, old] of versions) {
        expect(await store.get(key)).toBeUndefined();
        expect(await store.set(key, text('after')), `set of ${key} after clear`).toBeGreaterThan(old);
      }
    },
  },
  {
    name: 'clear of a prefix with no keys returns a version and removes nothing else',
    async run({ store, prefix }) {
      await store.set(`${prefix}keep`, text('keep'));
      const version = await store.clear(`${prefix}empty:`);
      expect(Number.isSafeInteger(version) && version >= 0, `clear returns a version, got ${version}`).toBe(
        true,
      );
      expectPayload(await store.get(`${prefix}keep`), text('keep'), 'the key outside the cleared prefix');
    },
  },
  {
    name: "clear and size treat the prefix literally ('ns:' vs 'ns:x' vs 'nsx:')",
    async run({ store, prefix }) {
      const keys = {
        ns: `${prefix}ns:a`,
        nsx: `${prefix}ns:xa`,
        nsxColon: `${prefix}nsx:a`,
        shorter: `${prefix}n`,
        exact: `${prefix}ns:`,
      };
      for (const key of Object.values(keys)) await store.set(key, text(key));
      expect(await store.size(`${prefix}ns:x`)).toBe(1);
      expect(await store.size(`${prefix}ns:`)).toBe(3);
      expect(await store.size(`${prefix}ns`)).toBe(4);
      await store.clear(`${prefix}ns:x`);
      expect(await store.get(keys.nsx)).toBeUndefined();
      for (const key of [keys.ns, keys.nsxColon, keys.shorter, keys.exact]) {
        expectPayload(await store.get(key), text(key), `${key} survives clear('ns:x')`);
      }
      await store.clear(`${prefix}ns:`);
      expect(await store.get(keys.ns)).toBeUndefined();
      expect(await store.get(keys.exact), 'a key equal to the prefix is cleared').toBeUndefined();
      expectPayload(await store.get(keys.nsxColon), text(keys.nsxColon), "nsx:a survives clear('ns:')");
      expectPayload(await store.get(keys.shorter), text(keys.shorter), "n survives clear('ns:')");
      expect(await store.size(prefix)).toBe(2);
    },
  },
  {
    name: 'a glob-looking prefix like `a*[b]?\\x:` matches only itself, never as a pattern',
    async run({ store, prefix }) {
      const glob = `${prefix}a*[b]?\\x:`;
      const own = [`${glob}1`, `${glob}2`];
      // Each decoy matches `${glob}*` when read as a Redis/shell glob pattern.
      const decoys = [`${prefix}aZZb1x:k`, `${prefix}ab?x:k`, `${prefix}a*b!x:k`, `${prefix}a*[b]?x:k`];
      for (const key of [...own, ...decoys]) await store.set(key, text(key));
      expect(await store.size(glob)).toBe(2);
      await store.clear(glob);
      for (const key of own) expect(await store.get(key)).toBeUndefined();
      for (const key of decoys) expectPayload(await store.get(key), text(key), `decoy ${key}`);
      expect(await store.size(prefix)).toBe(decoys.length);
    },
  },
  {
    name: 'size(prefix) counts only live keys of that prefix',
    async run({ store, prefix }) {
      expect(await store.size(prefix)).toBe(0);
      for (let i = 0; i < 25; i++) await store.set(`${prefix}a:${i}`, text(`${i}`));
      for (let i = 0; i < 5; i++) await store.set(`${prefix}b:${i}`, text(`${i}`));
      await store.set(`${prefix}a:0`, text('overwrite'));
      expect(await store.size(`${prefix}a:`)).toBe(25);
      expect(await store.size(`${prefix}b:`)).toBe(5);
      expect(await store.size(prefix)).toBe(30);
      expect(await store.size(`${prefix}c:`)).toBe(0);
    },
  },
  {
    name: 'getMany returns one slot per key in order (missing → undefined, duplicates, empty list)',
    async run({ store, prefix }) {
      const a = await store.set(`${prefix}a`, text('A'));
      const b = await store.set(`${prefix}b`, text('B'));
      expect(await store.getMany([])).toEqual([]);
      const entries = await store.getMany([
        `${prefix}a`,
        `${prefix}missing`,
        `${prefix}b`,
        `${prefix}a`,
        `${prefix}x`,
      ]);
      expect(entries).toHaveLength(5);
      expectPayload(entries[0], text('A'), 'slot 0');
      expect(entries[0]!.version).toBe(a);
      expect(entries[1]).toBeUndefined();
      expectPayload(entries[2], text('B'), 'slot 2');
      expect(entries[2]!.version).toBe(b);
      expectPayload(entries[3], text('A'), 'slot 3 (duplicate key)');
      expect(entries[4]).toBeUndefined();
    },
  },
  {
    name: 'getMany handles 500 keys, half of them missing',
    async run({ store, prefix }) {
      const keys = Array.from({ length: 500 }, (_, i) => `${prefix}many:${i}`);
      await Promise.all(keys.filter((_, i) => i % 2 === 0).map((key) => store.set(key, text(key))));
      const entries = await store.getMany(keys);
      expect(entries).toHaveLength(500);
      entries.forEach((entry, i) => {
        if (i % 2 === 0) expectPayload(entry, text(keys[i]!), `slot ${i}`);
        else expect(entry, `slot ${i}`).toBeUndefined();
      });
    },
  },
  {
    name: 'a key with ttlMs expires from get, getMany and size',
    async run({ store, prefix }) {
      const started = performance.now();
      await store.set(`${prefix}short`, text('short'), { ttlMs: 200 });
      await store.set(`${prefix}long`, text('long'));
      const fresh = await store.get(`${prefix}short`);
      // Only judge presence when the machine did not stall past most of the ttl (shared CI cores).
      if (performance.now() - started < 150) {
        expectPayload(fresh, text('short'), 'before expiry');
        expect(fresh!.ttlMs).toBeGreaterThan(0);
        expect(fresh!.ttlMs).toBeLessThanOrEqual(200);
      }
      await waitForSync(async () => (await store.get(`${prefix}short`)) === undefined, {
        timeoutMs: 5000,
        message: 'the 200 ms key expires',
      });
      expect(await store.getMany([`${prefix}short`, `${prefix}long`])).toEqual([
        undefined,
        expect.anything(),
      ]);
      expect(await store.size(prefix)).toBe(1);
    },
  },
  {
    name: 'StoreEntry.ttlMs reports the remaining ttl; ttlMs 0 means none',
    async run({ store, prefix }) {
      await store.set(`${prefix}ttl`, text('x'), { ttlMs: 60_000 });
      await store.set(`${prefix}zero`, text('x'), { ttlMs: 0 });
      const entry = await store.get(`${prefix}ttl`);
      expect(entry!.ttlMs).toBeGreaterThan(50_000);
      expect(entry!.ttlMs).toBeLessThanOrEqual(60_000);
      const [many] = await store.getMany([`${prefix}ttl`]);
      expect(many!.ttlMs).toBeGreaterThan(50_000);
      expect((await store.get(`${prefix}zero`))!.ttlMs).toBeUndefined();
    },
  },
  {
    name: 'set without ttlMs removes the ttl of a previous set',
    async run({ store, prefix }) {
      await store.set(`${prefix}k`, text('1'), { ttlMs: 40 });
      await store.set(`${prefix}k`, text('2'));
      await store.set(`${prefix}probe`, text('probe'), { ttlMs: 40 });
      await waitForSync(async () => (await store.get(`${prefix}probe`)) === undefined, {
        timeoutMs: 5000,
        message: 'the 40 ms probe key expires',
      });
      const entry = await store.get(`${prefix}k`);
      expectPayload(entry, text('2'), 'the overwritten key');
      expect(entry!.ttlMs).toBeUndefined();
    },
  },
  {
    name: 'a ttlMs beyond 2^31 ms is accepted and the key stays',
    async run({ store, prefix }) {
      const long = 2 ** 31 + 10_000;
      const decade = 10 * 365 * 24 * 3600 * 1000;
      await store.set(`${prefix}long`, text('long'), { ttlMs: long });
      await store.set(`${prefix}decade`, text('decade'), { ttlMs: decade });
      await store.set(`${prefix}probe`, text('probe'), { ttlMs: 30 });
      await waitForSync(async () => (await store.get(`${prefix}probe`)) === undefined, {
        timeoutMs: 5000,
        message: 'the 30 ms probe key expires',
      });
      const entry = await store.get(`${prefix}long`);
      expectPayload(entry, text('long'), 'the 2^31+ ms key');
      expect(entry!.ttlMs).toBeGreaterThan(2 ** 31);
      expect((await store.get(`${prefix}decade`))!.ttlMs).toBeGreaterThan(decade - 60_000);
    },
  },
  {
    name: 'hostile keys (spaces, newlines, glob characters, 10 kB, non-ASCII, __proto__) work',
    async run({ store, prefix }) {
      const keys = HOSTILE_STORE_KEYS.map((key) => `${prefix}${key}`);
      for (const key of keys)
        expect(await store.get(key), `get before set of ${JSON.stringify(key.slice(0, 40))}`).toBeUndefined();
      for (const key of keys) await store.set(key, text(`value of ${key.length}:${key.slice(0, 40)}`));
      for (const key of keys) {
        expectPayload(
          await store.get(key),
          text(`value of ${key.length}:${key.slice(0, 40)}`),
          JSON.stringify(key.slice(0, 40)),
        );
      }
      const entries = await store.getMany(keys);
      for (const [i, entry] of entries.entries()) {
        expectPayload(
          entry,
          text(`value of ${keys[i]!.length}:${keys[i]!.slice(0, 40)}`),
          `getMany slot ${i}`,
        );
      }
      expect(await store.size(prefix)).toBe(keys.length);
      // A glob key must not stand for others: deleting `*` removes only that key.
      await store.delete(`${prefix}*`);
      expect(await store.size(prefix)).toBe(keys.length - 1);
      expect(({} as Record<string, unknown>).payload).toBeUndefined();
      await store.clear(prefix);
      expect(await store.size(prefix)).toBe(0);
    },
  },
  {
    name: 'concurrent sets to one key get distinct versions and the highest version wins',
    async run({ store, prefix }) {
      const key = `${prefix}contended`;
      const writes = Array.from({ length: 50 }, (_, i) => text(`writer-${i}`));
      const versions = await Promise.all(writes.map((payload) => store.set(key, payload)));
      expect(new Set(versions).size, 'every write got its own version').toBe(versions.length);
      const highest = Math.max(...versions);
      const entry = await store.get(key);
      expect(entry!.version).toBe(highest);
      expectPayload(
        entry,
        writes[versions.indexOf(highest)]!,
        'the stored value is the highest-versioned write',
      );
    },
  },
  {
    name: 'concurrent sets and deletes on one key get distinct versions',
    async run({ store, prefix }) {
      const key = `${prefix}mixed`;
      const calls = Array.from({ length: 40 }, (_, i) =>
        i % 3 === 0 ? store.delete(key) : store.set(key, text(`${i}`)),
      );
      const versions = await Promise.all(calls);
      for (const version of versions) expectVersion(version, 'set/delete');
      expect(new Set(versions).size).toBe(versions.length);
      const highest = Math.max(...versions);
      const entry = await store.get(key);
      const lastWasDelete = versions.indexOf(highest) % 3 === 0;
      if (lastWasDelete) expect(entry).toBeUndefined();
      else expect(entry!.version).toBe(highest);
    },
  },
  {
    name: 'a write through one connection is read through another at once',
    async run({ store, prefix, open }) {
      const other = await open();
      const version = await store.set(`${prefix}shared`, text('from A'));
      const seen = await other.get(`${prefix}shared`);
      expectPayload(seen, text('from A'), 'the other connection');
      expect(seen!.version).toBe(version);
      await other.delete(`${prefix}shared`);
      expect(await store.get(`${prefix}shared`)).toBeUndefined();
    },
  },
  {
    name: 'concurrent sets from several connections get distinct versions (assigned by the store, not the client)',
    async run({ store, prefix, open }) {
      const key = `${prefix}contended`;
      const connections = [store, await open(), await open()];
      const writes = connections.flatMap((connection, c) =>
        Array.from({ length: 20 }, (_, i) => ({ connection, payload: text(`conn-${c}-write-${i}`) })),
      );
      const versions = await Promise.all(
        writes.map(({ connection, payload }) => connection.set(key, payload)),
      );
      expect(new Set(versions).size, 'every write got its own version').toBe(versions.length);
      const highest = Math.max(...versions);
      const entry = await store.get(key);
      expect(entry!.version).toBe(highest);
      expectPayload(entry, writes[versions.indexOf(highest)]!.payload, 'the highest-versioned write');
    },
  },
  {
    name: 'declares a contract version core understands (or none)',
    async run({ store }) {
      if (store.contractVersion !== undefined) expect(store.contractVersion).toBe(CONTRACT_VERSION);
    },
  },
  {
    name: 'the close log (appendLog / readLog, when the store has them): numbered appends, the newest `keep` kept, reads above `after` oldest first, at most `max`, from any connection',
    async run({ store, prefix, open }) {
      if (typeof store.appendLog !== 'function' || typeof store.readLog !== 'function') {
        expect(store.appendLog, 'appendLog and readLog come together').toBeUndefined();
        expect(store.readLog, 'appendLog and readLog come together').toBeUndefined();
        return;
      }
      // Outside the prefix's keyspace, as core keeps it (clear(prefix) must not see it). The
      // contract has no way to remove a log: it stays behind, three short entries.
      const key = `${prefix.slice(0, -1)}%log`;
      expect(await store.readLog(key, 0, 10)).toEqual({ id: undefined, last: 0, entries: [] });
      const entries = [text('one'), allByteValues(), text(''), text('four'), text('five')];
      const numbers: number[] = [];
      for (const [index, entry] of entries.entries()) {
        numbers.push(await store.appendLog(key, entry, 3, index === 0 ? 'first' : 'not-used'));
      }
      expect(numbers, 'entries are numbered 1, 2, 3, … in append order').toEqual([1, 2, 3, 4, 5]);
      const all = await store.readLog(key, 0, 10);
      expect(all.id, 'the identity the log was created with').toBe('first');
      expect(all.last).toBe(5);
      expect(all.entries.length, 'only the newest `keep` are kept').toBe(3);
      for (const [index, entry] of all.entries.entries()) {
        expect(bytesEqual(entry, entries[index + 2]!), `entry ${index + 3} bytes`).toBe(true);
      }
      const above = await store.readLog(key, 3, 10);
      expect(above.entries.map((entry) => new TextDecoder().decode(entry))).toEqual(['four', 'five']);
      const newest = await store.readLog(key, 0, 1);
      expect(newest.entries.map((entry) => new TextDecoder().decode(entry))).toEqual(['five']);
      expect((await store.readLog(key, 5, 10)).entries).toEqual([]);
      expect(await clearedAround(store, prefix, key), 'clear(prefix) leaves the log').toBe(5);
      const other = await open();
      const concurrent = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store : other).appendLog!(key, text(`c${i}`), 3, 'x'),
        ),
      );
      expect(
        [...concurrent].sort((a, b) => a - b),
        'concurrent appends from two connections get distinct numbers',
      ).toEqual(Array.from({ length: 20 }, (_, i) => 6 + i));
      const seen = await other.readLog!(key, 0, 10);
      expect([seen.id, seen.last, seen.entries.length]).toEqual(['first', 25, 3]);
    },
  },
  {
    name: 'close is idempotent',
    async run({ open }) {
      const other = await open();
      await other.close();
      await expect(other.close()).resolves.toBeUndefined();
    },
  },
];

/**
 * Registers the store conformance suite. Every test gets a fresh store from `factory` and a random
 * key prefix (`t-<random>:`); the prefix is cleared after the test. Behaviours: missing keys,
 * positive safe-integer versions, exact payload bytes, versions that never go backwards (across
 * set, delete, clear, expiry and reconnects — the convergence invariant), literal prefixes for
 * `clear`/`size` (also glob-looking ones), `getMany` slots, TTL expiry and remaining ttl, TTLs
 * beyond 2^31 ms, hostile keys, concurrent writers, idempotent close; and, for a store with
 * `setMany` / `deleteMany`, that a batch writes and reports per key exactly what single calls would.
 *
 * `factory` must return a new connection to the same backend on every call (like a new pod):
 * closing one store must not lose data.
 *
 * @param name - shown in the test report
 * @param factory - opens a store on the shared backend
 * @param options - see {@link StoreSuiteOptions}
 * @example
 * ```ts
 * import { describeStore } from '@synced-cache/testing';
 * import { createIoredisStore } from '@synced-cache/ioredis';
 *
 * describeStore('ioredis', () => createIoredisStore({ url: server.url }));
 * ```
 */
export function describeStore(
  name: string,
  factory: () => Store | Promise<Store>,
  options: StoreSuiteOptions = {},
): void {
  describe(`Store conformance: ${name}`, () => {
    const opened: Store[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    const checks = [...storeChecks, ...storeBatchChecks];
    if (options.breakKey !== undefined) checks.push(batchFailureCheck(options.breakKey));
    for (const check of checks) {
      it(check.name, async () => {
        const open = async (): Promise<Store> => {
          const store = await factory();
          opened.push(store);
          return store;
        };
        const store = await open();
        const prefix = `t-${randomId()}:`;
        try {
          await check.run({ store, prefix, open });
        } finally {
          const cleaner = await open();
          await cleaner.clear(prefix);
          if (options.cleanup !== undefined) await options.cleanup(cleaner);
        }
      });
    }
  });
}
