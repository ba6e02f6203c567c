/**
 * A pod that meets more distinct keys than it tracks versions for (`maxTrackedKeys`, 100,000 by
 * default): every write or received event for a new key then makes the version table forget one.
 * Measures `await cache.set` of distinct keys on a pod with the default options on the embedded
 * `MemoryStore` and a `MemoryBus` with a second pod receiving every event, per write: the first
 * 100,000 keys (below the bound) against the next 200,000 (each one past it), in one run.
 *
 *   cd apps/bench && node --import tsx src/main.ts many-keys
 */
import { createCache, MemoryBus, MemoryStore, MemorySynchronizer } from '@synced-cache/core';

const BOUND = 100_000;
const PAST = 200_000;

export async function main(): Promise<string> {
  const store = new MemoryStore();
  const bus = new MemoryBus();
  const writer = await createCache<string>({
    store,
    synchronizer: new MemorySynchronizer({ bus }),
    heartbeatMs: 0,
  });
  const reader = await createCache<string>({
    store,
    synchronizer: new MemorySynchronizer({ bus }),
    heartbeatMs: 0,
  });
  const value = 'x'.repeat(100);
  // Lets the bus deliver (macrotasks) every so often, as a live pod does.
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const timeWrites = async (from: number, to: number): Promise<number> => {
    const start = performance.now();
    for (let i = from; i < to; i++) {
      await writer.set(`user:${i}`, value);
      if ((i & 255) === 255) await turn();
    }
    await turn();
    return ((performance.now() - start) * 1000) / (to - from);
  };
  try {
    const below = await timeWrites(0, BOUND);
    const past = await timeWrites(BOUND, BOUND + PAST);
    const received = reader.stats();
    return [
      '## Writes of new keys past the version bound',
      '',
      `Node ${process.version}; default options (\`maxTrackedKeys\` ${BOUND.toLocaleString('en-US')}), \`MemoryStore\` and a \`MemoryBus\` with a second pod applying every event, 100-byte string values; \`await cache.set\` of distinct keys, one process.`,
      'Command: `cd apps/bench && node --import tsx src/main.ts many-keys`.',
      '',
      '| keys written | µs per write | vs below the bound |',
      '|---|---:|---:|',
      `| first ${BOUND.toLocaleString('en-US')} (below the bound) | ${below.toFixed(2)} | 1.00x |`,
      `| next ${PAST.toLocaleString('en-US')} (each forgets a key) | ${past.toFixed(2)} | ${(past / below).toFixed(2)}x |`,
      '',
      `The receiving pod applied ${received.eventsApplied.toLocaleString('en-US')} events (${received.eventsStale} stale, ${received.resyncs} resyncs).`,
    ].join('\n');
  } finally {
    await writer.close();
    await reader.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await main());
}
