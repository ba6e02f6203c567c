/**
 * Would mnemonist's structures make `@synced-cache/lfu` faster? Side by side in one run:
 *
 * 1. Doorkeeper: the test-and-set of a first sighting, for string keys of a Zipf 0.99 stream —
 *    mnemonist's `BloomFilter` (hashes the string on every call, strings only) against the
 *    sketch's doorkeeper (two bits from the 32-bit key hash lfu computes once per entry; here the
 *    hash is computed per call too, so both pay for hashing).
 * 2. LRU lists: mnemonist's `LRUCache` (a Map plus typed-array links) against `lru-cache` and
 *    `@synced-cache/lfu`, replaying the same trace (get, set on a miss) at capacity 10,000.
 *
 *   cd apps/bench && node --expose-gc --import tsx src/main.ts mnemonist
 */
import { createLfuCache } from '@synced-cache/lfu';
import { LRUCache } from 'lru-cache';
import { BloomFilter, LRUCache as MnemonistLru } from 'mnemonist';
import { type Candidate, compare, consume, table } from './harness.js';
import { zipfTrace } from './traces/traces.js';

const CAPACITY = 10_000;
/** lfu's doorkeeper holds 2 aging periods of first sightings: 2 × 10 × the entries. */
const DOORKEEPER_KEYS = 20 * CAPACITY;
const ENTRY = Object.freeze({ value: 1 });

/** The doorkeeper of `packages/lfu/src/frequency-sketch.ts`, with the key hashing lfu does on insert. */
class SketchDoorkeeper {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  constructor(keys: number) {
    let size = 1;
    while (size < keys * 4) size *= 2;
    this.bits = new Uint32Array(size >>> 5);
    this.mask = size - 1;
  }

  /** Sets the key's bits; true when they were not all set. */
  testAndAdd(key: string): boolean {
    let hash = 0x811c9dc5;
    for (let index = 0; index < key.length; index++)
      hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
    const first = Math.imul(hash, 0x9e3779b1);
    const bit1 = (first ^ (first >>> 15)) & this.mask;
    const second = Math.imul(hash ^ 0x5bd1e995, 0x85ebca6b);
    const bit2 = (second ^ (second >>> 13)) & this.mask;
    const word1 = bit1 >>> 5;
    const word2 = bit2 >>> 5;
    const flag1 = 1 << (bit1 & 31);
    const flag2 = 1 << (bit2 & 31);
    const bits = this.bits;
    if ((bits[word1]! & flag1) !== 0 && (bits[word2]! & flag2) !== 0) return false;
    bits[word1] = bits[word1]! | flag1;
    bits[word2] = bits[word2]! | flag2;
    return true;
  }

  clear(): void {
    this.bits.fill(0);
  }
}

export async function main(): Promise<string> {
  const trace = zipfTrace(0.99, 1 << 20, 505);
  const keys = Array.from(trace.ids, (id) => `key:${id}`);
  const mask = keys.length - 1;

  const ours = new SketchDoorkeeper(DOORKEEPER_KEYS);
  // Same false-positive budget as ours at its fill limit (~15 %).
  const bloom = new BloomFilter({ capacity: DOORKEEPER_KEYS, errorRate: 0.15 });
  let oursCursor = 0;
  let bloomCursor = 0;
  const doorkeepers: Candidate[] = [
    {
      name: 'sketch doorkeeper (lfu)',
      run(ops) {
        for (let i = 0; i < ops; i++) {
          consume(ours.testAndAdd(keys[oursCursor++ & mask]!));
          if ((oursCursor & (DOORKEEPER_KEYS - 1)) === 0) ours.clear();
        }
      },
    },
    {
      name: 'mnemonist BloomFilter test + add',
      run(ops) {
        for (let i = 0; i < ops; i++) {
          const key = keys[bloomCursor++ & mask]!;
          const seen = bloom.test(key);
          if (!seen) bloom.add(key);
          consume(seen);
          if ((bloomCursor & (DOORKEEPER_KEYS - 1)) === 0) bloom.clear();
        }
      },
    },
  ];

  const raw = new LRUCache<string, object>({ max: CAPACITY });
  const mnemonistLru = new MnemonistLru<string, object>(CAPACITY);
  const lfu = createLfuCache<object>({ maxEntries: CAPACITY, randomSeed: 1 });
  const cursors = [0, 0, 0];
  const replay =
    (index: number, get: (key: string) => unknown, set: (key: string) => void) => (ops: number) => {
      let cursor = cursors[index]!;
      for (let i = 0; i < ops; i++) {
        const key = keys[cursor++ & mask]!;
        if (get(key) === undefined) set(key);
      }
      cursors[index] = cursor;
    };
  const lists: Candidate[] = [
    {
      name: 'lru-cache',
      run: replay(
        0,
        (key) => raw.get(key),
        (key) => raw.set(key, ENTRY),
      ),
    },
    {
      name: 'mnemonist LRUCache',
      run: replay(
        1,
        (key) => mnemonistLru.get(key),
        (key) => mnemonistLru.set(key, ENTRY),
      ),
    },
    {
      name: '@synced-cache/lfu',
      run: replay(
        2,
        (key) => lfu.get(key),
        (key) => lfu.set(key, ENTRY),
      ),
    },
  ];
  const doorkeeperResults = await compare(doorkeepers, { ops: 200_000, rounds: 15, cpuTime: true });
  const listResults = await compare(lists, { ops: 200_000, rounds: 15, cpuTime: true });
  return [
    '## mnemonist structures',
    '',
    `Node ${process.version}; a Zipf 0.99 stream of ${keys.length.toLocaleString('en-US')} string keys over 1,000,000 ids; median of 15 alternating rounds timed by process CPU time, side by side in one run. Command: \`cd apps/bench && node --expose-gc --import tsx src/main.ts mnemonist\` (mnemonist 0.40.8).`,
    '',
    `### Doorkeeper (test-and-set of a first sighting, sized for ${DOORKEEPER_KEYS.toLocaleString('en-US')} keys, cleared when that many requests passed)`,
    '',
    table(doorkeeperResults, doorkeeperResults[0]!.name),
    '',
    `### Replay (get, set on a miss), capacity ${CAPACITY.toLocaleString('en-US')}`,
    '',
    table(listResults, listResults[0]!.name),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await main());
}
