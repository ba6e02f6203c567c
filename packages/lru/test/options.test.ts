import { describe, expect, it } from 'vitest';
import { createLruCache, lruCacheFactory } from '../src/index.js';

describe('unknown options', () => {
  it('createLruCache and lruCacheFactory reject an unknown option, naming it and the known ones', () => {
    const named = expect.objectContaining({
      code: 'ERR_INVALID_CONFIG',
      option: 'maxEntrys',
      message: expect.stringMatching(/known: maxEntries, maxSize, maxCost/),
    });
    expect(() => createLruCache({ maxEntrys: 10 } as never)).toThrow(named);
    expect(() => lruCacheFactory({ maxEntrys: 10 } as never)).toThrow(named);
    expect(() => lruCacheFactory({ maxEntries: 10, bufferItems: 64, numCounters: 100 })).not.toThrow();
  });
});
