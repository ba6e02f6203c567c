import { InvalidConfigError } from '@synced-cache/core';
import { mulberry32, waitForSync } from '@synced-cache/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

describe('waitForSync', () => {
  it('resolves at once when the condition already holds', async () => {
    let calls = 0;
    await waitForSync(() => {
      calls++;
      return true;
    });
    expect(calls).toBe(1);
  });

  it('resolves as soon as a later state is reached', async () => {
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 20);
    const started = performance.now();
    await waitForSync(() => ready, { timeoutMs: 2000 });
    expect(ready).toBe(true);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('accepts an async condition', async () => {
    let calls = 0;
    await waitForSync(async () => {
      await Promise.resolve();
      return ++calls === 4;
    });
    expect(calls).toBe(4);
  });

  it('never runs the condition concurrently', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    await waitForSync(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return ++calls === 5;
      },
      { intervalMs: 0 },
    );
    expect(maxRunning).toBe(1);
  });

  it('times out with the message and the elapsed time', async () => {
    const error = await waitForSync(() => false, { timeoutMs: 60, message: 'pod 2 sees user:1' }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain('pod 2 sees user:1');
    const elapsed = Number(/timed out after (\d+) ms/.exec(error!.message)?.[1]);
    expect(elapsed).toBeGreaterThanOrEqual(60);
  });

  it('reports the last error of a throwing condition on timeout', async () => {
    const error = await waitForSync(
      () => {
        throw new RangeError('still 3 pods behind');
      },
      { timeoutMs: 30 },
    ).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error!.message).toContain('RangeError: still 3 pods behind');
    expect(error!.cause).toBeInstanceOf(RangeError);
  });

  it('recovers when a condition throws first and holds later', async () => {
    let calls = 0;
    await waitForSync(() => {
      calls++;
      if (calls < 3) throw new Error('not yet');
      return true;
    });
    expect(calls).toBe(3);
  });

  it('keeps polling in real time while fake timers are installed', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout'] });
    let calls = 0;
    await waitForSync(() => ++calls >= 3, { timeoutMs: 1000 });
    expect(calls).toBe(3);
    await expect(waitForSync(() => false, { timeoutMs: 20 })).rejects.toThrow(/timed out/);
  });

  it('rejects invalid options with InvalidConfigError naming the option', async () => {
    const error = await waitForSync(() => true, { timeoutMs: -1 }).catch((caught: unknown) => caught);
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    expect((error as InvalidConfigError).option).toBe('timeoutMs');
    const interval = await waitForSync(() => true, { intervalMs: Number.NaN }).catch(
      (caught: unknown) => caught,
    );
    expect((interval as InvalidConfigError).option).toBe('intervalMs');
  });
});

describe('mulberry32', () => {
  it('is deterministic per seed and spreads over [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(first);
    for (const value of first) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    const mean = first.reduce((sum, value) => sum + value, 0) / first.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
