/**
 * The synthetic access traces of the hit-ratio benchmark. A trace is a sequence of integer key
 * ids; every generator is seeded, so traces are identical from run to run.
 */
import { createRandom } from './prng.js';
import { ZipfSampler } from './zipf.js';

/** One named access trace. */
export interface Trace {
  /** Short name used in the tables. */
  readonly name: string;
  /** What the trace models. */
  readonly description: string;
  /** Key ids in access order. */
  readonly ids: Int32Array;
  /** Ids are below this bound (for dense per-id arrays). */
  readonly idBound: number;
}

/** Keys in the Zipf key space. */
export const KEY_COUNT = 1_000_000;

const samplers = new Map<number, ZipfSampler>();
function sampler(exponent: number): ZipfSampler {
  let zipf = samplers.get(exponent);
  if (zipf === undefined) {
    zipf = new ZipfSampler(KEY_COUNT, exponent);
    samplers.set(exponent, zipf);
  }
  return zipf;
}

/** Zipf(s) over {@link KEY_COUNT} keys; hot keys are spread over the id space by a fixed permutation. */
export function zipfTrace(exponent: number, length: number, seed: number): Trace {
  const random = createRandom(seed);
  const zipf = sampler(exponent);
  const ids = new Int32Array(length);
  for (let index = 0; index < length; index++) ids[index] = zipf.sample(random());
  return {
    name: `zipf-${exponent}`,
    description: `Zipf s=${exponent} over ${KEY_COUNT.toLocaleString('en-US')} keys`,
    ids,
    idBound: KEY_COUNT,
  };
}

/**
 * Zipf 0.99 traffic interrupted by long one-time scans: `zipfRun` Zipf requests, then `scanLength`
 * keys never seen before and never seen again, repeated until `length` requests.
 */
export function scanTrace(length: number, zipfRun: number, scanLength: number, seed: number): Trace {
  const random = createRandom(seed);
  const zipf = sampler(0.99);
  const ids = new Int32Array(length);
  let scanKey = KEY_COUNT;
  let index = 0;
  while (index < length) {
    for (let step = 0; step < zipfRun && index < length; step++) ids[index++] = zipf.sample(random());
    for (let step = 0; step < scanLength && index < length; step++) ids[index++] = scanKey++;
  }
  return {
    name: 'zipf+scans',
    description: `Zipf 0.99, every ${zipfRun.toLocaleString('en-US')} requests a one-time scan of ${scanLength.toLocaleString('en-US')} new keys`,
    ids,
    idBound: scanKey,
  };
}

/** The keys `0 … loopLength-1` in order, over and over (`loopLength` = 1.25 × capacity). */
export function loopTrace(loopLength: number, loops: number): Trace {
  const ids = new Int32Array(loopLength * loops);
  for (let index = 0; index < ids.length; index++) ids[index] = index % loopLength;
  return {
    name: 'loop-1.25x',
    description: `a loop over 1.25 × capacity keys (${loopLength.toLocaleString('en-US')}), ${loops} times`,
    ids,
    idBound: loopLength,
  };
}

/**
 * Zipf 0.99 whose popularity order moves: in each of `phases` phases, rank r maps to key
 * `(r + phase × shift) mod KEY_COUNT`, so the hot set slides and old favourites go cold.
 */
export function shiftingZipfTrace(length: number, phases: number, shift: number, seed: number): Trace {
  const random = createRandom(seed);
  const zipf = sampler(0.99);
  const ids = new Int32Array(length);
  const phaseLength = Math.ceil(length / phases);
  for (let index = 0; index < length; index++) {
    const phase = Math.floor(index / phaseLength);
    ids[index] = (zipf.sample(random()) + phase * shift) % KEY_COUNT;
  }
  return {
    name: 'zipf-shifting',
    description: `Zipf 0.99, hot set shifted by ${shift.toLocaleString('en-US')} ranks in each of ${phases} phases`,
    ids,
    idBound: KEY_COUNT,
  };
}
