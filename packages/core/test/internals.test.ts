import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { Deadline, Deadlines } from '../src/deadlines.js';
import { InFlight } from '../src/in-flight.js';
import { createCache, MemoryStore, type StoreEntry, TimeoutError } from '../src/index.js';
import { OldestKey } from '../src/oldest-key.js';
import { VersionTable } from '../src/version-table.js';
import { storeOver } from './helpers.js';

class Call extends Deadline {
  expired = 0;
  constructor(readonly name: string) {
    super();
  }
  expire(): void {
    this.expired++;
  }
}

describe('Deadlines', () => {
  it('never expires a call early, expires overdue ones in start order, and stops when idle', () => {
    const deadlines = new Deadlines(100);
    const a = new Call('a');
    const b = new Call('b');
    const c = new Call('c');
    deadlines.track(a);
    deadlines.track(b);
    deadlines.track(c);
    expect(deadlines.size).toBe(3);
    deadlines.sweep(a.at - 0.001);
    expect([a.expired, b.expired, c.expired]).toEqual([0, 0, 0]);
    deadlines.sweep(b.at);
    expect([a.expired, b.expired, c.expired]).toEqual([1, 1, 0]);
    expect(deadlines.settle(a)).toBe(false); // already expired: a late result is ignored
    expect(deadlines.settle(c)).toBe(true);
    expect(deadlines.size).toBe(0);
    deadlines.sweep(Number.POSITIVE_INFINITY);
    expect(c.expired).toBe(0);
    deadlines.stop();
  });

  it('unlinks a settled call from the middle without disturbing the others', () => {
    const deadlines = new Deadlines(50);
    const calls = ['a', 'b', 'c', 'd'].map((name) => new Call(name));
    for (const call of calls) deadlines.track(call);
    expect(deadlines.settle(calls[1]!)).toBe(true);
    expect(deadlines.settle(calls[1]!)).toBe(false);
    expect(deadlines.settle(calls[3]!)).toBe(true);
    deadlines.sweep(Number.POSITIVE_INFINITY);
    expect(calls.map((call) => call.expired)).toEqual([1, 0, 1, 0]);
    // a call can be tracked again after it settled
    deadlines.track(calls[1]!);
    expect(deadlines.size).toBe(1);
    deadlines.sweep(Number.POSITIVE_INFINITY);
    expect(calls[1]!.expired).toBe(1);
    deadlines.stop();
  });
});

