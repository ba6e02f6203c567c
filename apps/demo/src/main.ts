/**
 * synced-cache demo: three pods in one process on the embedded store and bus (nothing to
 * install), showing what propagates, how fast, and what each pod holds after every step.
 */
import {
  createCache,
  MemoryBus,
  MemoryStore,
  MemorySynchronizer,
  type SyncedCache,
} from '@synced-cache/core';

interface Product {
  name: string;
  price: number;
}

const POD_NAMES = ['pod-a', 'pod-b', 'pod-c'];
const KEYS = ['product:1', 'product:2', 'banner'];
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);

function show(value: unknown): string {
  if (value === undefined) return dim('—');
  return JSON.stringify(value);
}

/** What every pod's local tier holds for each key (peek never touches the store). */
function view(pods: SyncedCache<unknown>[]): string {
  const width = 34;
  const header = `  ${'key'.padEnd(12)}${POD_NAMES.map((n) => n.padEnd(width)).join('')}`;
  const rows = KEYS.map((key) => {
    const cells = pods.map((pod) => {
      const text = show(pod.peek(key));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colour codes this file adds
      const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
      return text + ' '.repeat(Math.max(1, width - visible.length));
    });
    return `  ${key.padEnd(12)}${cells.join('')}`;
  });
  return [dim(header), ...rows].join('\n');
}

/** Resolves when `condition` holds, and says how long that took. */
async function until(condition: () => boolean): Promise<string> {
  const start = process.hrtime.bigint();
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
  const us = Number(process.hrtime.bigint() - start) / 1000;
  return us < 1000 ? `${us.toFixed(0)} µs` : `${(us / 1000).toFixed(2)} ms`;
}

async function step(title: string, action: () => Promise<string | undefined>, pods: SyncedCache<unknown>[]) {
  console.log(`\n${bold('▶')} ${bold(title)}`);
  const note = await action();
  if (note) console.log(`  ${green(note)}`);
  console.log(view(pods));
}

async function main() {
  console.log(bold('synced-cache demo') + dim(' — 3 pods, embedded MemoryStore + MemoryBus (one process)'));
  const store = new MemoryStore();
  const bus = new MemoryBus();
  const synchronizers = POD_NAMES.map(() => new MemorySynchronizer({ bus }));
  const pods = await Promise.all(
    POD_NAMES.map((podId, i) =>
      createCache<unknown>({ podId, store, synchronizer: synchronizers[i], heartbeatMs: 200 }),
    ),
  );
  const [a, b, c] = pods as [SyncedCache<unknown>, SyncedCache<unknown>, SyncedCache<unknown>];

  await step(
    'pod-a sets product:1 — the value itself travels to pod-b and pod-c',
    async () => {
      await a.set('product:1', { name: 'Lamp', price: 30 } satisfies Product);
      return `propagated to every pod in ${await until(() => b.peek('product:1') !== undefined && c.peek('product:1') !== undefined)}, no store reads`;
    },
    pods,
  );

  await step(
    'pod-b changes the price — every copy is replaced',
    async () => {
      await b.set('product:1', { name: 'Lamp', price: 25 } satisfies Product);
      return `converged in ${await until(() => pods.every((p) => (p.peek('product:1') as Product | undefined)?.price === 25))}`;
    },
    pods,
  );

  await step(
    'pod-c writes a large banner with setWithInvalidate — others only drop their copy',
    async () => {
      await a.set('banner', 'old banner');
      await until(() => c.peek('banner') === 'old banner' && b.peek('banner') === 'old banner');
      await c.setWithInvalidate('banner', 'new banner '.repeat(3).trim());
      const took = await until(() => a.peek('banner') === undefined && b.peek('banner') === undefined);
      return `invalidated in ${took}; pod-a and pod-b will read the store on their next get`;
    },
    pods,
  );

  await step(
    'pod-a reads banner — one store read fills its local tier',
    async () => {
      const value = await a.get('banner');
      return `pod-a got ${JSON.stringify(value)} (remote hits on pod-a: ${a.stats().remoteHits})`;
    },
    pods,
  );

  await step(
    '50 concurrent getOrSet calls on pod-b for product:2 — the loader runs once',
    async () => {
      let loads = 0;
      const loader = async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { name: 'Desk', price: 120 } satisfies Product;
      };
      await Promise.all(Array.from({ length: 50 }, () => b.getOrSet('product:2', loader)));
      await until(() => a.peek('product:2') !== undefined);
      return `loader calls: ${loads}; the loaded value was written through and sent to the other pods`;
    },
    pods,
  );

  await step(
    'every pod reads product:2 100,000 times — local hits, no network',
    async () => {
      const before = pods.reduce((n, pod) => n + pod.stats().remoteHits + pod.stats().remoteMisses, 0);
      const started = process.hrtime.bigint();
      for (let i = 0; i < 100_000; i++) for (const pod of pods) await pod.get('product:2');
      const ns = Number(process.hrtime.bigint() - started) / 300_000;
      const after = pods.reduce((n, pod) => n + pod.stats().remoteHits + pod.stats().remoteMisses, 0);
      return `${ns.toFixed(0)} ns per get; store reads during the loop: ${after - before}`;
    },
    pods,
  );

  await step(
    'pod-c loses its connection while pod-a deletes product:1',
    async () => {
      synchronizers[2]!.disconnect();
      await a.delete('product:1');
      await until(() => b.peek('product:1') === undefined);
      const read = await c.get('product:1');
      return (
        `pod-c missed the event (status: ${c.connectionStatus}); it cannot hear changes, so it stopped ` +
        `serving its local tier and reads the store instead: product:1 → ${read === undefined ? 'gone' : JSON.stringify(read)}`
      );
    },
    pods,
  );

  await step(
    'pod-c reconnects — it was told messages may be lost, so it flushes',
    async () => {
      synchronizers[2]!.reconnect();
      return `pod-c resyncs: ${c.stats().resyncs}; it serves nothing stale, and refills from the store on demand`;
    },
    pods,
  );

  await step(
    'pod-b clears the namespace — everywhere, and only this namespace',
    async () => {
      await b.clear();
      return `cleared in ${await until(() => pods.every((p) => KEYS.every((k) => p.peek(k) === undefined)))}`;
    },
    pods,
  );

  console.log(`\n${bold('Stats')}`);
  const rows = pods.map((pod, i) => ({ pod: POD_NAMES[i], ...pod.stats() }));
  console.table(
    rows.map(
      ({ pod, localHits, localMisses, remoteHits, remoteMisses, invalidations, eventsApplied, resyncs }) => ({
        pod,
        localHits,
        localMisses,
        remoteHits,
        remoteMisses,
        invalidations,
        eventsApplied,
        resyncs,
      }),
    ),
  );
  await Promise.all(pods.map((pod) => pod.close()));
  console.log(
    dim('\nAll pods closed. Run `npm test` for the test suite; see README.md for the Redis adapters.'),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
