import { createCache, loadMarshaller, MemoryBus, MemoryStore, MemorySynchronizer } from '@synced-cache/core';
import { describe, expect, it } from 'vitest';

describe("core's serializationFormat: 'json'", () => {
  it('resolves to this package', async () => {
    const marshaller = await loadMarshaller('json');
    expect(marshaller.name).toBe('json');
    expect(marshaller.contractVersion).toBe(1);
  });

  it('carries typed values through the store to another pod', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const writer = await createCache<unknown>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      serializationFormat: 'json',
    });
    const reader = await createCache<unknown>({
      store,
      synchronizer: new MemorySynchronizer({ bus }),
      serializationFormat: 'json',
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
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