describe('InFlight', () => {
  it('releases only the operation that is current and keeps live ones through a prune', () => {
    const inFlight = new InFlight<{ id: number }>();
    const first = { id: 1 };
    const second = { id: 2 };
    inFlight.add('k', first);
    inFlight.release('k', first);
    inFlight.add('k', second);
    inFlight.release('k', first); // a late second release of a finished operation
    expect(inFlight.get('k')).toBe(second);
    expect(inFlight.size).toBe(1);
    inFlight.release('k', second);
    expect(inFlight.get('k')).toBeUndefined();
    expect(inFlight.size).toBe(0);
    // many finished keys, a few live ones: pruning drops only the finished keys
    const live = Array.from({ length: 10 }, (_, id) => ({ id }));
    for (const [index, value] of live.entries()) inFlight.add(`live:${index}`, value);
    for (let index = 0; index < 5000; index++) {
      const value = { id: index };
      inFlight.add(`done:${index}`, value);
      inFlight.release(`done:${index}`, value);
    }
    expect(inFlight.size).toBe(10);
    for (const [index, value] of live.entries()) expect(inFlight.get(`live:${index}`)).toBe(value);
    const seen: number[] = [];
    inFlight.forEach((value) => {
      seen.push(value.id);
    });
    expect(seen.sort((x, y) => x - y)).toEqual(live.map((value) => value.id));
    // the map does not grow without bound
    expect((inFlight as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThan(2100);
  });
});

/** A deterministic integer in [0, n) per call (xorshift32), so a failing sequence replays. */
function seededRandom(seed: number): (n: number) => number {
  let state = seed | 0;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

describe('OldestKey', () => {
  it("takes a Map's oldest key like a fresh iterator would, through deletions, moves, clear and refills", () => {
    const map = new Map<number, number>();
    const oldest = new OldestKey(map);
    expect(oldest.take()).toBeUndefined(); // empty: the iterator is done
    const random = seededRandom(0x9e3779b9);
    let next = 0;
    let taken = 0;
    for (let i = 0; i < 50_000; i++) {
      const op = random(100);
      if (op < 45)
        map.set(next++, i); // a new key, at the back
      else if (op < 55 && map.size > 0) {
        // An existing key moves to the back (delete and set), as a retried publish does.
        const key = next - 1 - random(Math.min(next, 50));
        if (map.delete(key)) map.set(key, i);
      } else if (op < 60)
        map.delete(next - 1 - random(Math.min(next, 50))); // removed elsewhere
      else if (op === 60 && random(10) === 0) map.clear();
      else {
        const expected = map.keys().next().value;
        expect(oldest.take()).toBe(expected);
        if (expected !== undefined) {
          map.delete(expected);
          taken++;
        }
      }
    }
    expect(taken).toBeGreaterThan(10_000);
  });
});

describe('VersionTable', () => {
  it('noteUnlessOlder accepts a version not below the known one, records only newer ones, and keeps the bound', () => {
    const table = new VersionTable(2);
    expect(table.noteUnlessOlder('a', 5)).toBe(true); // unknown key
    expect(table.own('a')).toBe(5);
    expect(table.noteUnlessOlder('a', 5)).toBe(true); // the same version
    expect(table.noteUnlessOlder('a', 4)).toBe(false); // older: refused, nothing changes
    expect(table.own('a')).toBe(5);
    expect(table.noteUnlessOlder('a', 9)).toBe(true);
    expect(table.own('a')).toBe(9);
    table.note('b', 3);
    table.note('c', 7); // over the bound: 'b' (not noted again since it came) goes, the floor rises
    expect(table.own('b')).toBe(0);
    expect(table.floor).toBe(3);
    expect(table.threshold('b')).toBe(3);
    expect(table.own('a')).toBe(9);
    expect(table.own('c')).toBe(7);
    expect(table.size).toBe(2);
  });

  it('noteIfNewer records only strictly newer versions', () => {
    const table = new VersionTable(10);
    expect(table.noteIfNewer('a', 0)).toBe(false); // nothing known is newer than 0
    expect(table.noteIfNewer('a', 4)).toBe(true);
    expect(table.noteIfNewer('a', 4)).toBe(false);
    expect(table.noteIfNewer('a', 3)).toBe(false);
    expect(table.own('a')).toBe(4);
    expect(table.noteIfNewer('a', 6)).toBe(true);
    expect(table.own('a')).toBe(6);
  });

  it('forgets keys in CLOCK order: a key noted again gets a second chance, and the bound always holds', () => {
    const table = new VersionTable(3);
    table.note('a', 1);
    table.note('b', 2);
    table.note('c', 3);
    table.note('a', 4); // referenced
    table.note('d', 5); // 'a' is passed over (and unmarked), 'b' goes
    expect(table.own('b')).toBe(0);
    expect(table.floor).toBe(2);
    table.note('c', 6);
    table.note('d', 7);
    table.note('e', 8); // 'c' and 'd' are referenced, 'a' no longer is: 'a' goes
    expect(table.own('a')).toBe(0);
    expect(table.floor).toBe(4);
    table.note('c', 9);
    table.note('d', 10);
    table.note('e', 11);
    table.note('f', 12); // all referenced: one pass unmarks them, then the oldest goes, never the new key
    expect(table.size).toBe(3);
    expect(table.own('f')).toBe(12);
    expect(table.own('d')).toBe(0); // the oldest of the three
    expect(table.floor).toBe(10);
    expect(table.own('c')).toBe(9);
    // versions read back as recorded, 0 included (never -0)
    table.note('z', 0);
    table.note('z', 0);
    expect(Object.is(table.own('z'), 0)).toBe(true);
  });

  it('noting a key again at the version it holds marks it referenced, however often', () => {
    const table = new VersionTable(2);
    table.note('a', 1);
    table.note('a', 1); // referenced
    table.note('a', 1); // already referenced at 1: unchanged
    expect(table.noteUnlessOlder('a', 1)).toBe(true);
    table.note('b', 2);
    table.note('c', 3); // 'a' is passed over (and unmarked), 'b' goes
    expect(table.own('a')).toBe(1);
    expect(table.own('b')).toBe(0);
    expect(table.own('c')).toBe(3);
    expect(table.noteIfNewer('a', 1)).toBe(false);
  });

  it('raiseFloor and distrust see referenced keys at their versions', () => {
    const table = new VersionTable(10);
    table.note('a', 5);
    table.note('a', 8); // referenced
    table.note('b', 3);
    table.distrust('a', 6);
    expect(table.own('a')).toBe(6);
    table.note('a', 7); // referenced again
    table.raiseFloor(6);
    expect(table.own('a')).toBe(7);
    expect(table.own('b')).toBe(0);
    table.raiseFloor(7);
    expect(table.own('a')).toBe(0);
  });

  it('agrees with a Map of versions (the reference) over random notes, floors and distrust, across chunks', () => {
    // The reference keeps each version as the Map's value, negated while referenced, in the Map's
    // own order: the table's semantics before it moved versions into slots.
    class Reference {
      readonly versions = new Map<string, number>();
      floor = 0;
      constructor(private readonly maxKeys: number) {}
      get size(): number {
        return this.versions.size;
      }
      own(key: string): number {
        return Math.abs(this.versions.get(key) ?? 0);
      }
      note(key: string, version: number, strictly: boolean): boolean {
        const stored = this.versions.get(key);
        const current = stored === undefined ? 0 : Math.abs(stored);
        if (strictly ? version <= current : version < current) return false;
        if (stored !== undefined) {
          this.versions.set(key, 0 - version);
          return true;
        }
        while (this.versions.size >= this.maxKeys) {
          const [victim, old] = this.versions.entries().next().value!;
          this.versions.delete(victim);
          if (old < 0) this.versions.set(victim, -old);
          else if (old > this.floor) this.floor = old;
        }
        this.versions.set(key, version);
        return true;
      }
      raiseFloor(version: number): void {
        if (version <= this.floor) return;
        this.floor = version;
        for (const [key, stored] of this.versions) if (Math.abs(stored) <= version) this.versions.delete(key);
      }
      distrust(key: string, plausible: number): void {
        if (this.own(key) > plausible) this.versions.set(key, plausible);
        if (this.floor > plausible) {
          this.floor = plausible;
          for (const [other, stored] of this.versions)
            if (Math.abs(stored) > plausible) this.versions.set(other, plausible);
        }
      }
    }
    const random = seededRandom(0x2545f491);
    const maxKeys = 2500; // three chunks of slots
    const table = new VersionTable(maxKeys);
    const reference = new Reference(maxKeys);
    // Microsecond versions, as the Redis stores assign them: beyond V8's small integers.
    const base = 1_764_000_000_000_000;
    let clock = base;
    let floors = 0;
    for (let i = 0; i < 60_000; i++) {
      const key = `k${random(4000)}`;
      const op = random(1000);
      if (op < 2) {
        // A floor below most versions noted lately: it removes some keys, keeps others.
        const version = clock - random(20_000);
        table.raiseFloor(version);
        reference.raiseFloor(version);
        floors++;
      } else if (op < 4) {
        const plausible = clock - random(5_000);
        table.distrust(key, plausible);
        reference.distrust(key, plausible);
      } else {
        // Mostly newer versions; a quarter are late ones.
        if (random(4) !== 0) clock += 1 + random(3);
        const version = random(4) === 0 ? clock - random(3_000) : clock;
        const strictly = random(2) === 0;
        const accepted = strictly ? table.noteIfNewer(key, version) : table.noteUnlessOlder(key, version);
        expect(accepted).toBe(reference.note(key, version, strictly));
      }
      expect(table.own(key)).toBe(reference.own(key));
      expect(table.floor).toBe(reference.floor);
      expect(table.size).toBe(reference.size);
    }
    expect(floors).toBeGreaterThan(60);
    expect(reference.floor).toBeGreaterThan(base);
    for (let k = 0; k < 4000; k++) expect(table.own(`k${k}`)).toBe(reference.own(`k${k}`));
  });
});

describe('store reads and the timeout', () => {
  it('a read that answers after the timeout is a reported miss and is not cached', async () => {
    const memory = new MemoryStore();
    let answer: ((entry: StoreEntry | undefined) => void) | undefined;
    const slow = storeOver(memory, {
      get: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    const onError = vi.fn();
    const cache = await createCache<string>({ store: slow, timeoutMs: 20, onError });
    expect(await cache.get('k')).toBeUndefined();
    expect(onError.mock.calls.some(([error]) => TimeoutError.isInstance(error))).toBe(true);
    answer?.({ payload: new TextEncoder().encode('"late"'), version: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.peek('k')).toBeUndefined();
    // the next get starts a new read (the timed-out one no longer counts as in flight)
    const next = cache.get('k');
    answer?.({ payload: new TextEncoder().encode('"fresh"'), version: 2 });
    expect(await next).toBe('fresh');
    expect(cache.peek('k')).toBe('fresh');
    await cache.close();
  });

  it('an answer that arrived while the event loop was blocked past the timeout is used, not timed out', async () => {
    // A loopback socket stands in for a store's connection. Its answer is written (into the
    // kernel) at once, and the loop is then blocked, in an I/O-phase callback as by synchronous
    // work, past the timeout: when it unblocks, the deadline and the answer are both due, and
    // timers run before sockets are read. The sweep waits for the I/O that is already there.
    let peer: Socket | undefined;
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      peer = socket;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(server, 'connection');
    const memory = new MemoryStore();
    const echoing = storeOver(memory, {
      get: () =>
        new Promise((resolve) => {
          socket.once('data', () => resolve({ payload: new TextEncoder().encode('"answered"'), version: 1 }));
          peer!.write('x');
          setImmediate(() => {
            const until = performance.now() + 150;
            while (performance.now() < until);
          });
        }),
    });
    const onError = vi.fn();
    const cache = await createCache<string>({ store: echoing, timeoutMs: 50, onError });
    try {
      expect(await cache.get('k')).toBe('answered');
      expect(onError).not.toHaveBeenCalled();
    } finally {
      await cache.close();
      socket.destroy();
      peer!.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('concurrent gets of one key share one read; getMany batches the rest', async () => {
    const memory = new MemoryStore();
    const reads = { get: 0, getMany: 0 };
    const counting = storeOver(memory, {
      get: (key) => {
        if (!key.includes('%')) reads.get++; // not the store identity marker
        return memory.get(key);
      },
      getMany: (keys) => {
        reads.getMany++;
        return memory.getMany(keys);
      },
    });
    const writer = await createCache<number>({ store: memory, podId: 'w' });
    await writer.set('a', 1);
    await writer.set('b', 2);
    const cache = await createCache<number>({ store: counting, podId: 'r' });
    const [x, y, many] = await Promise.all([cache.get('a'), cache.get('a'), cache.getMany(['a', 'b', 'c'])]);
    expect([x, y, many]).toEqual([1, 1, [1, 2, undefined]]);
    expect(reads).toEqual({ get: 1, getMany: 1 });
    await cache.close();
    await writer.close();
  });
});
