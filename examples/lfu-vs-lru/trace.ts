/**
 * The access pattern both policies replay: Zipf-skewed reads over a key space, with a one-off scan
 * of keys nobody reads again in the middle (a report, a batch job, a crawler).
 */

import { zipfIndexes } from '../shared/zipf.js';

/** The trace: Zipf reads, a scan of `scanLength` cold keys, Zipf reads again. */
export function skewedTraceWithScan(keys: number, readsPerPhase: number, scanLength: number): string[] {
  const before = zipfIndexes(keys, readsPerPhase, 0.9, 1);
  const after = zipfIndexes(keys, readsPerPhase, 0.9, 2);
  const scan = Array.from({ length: scanLength }, (_, i) => `cold:${i}`);
  return [...before.map((i) => `post:${i}`), ...scan, ...after.map((i) => `post:${i}`)];
}
