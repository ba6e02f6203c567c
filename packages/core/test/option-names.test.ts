import { describe, expect, it } from 'vitest';
import {
  CACHE_OPTION_NAMES,
  createCache,
  InvalidConfigError,
  MemoryStore,
  MemorySynchronizer,
  type OptionNames,
  rejectUnknownOptions,
} from '../src/index.js';

function caught(make: () => unknown): InvalidConfigError {
  try {
    make();
  } catch (error) {
    if (InvalidConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('unknown option names', () => {
  interface Options {
    timeoutMs?: number;
    prefix?: string;
  }
  const names: OptionNames<Options> = { timeoutMs: true, prefix: true };

  it('rejectUnknownOptions names the option, its value and the known ones; known names pass', () => {
    expect(() => rejectUnknownOptions<Options>({ timeoutMs: 1, prefix: 'p' }, names)).not.toThrow();
    const error = caught(() => rejectUnknownOptions({ timeoutMS: 5 } as Options, names, 'redis.'));
    expect(error.option).toBe('redis.timeoutMS');
    expect(error.value).toBe(5);
    expect(error.message).toBe(
      'invalid option redis.timeoutMS: 5 (expected a known option; this is not one (known: timeoutMs, prefix))',
    );
    // Inherited properties are not options; `toString` is not a known name either.
    expect(caught(() => rejectUnknownOptions({ toString: 1 } as Options, names)).option).toBe('toString');
  });

  it('MemoryStore and MemorySynchronizer reject unknown options', () => {
    expect(caught(() => new MemoryStore({ clock: Date.now } as never)).option).toBe('clock');
    expect(caught(() => new MemorySynchronizer({ channel: 'x' } as never)).option).toBe('channel');
    expect(() => new MemoryStore({ now: Date.now })).not.toThrow();
  });

  it('CACHE_OPTION_NAMES are exactly what createCache accepts', async () => {
    const every = Object.fromEntries(Object.keys(CACHE_OPTION_NAMES).map((name) => [name, undefined]));
    const cache = await createCache(every);
    await cache.close();
    await expect(createCache({ ...every, namespce: 'x' } as never)).rejects.toMatchObject({
      option: 'namespce',
    });
  });
});
