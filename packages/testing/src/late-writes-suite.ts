import { type SyncedCache, type SyncedCacheOptions, TimeoutError } from '@synced-cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { randomId } from './random.js';
import { waitForSync } from './wait-for-sync.js';

/** What {@link describeLateWrites} needs from the adapter under test. */
export interface LateWritesSetup {
  /**
   * Creates a pod on the shared server with these options (a namespace, a `podId` and a small
   * `timeoutMs` are given; pass them to the cache factory). Pods are closed by the suite.
   */
  createPod(options: SyncedCacheOptions<string>): Promise<SyncedCache<string>>;
  /**
   * Freezes the server so commands already sent stay unanswered and run when it wakes (for a real
   * server: SIGSTOP its process). Must hold longer than the pods' `timeoutMs`. For the late-run
   * tests the pods' connections must outlive the stall: `createPod` turns off (or lengthens) any
   * health check that would drop them, unless {@link LateWritesSuiteOptions.connectionsMayDrop}.
   */
  stall(): Promise<void> | void;
  /** Undoes {@link LateWritesSetup.stall} (SIGCONT). Also called after a failed test. */
  wake(): Promise<void> | void;
}

/** Options of {@link describeLateWrites}. */
export interface LateWritesSuiteOptions {
  /** The pods' `timeoutMs`; the server is held stalled for three times as long. @default 500 */
  timeoutMs?: number;
  /** How long pods may take to agree after the server wakes. @default 5000 */
  settleMs?: number;
  /** Extra options for every pod (for example `{ secret }` to test the path where core publishes). */
  cacheOptions?: Partial<SyncedCacheOptions<string>>;
  /**
   * The pods run with a health check that may drop a connection during the stall, so a write that
   * timed out may run late or never (a dropped connection's unread commands are lost). The pods
   * must then agree with whatever the store ended with — read by a pod started after the wake,
   * whose first read comes from the store — and that value must be the old or the new one.
   * @default false
   */
  connectionsMayDrop?: boolean;
}

/**
 * Writes that time out while the server is stalled, yet run when it wakes. The cache promises that
 * the writer drops its copy at once, and that afterwards every pod — the writer included — holds
 * the value the store ended with or nothing (and reads it), for `set`, `delete` and `clear`.
 *
 * @example
 * ```ts
 * describeLateWrites('ioredis', {
 *   createPod: (options) => createIoredisCache(redis.url, options),
 *   stall: () => process.kill(redis.pid, 'SIGSTOP'),
 *   wake: () => process.kill(redis.pid, 'SIGCONT'),
 * });
 * ```
 */
export function describeLateWrites(
  name: string,
  setup: () => LateWritesSetup | Promise<LateWritesSetup>,
  options: LateWritesSuiteOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 500;
  const settleMs = options.settleMs ?? 5000;
  const mayDrop = options.connectionsMayDrop === true;
  describe(`late writes: ${name}${mayDrop ? ' (connections may drop: late or never)' : ''}`, () => {
    const cleanup: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    async function stalledPair() {
      const adapter = await setup();
      const namespace = `late-${randomId()}`;
      const openPod = async (podId: string) => {
        const pod = await startPod(() =>
          adapter.createPod({ heartbeatMs: 0, ...options.cacheOptions, namespace, podId, timeoutMs }),
        );
        cleanup.push(() => pod.close());
        return pod;
      };
      const pods: Array<SyncedCache<string>> = [];
      for (const podId of ['writer', 'other']) pods.push(await openPod(podId));
      let stalled = false;
      cleanup.push(() => (stalled ? adapter.wake() : undefined));
      const [writer, other] = pods as [SyncedCache<string>, SyncedCache<string>];
      /** Runs `write` with the server stalled for 3 × timeoutMs: it must time out, then the server wakes. */
      const duringStall = async (write: () => Promise<unknown>) => {
        await adapter.stall();
        stalled = true;
        const outcome = write().then(
          () => undefined,
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 3 * timeoutMs));
        const error = await outcome;
        expect(TimeoutError.isInstance(error), `the write timed out (got ${String(error)})`).toBe(true);
        return {
          wake: async () => {
            await adapter.wake();
            stalled = false;
          },
        };
      };
      /**
       * What every pod must end with for `key`: `late` (the write ran when the server woke); with
       * connections that may drop, whatever a pod started now reads from the store, which must be
       * `late` or `before`.
       */
      const outcome = async (
        keys: string[],
        before: (key: string) => string,
        late: (key: string) => string | undefined,
      ) => {
        if (!mayDrop) return late;
        const referee = await openPod('referee');
        const held = new Map<string, string | undefined>();
        for (const key of keys) {
          const value = await referee.get(key);
          expect([before(key), late(key)], `the store holds the old or the new value of ${key}`).toContain(
            value,
          );
          held.set(key, value);
        }
        return (key: string) => held.get(key);
      };
      return { writer, other, duringStall, outcome };
    }

    /**
     * Starting a pod is setup, not the behaviour under test: on a loaded machine its subscription
     * can take longer than the small timeout these pods use, so a timed-out start is tried again.
     */
    async function startPod(create: () => Promise<SyncedCache<string>>): Promise<SyncedCache<string>> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await create();
        } catch (error) {
          if (attempt === 3 || !TimeoutError.isInstance(error)) throw error;
        }
      }
    }

    /** Both pods hold `expected` or nothing for every key, and read `expected` from the store. */
    async function agree(
      pods: Array<SyncedCache<string>>,
      keys: string[],
      expected: (key: string) => string | undefined,
    ) {
      await waitForSync(
        async () => {
          for (const pod of pods) {
            for (const key of keys) {
              const held = pod.peek(key);
              if (held !== undefined && held !== expected(key)) return false;
              if ((await pod.get(key)) !== expected(key)) return false;
            }
          }
          return true;
        },
        { timeoutMs: settleMs, message: 'every pod agrees with the store' },
      );
    }

    it('a set that times out and runs later: the writer drops its copy, then every pod has the late value', async () => {
      const { writer, other, duringStall, outcome } = await stalledPair();
      await writer.set('k', 'old');
      expect(await other.get('k')).toBe('old');
      const stall = await duringStall(() => writer.set('k', 'new'));
      expect(writer.peek('k')).toBeUndefined();
      await stall.wake();
      await agree(
        [writer, other],
        ['k'],
        await outcome(
          ['k'],
          () => 'old',
          () => 'new',
        ),
      );
    });

    it('a delete that times out and runs later: every pod ends without the key', async () => {
      const { writer, other, duringStall, outcome } = await stalledPair();
      await writer.set('k', 'old');
      expect(await other.get('k')).toBe('old');
      const stall = await duringStall(() => writer.delete('k'));
      expect(writer.peek('k')).toBeUndefined();
      await stall.wake();
      await agree(
        [writer, other],
        ['k'],
        await outcome(
          ['k'],
          () => 'old',
          () => undefined,
        ),
      );
    });

    it('a clear that times out and runs later: the writer flushes, and the clear reaches every pod', async () => {
      const { writer, other, duringStall, outcome } = await stalledPair();
      const keys = ['a', 'b', 'c'];
      for (const key of keys) await writer.set(key, key);
      for (const key of keys) expect(await other.get(key)).toBe(key);
      const stall = await duringStall(() => writer.clear());
      expect(writer.stats().localSize).toBe(0);
      await stall.wake();
      await agree(
        [writer, other],
        keys,
        await outcome(
          keys,
          (key) => key,
          () => undefined,
        ),
      );
    });
  });
}
