import {
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type Subscription,
  type Synchronizer,
} from '@synced-cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends.js';
import { DemoPod } from '../src/pod.js';
import {
  type Channel,
  channelPair,
  type DemoValue,
  type FromPod,
  type PodConfig,
  type ToPod,
} from '../src/protocol.js';

/** A bus that accepts everything and delivers nothing, and never says so: a deaf pod. */
class DeafSynchronizer implements Synchronizer {
  async publish(): Promise<void> {}
  async subscribe(): Promise<Subscription> {
    return { unsubscribe: async () => undefined };
  }
  async close(): Promise<void> {}
}

const running: { coordinator: Channel<FromPod, ToPod>; inbox: FromPod[] }[] = [];

async function pod(name: string, store: MemoryStore, synchronizer: Synchronizer) {
  const cache = await createCache<DemoValue>({ podId: name, store, synchronizer, heartbeatMs: 60_000 });
  const backend: Backend = {
    cache,
    cut: async () => 'none',
    heal: async () => undefined,
    close: () => cache.close(),
  };
  const config: PodConfig = {
    name,
    index: 0,
    backend: { kind: 'embedded' },
    namespace: 'default',
    staleBoundMs: 20,
  };
  const [coordinator, podEnd] = channelPair<FromPod, ToPod>();
  const inbox: FromPod[] = [];
  coordinator.onMessage((message) => inbox.push(message));
  new DemoPod(config, backend, podEnd);
  running.push({ coordinator, inbox });
  return { coordinator, inbox };
}

/** Resolves with the first message matching `match`, checking every 10 ms for at most 10 s. */
async function first(inbox: FromPod[], match: (message: FromPod) => boolean): Promise<FromPod> {
  for (let i = 0; i < 1000; i++) {
    const found = inbox.find(match);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no matching message within 10 s');
}

function relayAcknowledgements(from: FromPod[], to: Channel<FromPod, ToPod>[]) {
  let relayed = 0;
  const timer = setInterval(() => {
    for (; relayed < from.length; relayed++) {
      const message = from[relayed]!;
      if (message.type === 'acknowledged-set') for (const channel of to) channel.send(message);
    }
  }, 5);
  return () => clearInterval(timer);
}

afterEach(async () => {
  // A pod stops its timers and closes its cache on `stop`, as in the demo.
  await Promise.all(
    running.splice(0).map(({ coordinator, inbox }) => {
      coordinator.send({ type: 'stop' });
      return first(inbox, (message) => message.type === 'stopped');
    }),
  );
});

describe('DemoPod', () => {
  it('reports stale reads from a pod that silently stopped hearing the bus', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const writer = await pod('writer', store, new MemorySynchronizer({ bus }));
    const deaf = await pod('deaf', store, new DeafSynchronizer());
    const stop = relayAcknowledgements(writer.inbox, [deaf.coordinator]);
    try {
      deaf.coordinator.send({
        type: 'workload',
        workload: { writes: [], writeEveryMs: 0, reads: ['k'], readEveryMs: 2 },
      });
      writer.coordinator.send({
        type: 'workload',
        workload: { writes: ['k'], writeEveryMs: 5, reads: [], readEveryMs: 0 },
      });
      const stale = await first(deaf.inbox, (message) => message.type === 'stale');
      expect(stale).toMatchObject({
        type: 'stale',
        detail: expect.stringMatching(/^deaf read k → seq \d+, expected seq ≥ \d+/),
      });
    } finally {
      stop();
    }
  });

  it('runs its getOrSet stampede loader once for many concurrent callers', async () => {
    const only = await pod('solo', new MemoryStore(), new MemorySynchronizer({ bus: new MemoryBus() }));
    only.coordinator.send({ type: 'stampede', key: 's', callers: 40, loaderMs: 20 });
    expect(await first(only.inbox, (message) => message.type === 'stampede-done')).toEqual({
      type: 'stampede-done',
      loaderCalls: 1,
      values: 40,
    });
  });
});
