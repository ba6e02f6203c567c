import { InvalidConfigError } from '@synced-cache/core';
import { describe, expect, it } from 'vitest';
import { createLruCache, lruCacheFactory } from '../src/index.js';

describe('unknown options', () => {
  it('createLruCache and lruCacheFactory reject an unknown option, naming it and the known ones', () => {
    for (const make of [createLruCache, lruCacheFactory]) {
      let caught: unknown;
      try {
        make({ maxEntrys: 10 } as never);
      } catch (error) {
        caught = error;
      }
      expect(InvalidConfigError.isInstance(caught)).toBe(true);
      expect((caught as InvalidConfigError).option).toBe('maxEntrys');
      expect((caught as InvalidConfigError).message).toMatch(/known: maxEntries, maxSize, maxCost/);
    }
    expect(() => lruCacheFactory({ maxEntries: 10, bufferItems: 64, numCounters: 100 })).not.toThrow();
  });
});
