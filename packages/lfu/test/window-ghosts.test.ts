import { describe, expect, it } from 'vitest';
import { GROW, NO_CHANGE, SHRINK, WindowGhosts } from '../src/window-ghosts.js';

describe('WindowGhosts', () => {
  it('a rejected candidate that returns within the horizon asks for a larger window, once', () => {
    const ghosts = new WindowGhosts(1000);
    ghosts.rejectedOne(12345, 100);
    expect(ghosts.returning(12345, 100 + 1000)).toBe(GROW);
    expect(ghosts.returning(12345, 100 + 1001)).toBe(NO_CHANGE);
  });

  it('a displaced main entry that returns within the horizon asks for a smaller window', () => {
    const ghosts = new WindowGhosts(1000);
    ghosts.displacedOne(777, 5);
    expect(ghosts.returning(777, 6)).toBe(SHRINK);
    expect(ghosts.returning(777, 7)).toBe(NO_CHANGE);
  });

  it('a return later than the expected entries in requests says nothing (a loop longer than the cache)', () => {
    const ghosts = new WindowGhosts(1000);
    ghosts.rejectedOne(42, 0);
    ghosts.displacedOne(43, 0);
    expect(ghosts.returning(42, 1001)).toBe(NO_CHANGE);
    expect(ghosts.returning(43, 1001)).toBe(NO_CHANGE);
  });

  it('remembers one loser per slot: a newer one with the same slot replaces it', () => {
    const ghosts = new WindowGhosts(1000); // 16 slots (the minimum)
    ghosts.rejectedOne(1, 0);
    ghosts.rejectedOne(1 + 16, 0);
    expect(ghosts.returning(1, 1)).toBe(NO_CHANGE);
    expect(ghosts.returning(1 + 16, 1)).toBe(GROW);
  });

  it('an unknown hash, and hash 0 (an empty slot), say nothing', () => {
    const ghosts = new WindowGhosts(1000);
    ghosts.rejectedOne(0, 0);
    expect(ghosts.returning(0, 1)).toBe(NO_CHANGE);
    expect(ghosts.returning(99, 1)).toBe(NO_CHANGE);
  });

  it('counts request numbers past 2^31 in 32 bits without losing the distance', () => {
    const ghosts = new WindowGhosts(1000);
    const start = 2 ** 32 - 10; // stored wrapped, as the cache's per-slot Int32Array holds it
    ghosts.rejectedOne(5, start | 0);
    ghosts.displacedOne(6, start);
    expect(ghosts.returning(5, start + 990)).toBe(GROW);
    expect(ghosts.returning(6, start + 1010)).toBe(NO_CHANGE);
  });
});
