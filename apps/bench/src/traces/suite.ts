/**
 * The trace suite of the policy comparison (`policies.ts`): every character of workload a local
 * cache meets, each generated from a seed so that policies can be tuned on one set of seeds and
 * reported on another.
 *
 * - Zipf at several skews (0.6, 0.8, 0.99, 1.2) over 1,000,000 keys.
 * - Loops over 0.5x, 1.25x, 2x, 5x and 10x the capacity (LRU's worst case from 1x up).
 * - Zipf 0.99 with one-time scans mixed in (10 % of the requests are scans of new keys).
 * - Phase shifts: Zipf 0.99 whose hot set moves to unrelated keys, slowly and quickly.
 * - OLTP-like mixes: a stable frequency core (Zipf) plus recency (re-reads of keys touched a few
 *   hundred requests ago, as in transaction processing) plus a trickle of one-time keys.
 *
 * Ids are dense (renumbered in order of first appearance).
 */
import { createRandom } from './prng.js';
import type { Trace } from './traces.js';
import { KEY_COUNT, scanTrace, zipfTrace } from './traces.js';
import { ZipfSampler } from './zipf.js';

/** A trace for one capacity and seed. */
export type TraceMaker = (capacity: number, seed: number) => Trace;

/**
 * Renumbers ids densely in order of first appearance (Bélády's MIN keeps per-id arrays); the
 * benchmark's key strings carry the seed, so two seeds also hash differently in the sketches.
 */
function compact(trace: Trace): Trace {
  const dense = new Map<number, number>();
  const ids = trace.ids;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!;
    let renumbered = dense.get(id);
    if (renumbered === undefined) {
      renumbered = dense.size;
      dense.set(id, renumbered);
    }
    ids[index] = renumbered;
  }
  return { ...trace, idBound: dense.size };
}

const samplers = new Map<string, ZipfSampler>();
function sampler(keys: number, exponent: number): ZipfSampler {
  const name = `${keys}:${exponent}`;
  let zipf = samplers.get(name);
  if (zipf === undefined) {
    zipf = new ZipfSampler(keys, exponent);
    samplers.set(name, zipf);
  }
  return zipf;
}

/**
 * A random permutation of ranks to key ids (31 bits), so popularity is not ordered by id. The
 * seed is multiplied before it is mixed in: XORed as it was, its lowest bit fell off with the
 * shift, so seeds 2n and 2n + 1 gave the same ids, and every other phase boundary of the `phases`
 * traces (seed × 7919 + phase) kept the hot set it was meant to replace.
 */
function scatter(rank: number, seed: number): number {
  return (Math.imul(rank + 1, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca6b)) >>> 1;
}

export function zipf(exponent: number, length: number): TraceMaker {
  return (_capacity, seed) => compact(zipfTrace(exponent, length, seed));
}

export function loop(multiple: number, length: number): TraceMaker {
  // The order is fixed; the seed only changes the key names (so the hashes), in the benchmark.
  return (capacity, _seed) => {
    const loopLength = Math.max(2, Math.round(capacity * multiple));
    const ids = new Int32Array(Math.max(length, loopLength * 3));
    for (let index = 0; index < ids.length; index++) ids[index] = index % loopLength;
    return compact({
      name: `loop-${multiple}x`,
      description: `a loop over ${multiple} × capacity keys, in order, over and over`,
      ids,
      idBound: loopLength,
    });
  };
}

/** Zipf 0.99 where `scanShare` of the requests are one-time scans of `scanLength` new keys. */
export function zipfWithScans(length: number, scanShare: number): TraceMaker {
  return (capacity, seed) => {
    const scanLength = Math.max(100, capacity);
    const zipfRun = Math.round((scanLength * (1 - scanShare)) / scanShare);
    return compact({
      ...scanTrace(length, zipfRun, scanLength, seed),
      description: `Zipf 0.99, ${scanShare * 100} % of requests in one-time scans of capacity-many new keys`,
    });
  };
}

/**
 * Zipf 0.99 over a hot set that moves every `phaseLength(capacity)` requests to unrelated keys (a
 * fresh scattering of ranks), the way a news site's or a game's popular items turn over.
 */
export function phases(name: string, length: number, phaseLength: (capacity: number) => number): TraceMaker {
  return (capacity, seed) => {
    const random = createRandom(seed);
    const zipf = sampler(KEY_COUNT, 0.99);
    const every = phaseLength(capacity);
    const ids = new Int32Array(length);
    for (let index = 0; index < length; index++) {
      const phase = Math.floor(index / every);
      ids[index] = scatter(zipf.sample(random()), seed * 7919 + phase) % 1_000_000_000;
    }
    return compact({
      name,
      description: `Zipf 0.99, hot set replaced every ${every} requests`,
      ids,
      idBound: 1_000_000_000,
    });
  };
}

/**
 * OLTP-like: `frequency` of requests from a Zipf(`exponent`) core over 10 × capacity keys,
 * `recency` re-reads of a key requested a geometric distance (mean `recentMean`) ago, the rest
 * one-time keys (new rows).
 */
export function oltp(
  name: string,
  length: number,
  frequency: number,
  recency: number,
  exponent: number,
): TraceMaker {
  return (capacity, seed) => {
    const random = createRandom(seed);
    const core = sampler(10 * capacity, exponent);
    const recentMean = Math.max(20, capacity / 4);
    const ids = new Int32Array(length);
    let fresh = 10 * capacity + 1;
    for (let index = 0; index < length; index++) {
      const draw = random();
      if (draw < frequency || index === 0) {
        ids[index] = scatter(core.sample(random()), seed) % (10 * capacity);
      } else if (draw < frequency + recency) {
        const distance = 1 + Math.floor(-Math.log(1 - random()) * recentMean);
        ids[index] = ids[Math.max(0, index - distance)]!;
      } else {
        ids[index] = fresh++;
      }
    }
    return compact({
      name,
      description: `${frequency * 100} % Zipf ${exponent} core, ${recency * 100} % re-reads ~${recentMean} requests back, rest one-time`,
      ids,
      idBound: fresh,
    });
  };
}

/** Every trace of the suite, requests per trace `length` (at least 3 loops for loop traces). */
export function suite(length: number): TraceMaker[] {
  return [
    zipf(0.6, length),
    zipf(0.8, length),
    zipf(0.99, length),
    zipf(1.2, length),
    loop(0.5, length),
    loop(1.25, length),
    loop(2, length),
    loop(5, length),
    loop(10, length),
    zipfWithScans(length, 0.1),
    phases('shift-slow', length, (capacity) => 20 * capacity),
    phases('shift-fast', length, (capacity) => 3 * capacity),
    oltp('oltp-frequency', length, 0.7, 0.2, 0.9),
    oltp('oltp-recency', length, 0.3, 0.6, 0.8),
  ];
}
