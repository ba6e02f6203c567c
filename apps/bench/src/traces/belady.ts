/**
 * Bélády's MIN, the offline optimum: on a miss with a full cache, evict the entry whose next use
 * is furthest in the future; an entry never used again is not cached at all (bypass). O(n log n)
 * with precomputed next-use indices and a max-heap with lazy deletion.
 */
import type { Trace } from './traces.js';

/** For each request, the index of the next request of the same key (`ids.length` when none). */
export function nextUseIndices(trace: Trace): Int32Array {
  const { ids, idBound } = trace;
  const nextUse = new Int32Array(ids.length);
  const seen = new Int32Array(idBound).fill(ids.length);
  for (let index = ids.length - 1; index >= 0; index--) {
    const id = ids[index]!;
    nextUse[index] = seen[id]!;
    seen[id] = index;
  }
  return nextUse;
}

/** Number of hits of the optimal policy with room for `capacity` entries. */
export function optimalHits(
  trace: Trace,
  capacity: number,
  nextUse: Int32Array = nextUseIndices(trace),
): number {
  const { ids, idBound } = trace;
  const never = ids.length;
  // cachedNext[id] = the id's next use while cached, -1 when not cached.
  const cachedNext = new Int32Array(idBound).fill(-1);
  // Max-heap of (next use, id); entries whose next use no longer matches cachedNext are stale.
  let heapSize = 0;
  let heapNext = new Int32Array(1024);
  let heapId = new Int32Array(1024);
  const push = (next: number, id: number): void => {
    if (heapSize === heapNext.length) {
      const grownNext = new Int32Array(heapSize * 2);
      grownNext.set(heapNext);
      heapNext = grownNext;
      const grownId = new Int32Array(heapSize * 2);
      grownId.set(heapId);
      heapId = grownId;
    }
    let position = heapSize++;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (heapNext[parent]! >= next) break;
      heapNext[position] = heapNext[parent]!;
      heapId[position] = heapId[parent]!;
      position = parent;
    }
    heapNext[position] = next;
    heapId[position] = id;
  };
  const popId = (): number => {
    const top = heapId[0]!;
    const lastNext = heapNext[--heapSize]!;
    const lastId = heapId[heapSize]!;
    let position = 0;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && heapNext[child + 1]! > heapNext[child]!) child++;
      if (heapNext[child]! <= lastNext) break;
      heapNext[position] = heapNext[child]!;
      heapId[position] = heapId[child]!;
      position = child;
    }
    heapNext[position] = lastNext;
    heapId[position] = lastId;
    return top;
  };
  let size = 0;
  let hits = 0;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!;
    const next = nextUse[index]!;
    if (cachedNext[id] === index) {
      hits++;
      if (next === never) {
        cachedNext[id] = -1;
        size--;
      } else {
        cachedNext[id] = next;
        push(next, id);
      }
      continue;
    }
    if (next === never) continue;
    if (size === capacity) {
      // The furthest-used cached entry; if the newcomer is used even later, bypass it.
      let victim = -1;
      while (heapSize > 0) {
        const top = heapId[0]!;
        if (cachedNext[top] === heapNext[0]) {
          victim = top;
          break;
        }
        popId();
      }
      if (victim === -1 || cachedNext[victim]! < next) continue;
      popId();
      cachedNext[victim] = -1;
      size--;
    }
    cachedNext[id] = next;
    size++;
    push(next, id);
  }
  return hits;
}
