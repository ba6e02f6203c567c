import { describe, expect, it } from 'vitest';
import { createLfuCache, lfuCacheFactory } from '../src/index.js';

describe('unknown options', () => {
  it('createLfuCache and lfuCacheFactory reject an unknown option, naming it and the known ones', () => {
    const named = expect.objectContaining({
      code: 'ERR_INVALID_CONFIG',
      option: 'maxEntrys',
      message: expect.stringMatching(/known: maxEntries, maxSize, maxCost/),
    });
    expect(() => createLfuCache({ maxEntrys: 10 } as never)).toThrow(named);
    expect(() => lfuCacheFactory({ maxEntrys: 10 } as never)).toThrow(named);
    expect(() => lfuCacheFactory({ maxEntries: 10, bufferItems: 64, numCounters: 100 })).not.toThrow();
  });
});
