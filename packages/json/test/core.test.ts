import { createCache, MemoryBus, MemoryStore, MemorySynchronizer } from '@synced-cache/core';
import { describe, expect, it } from 'vitest';
import { createJsonMarshaller } from '../src/index.js';

// Core loads no format package by name (this package depends on core, not the other way round):
// users pass the marshaller, optionally with the Go-style serializationFormat beside it.
describe('core with marshaller: createJsonMarshaller()', () => {
  it('is named json and speaks the current contract', () => {
    const marshaller = createJsonMarshaller();
    expect(marshaller.name).toBe('json');
    expect(marshaller.contractVersion).toBe(1);
  });

  it('carries typed values through the store and through set events to another pod', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const writer = await createCache<unknown>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      serializationFormat: 'json',
      marshaller: createJsonMarshaller(),
    });
    const reader = await createCache<unknown>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      serializationFormat: 'json',
      marshaller: createJsonMarshaller(),
    });
    try {
      const value = {
        at: new Date(Date.UTC(2024, 0, 1)),
        total: 2n ** 70n,
        tags: new Set(['a']),
        missing: undefined,
      };
      await writer.setWithInvalidate('order:1', value);
      expect(await reader.get('order:1')).toStrictEqual(value);
      const next = { ...value, tags: new Set(['a', 'b']) };
      const applied = new Promise<void>((resolve) =>
        reader.on('event', (event) => event.key === 'order:2' && resolve()),
      );
      await writer.set('order:2', next);
      await applied;
      expect(reader.peek('order:2')).toStrictEqual(next);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
