import { InvalidConfigError } from '@synced-cache/core';
import { describe, expect, it } from 'vitest';
import { createMsgpackMarshaller } from '../src/index.js';

describe('createMsgpackMarshaller options', () => {
  it('rejects an unknown option, naming it and the known ones', () => {
    let caught: unknown;
    try {
      createMsgpackMarshaller({ maxDepht: 8 } as never);
    } catch (error) {
      caught = error;
    }
    expect(InvalidConfigError.isInstance(caught)).toBe(true);
    expect((caught as InvalidConfigError).option).toBe('maxDepht');
    expect((caught as InvalidConfigError).message).toMatch(/known: classes, maxDepth, maxLength, maxBytes/);
    expect(() => createMsgpackMarshaller({ maxDepth: 8 })).not.toThrow();
  });
});
