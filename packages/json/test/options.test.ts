import { InvalidConfigError } from '@synced-cache/core';
import { describe, expect, it } from 'vitest';
import { createJsonMarshaller } from '../src/index.js';

describe('createJsonMarshaller options', () => {
  it('rejects an unknown option, naming it and the known ones', () => {
    let caught: unknown;
    try {
      createJsonMarshaller({ maxDepht: 8 } as never);
    } catch (error) {
      caught = error;
    }
    expect(InvalidConfigError.isInstance(caught)).toBe(true);
    expect((caught as InvalidConfigError).option).toBe('maxDepht');
    expect((caught as InvalidConfigError).message).toMatch(/known: classes, maxDepth, maxLength, maxBytes/);
    expect(() => createJsonMarshaller({ maxDepth: 8 })).not.toThrow();
  });
});
