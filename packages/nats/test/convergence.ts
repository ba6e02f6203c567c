/**
 * Randomized convergence runs with NATS as the bus: pods in child processes (`child/convergence-pod.ts`),
 * each with an ioredis store on a private redis-server and a NATS synchronizer through its own fault
 * proxy to a private JetStream-enabled nats-server (64 kB `max_pending`, so a stalled pod is a slow
 * consumer). Per episode one fault from a seeded schedule, writers bursting on random pods meanwhile:
 *
 * - `bus-cut`: the target pods' NATS connections are reset (they reconnect at once);
 * - `bus-refuse`: reset and refused for the fault's duration;
 * - `bus-freeze`: the open connections go silent for the duration (the health check notices);
 * - `server-restart`: the nats-server is stopped and started again (its stream kept on disk);
 * - `slow-consumer`: the target pods' links hold every byte for the duration while a flood of junk
 *   messages goes to their subject: the server drops what it cannot deliver, silently.
 *
 * After the heal and a quiesce, every pod's local copy must equal the store's value or be absent,
 * and every `get` the store's value. Each pod's resyncs (flushes) are counted from its notices.
 * Uses the shared harness pieces of `@synced-cache/test-servers` (pod processes, fault proxies,
 * seeded random); the Redis-bus runner there (`runConvergence`) is Redis-only.
 */
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import {
  createRandom,
  type FaultProxy,
  freePort,
  type NatsServer,
  type PodProcess,
  type RedisServer,
  startFaultProxy,
  startNats,
  startPodProcess,
  startRedis,
} from '@synced-cache/test-servers';

export const NATS_FAULT_KINDS = [
  'bus-cut',
  'bus-refuse',
  'bus-freeze',
  'server-restart',
  'slow-consumer',
] as const;
export type NatsFaultKind = (typeof NATS_FAULT_KINDS)[number];

export interface NatsConvergenceOptions {
  seed: number;
  /** Replay mode (JetStream) instead of core mode. */
  replay: boolean;
  /** Episodes (one fault each). @default 5 */
  episodes?: number;
  /** Fault kinds to draw from. @default NATS_FAULT_KINDS */
  kinds?: readonly NatsFaultKind[];
  pods?: number;
  keys?: number;
  log?: (line: string) => void;
}

export interface NatsEpisode {
  kind: NatsFaultKind;
  targets: string[];
  durationMs: number;
  ops: number;
  failedOps: number;
  /** Resyncs per pod during the episode and its settling. */
  resyncs: number[];
  /** Their reasons (`pod:reason`), in order. */
  reasons: string[];
  /**
   * From the heal until no pod held a value other than the store's (polled every 100 ms once the
   * writers stopped), in ms; `undefined` when that did not happen within the quiesce.
   */
  staleWindowMs: number | undefined;
}

export interface NatsRunReport {
  seed: number;
  mode: 'core' | 'replay';
  durationMs: number;
  episodes: NatsEpisode[];
  /** Pod, key, what the pod held locally, what the store holds. */
  divergent: Array<{ pod: string; key: string; held: unknown; store: unknown }>;
  /** A pod's `get` that is not the store's value after the quiesce. */
  liveness: Array<{ pod: string; key: string; served: unknown; store: unknown }>;
  /** Resyncs per pod over the run, from the pods' notices. */
  resyncs: number[];
  /** Pods that did not exit by themselves after close. */
  stuck: string[];
  /**
   * At the end, subscriptions per pod on the namespace's events: in core mode the server's
   * subscriptions to the subject per connection (`/connz`), in replay mode the stream's consumers
   * filtered on it. One per pod (the store reader included) is right; more would mean a reconnect
   * left a duplicate that delivers every event twice.
   */
  subscribers: { counts: number[]; waitedMs: number };
}

const podScript = fileURLToPath(new URL('./child/convergence-pod.ts', import.meta.url));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const TIMEOUT_MS = 1000;
/** Longer than the longest fault plus a reconnect, so core's own deafness check never fires first. */
const HEARTBEAT_MS = 2500;
const GRACE_MS = 2000;

/** Runs one seeded run; every wait has a deadline. */
export async function runNatsConvergence(options: NatsConvergenceOptions): Promise<NatsRunReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  // The fault schedule has its own stream, so it is the same in both modes whatever the writers do.
  const random = createRandom(options.seed).fork('ops');
  const plan = createRandom(options.seed).fork('faults');
  const podCount = options.pods ?? 3;
  const keys = Array.from({ length: options.keys ?? 20 }, (_, i) => `k${i}`);
  const kinds = options.kinds ?? NATS_FAULT_KINDS;
  const namespace = `nc${options.seed}x${Math.random().toString(36).slice(2, 8)}`;
  const subjectPrefix = `soak-${namespace}`;
  const subject = `${subjectPrefix}.cache:invalidate:${namespace}`;
  const report: NatsRunReport = {
    seed: options.seed,
    mode: options.replay ? 'replay' : 'core',
    durationMs: 0,
    episodes: [],
    divergent: [],
    liveness: [],
    resyncs: [],
    stuck: [],
    subscribers: { counts: [], waitedMs: 0 },
  };
  let redis: RedisServer | undefined;
  let nats: NatsServer | undefined;
  const proxies: FaultProxy[] = [];
  const pods: PodProcess[] = [];
  let reader: PodProcess | undefined;
  try {
    const monitorPort = await freePort();
    [redis, nats] = await Promise.all([
      startRedis(),
      startNats({
        jetstream: true,
        config: 'max_payload: 65536\nmax_pending: 65536',
        args: ['-m', String(monitorPort)],
      }),
    ]);
    const natsServer = nats;
    const adapter = {
      redisUrl: redis.url,
      subjectPrefix,
      replay: options.replay,
      stream: subjectPrefix,
      graceMs: GRACE_MS,
    };
    const start = (url: string, podId: string, role: 'pod' | 'store-reader' = 'pod') =>
      startPodProcess({
        script: podScript,
        url,
        role,
        label: podId,
        options: { namespace, podId, timeoutMs: TIMEOUT_MS, heartbeatMs: HEARTBEAT_MS, redis: adapter },
      });
    for (let index = 0; index < podCount; index++) {
      proxies.push(await startFaultProxy({ target: { host: '127.0.0.1', port: nats.port } }));
    }
    // One at a time: on a loaded 2-core machine, pods starting together can miss their first
    // subscribe's deadline.
    for (const [index, proxy] of proxies.entries()) {
      pods.push(await start(`nats://127.0.0.1:${proxy.port}`, `p${index}`));
    }
    reader = await start(nats.url, 'store', 'store-reader');
    const storeReader = reader;
    const flooder = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    let value = 0;
    const resyncCount = (pod: PodProcess) => pod.notices.filter((notice) => notice.kind === 'resync').length;

    for (let episode = 0; episode < (options.episodes ?? 5); episode++) {
      for (const pod of pods) await pod.getAll(keys).catch(() => undefined);
      const kind = plan.pick(kinds);
      const targets = plan.int(1, 2) === 1 ? [plan.int(0, podCount - 1)] : [0, 1];
      const durationMs = plan.int(200, 1000);
      const startAfterMs = plan.int(50, 300);
      const before = pods.map(resyncCount);
      const record: NatsEpisode = {
        kind,
        targets: targets.map((i) => `p${i}`),
        durationMs,
        ops: 0,
        failedOps: 0,
        resyncs: [],
        reasons: [],
        staleWindowMs: undefined,
      };
      let writing = true;
      const writer = (async () => {
        while (writing) {
          await Promise.all(
            Array.from({ length: random.int(2, 5) }, async () => {
              const pod = pods[random.int(0, podCount - 1)]!;
              const key = random.pick(keys);
              const roll = random.next();
              record.ops++;
              try {
                if (roll < 0.5) await pod.set(key, `${pod.label}.${++value}`);
                else if (roll < 0.75) await pod.setWithInvalidate(key, `${pod.label}.${++value}`);
                else await pod.delete(key);
              } catch {
                record.failedOps++;
              }
            }),
          );
          await pause(100);
        }
      })();
      await pause(startAfterMs);
      const targetProxies = targets.map((index) => proxies[index]!);
      if (kind === 'bus-cut') {
        for (const proxy of targetProxies) proxy.cut();
        await pause(durationMs);
      } else if (kind === 'bus-refuse') {
        for (const proxy of targetProxies) proxy.refuse();
        await pause(durationMs);
      } else if (kind === 'bus-freeze') {
        for (const proxy of targetProxies) proxy.freeze();
        await pause(durationMs);
      } else if (kind === 'server-restart') {
        await natsServer.restart();
        await pause(durationMs);
      } else {
        for (const proxy of targetProxies) proxy.blackhole();
        const junk = new Uint8Array(4096).fill(0x41);
        const until = Date.now() + durationMs;
        while (Date.now() < until) {
          for (let i = 0; i < 100; i++) flooder.publish(subject, junk);
          await flooder.flush().catch(() => undefined);
          await pause(10);
        }
      }
      for (const proxy of proxies) proxy.heal();
      const healedAt = Date.now();
      writing = false;
      await writer;
      // Quiesce: long enough for a reconnect, a replay or a resync, and for heartbeats to reveal
      // lost trailing events. Meanwhile: how long until no pod held a replaced value.
      const quiesceEnd = healedAt + HEARTBEAT_MS + 4 * TIMEOUT_MS + GRACE_MS;
      record.staleWindowMs = await staleWindow(pods, storeReader, keys, healedAt, quiesceEnd);
      await pause(quiesceEnd - Date.now());
      record.resyncs = pods.map((pod, index) => resyncCount(pod) - before[index]!);
      record.reasons = pods.flatMap((pod, index) =>
        pod.notices
          .filter((notice) => notice.kind === 'resync')
          .slice(before[index])
          .map((notice) => `${pod.label}:${notice.value}`),
      );
      report.episodes.push(record);
      log(
        `  episode ${episode}: ${kind} on ${record.targets.join(',')} for ${durationMs} ms, ${record.ops} ops (${record.failedOps} failed), stale window ${record.staleWindowMs ?? 'NOT converged'} ms, resyncs ${record.resyncs.join('/')}${record.reasons.length > 0 ? ` (${record.reasons.join(', ')})` : ''}`,
      );
    }

    const store = await storeReader.getAll(keys);
    for (const pod of pods) {
      const held = await pod.peekAll(keys);
      const served = await pod.getAll(keys);
      keys.forEach((key, index) => {
        const expected = store.values[index];
        if (held[index] !== null && held[index] !== expected) {
          report.divergent.push({ pod: pod.label, key, held: held[index], store: expected });
        }
        if (served.values[index] !== expected) {
          report.liveness.push({ pod: pod.label, key, served: served.values[index], store: expected });
        }
      });
    }
    report.resyncs = pods.map(resyncCount);
    const expected = pods.length + 1;
    const waitStart = Date.now();
    for (;;) {
      report.subscribers.counts = options.replay
        ? await streamConsumers(monitorPort, subjectPrefix, subject)
        : await subjectSubscriptions(monitorPort, subject);
      const right =
        report.subscribers.counts.length === expected && report.subscribers.counts.every((n) => n === 1);
      // Ordered consumers left by a reconnect are removed by the server after their inactivity threshold.
      if (right || Date.now() - waitStart > 15_000) break;
      await pause(250);
    }
    report.subscribers.waitedMs = Date.now() - waitStart;
    await flooder.close();
  } finally {
    for (const proxy of proxies) proxy.heal();
    for (const pod of [...pods, ...(reader === undefined ? [] : [reader])]) {
      const outcome = await pod.close().catch(() => undefined);
      if (outcome !== undefined && !outcome.exited) report.stuck.push(pod.label);
    }
    await Promise.allSettled(proxies.map((proxy) => proxy.close()));
    await Promise.allSettled([nats?.stop(), redis?.stop()]);
    report.durationMs = Date.now() - started;
  }
  log(
    `seed ${report.seed} (${report.mode}): ${report.divergent.length} divergent, ${report.liveness.length} liveness failures, resyncs ${report.resyncs.join('/')}, subscribers ${report.subscribers.counts.join('/')}, ${Math.round(report.durationMs / 1000)} s`,
  );
  return report;
}

/** What made a run fail (empty when it passed). */
export function natsRunFailures(report: NatsRunReport): string[] {
  const failures: string[] = [];
  for (const pair of report.divergent) failures.push(`divergent: ${JSON.stringify(pair)}`);
  for (const pair of report.liveness) failures.push(`liveness: ${JSON.stringify(pair)}`);
  for (const pod of report.stuck) failures.push(`${pod} did not exit after close`);
  for (const [index, episode] of report.episodes.entries()) {
    if (episode.staleWindowMs === undefined)
      failures.push(
        `episode ${index} (${episode.kind}): a pod still held a replaced value at the end of the quiesce`,
      );
  }
  const { counts } = report.subscribers;
  if (counts.length !== report.resyncs.length + 1 || counts.some((count) => count !== 1)) {
    failures.push(
      `subscriptions per pod ${JSON.stringify(counts)}, expected one for each of ${report.resyncs.length + 1} pods`,
    );
  }
  return failures;
}

/** Polls until no pod holds a value other than the store's; ms since `healedAt`, or undefined at `deadline`. */
async function staleWindow(
  pods: PodProcess[],
  storeReader: PodProcess,
  keys: string[],
  healedAt: number,
  deadline: number,
): Promise<number | undefined> {
  while (Date.now() < deadline) {
    const converged = await (async () => {
      const store = await storeReader.getAll(keys);
      for (const pod of pods) {
        const held = await pod.peekAll(keys);
        if (held.some((value, index) => value !== null && value !== store.values[index])) return false;
      }
      return true;
    })().catch(() => false);
    if (converged) return Date.now() - healedAt;
    await pause(100);
  }
  return undefined;
}

/** Core mode: per server connection, its subscriptions to `subject` (connections with none left out). */
async function subjectSubscriptions(monitorPort: number, subject: string): Promise<number[]> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/connz?subs=1&limit=1024`);
  const body = (await response.json()) as { connections?: Array<{ subscriptions_list?: string[] }> };
  return (body.connections ?? [])
    .map((connection) => (connection.subscriptions_list ?? []).filter((each) => each === subject).length)
    .filter((count) => count > 0);
}

/** Replay mode: the stream's consumers on `subject` (each counts 1), from the server's `/jsz`. */
async function streamConsumers(monitorPort: number, stream: string, subject: string): Promise<number[]> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/jsz?consumers=true&config=true`);
  const body = (await response.json()) as {
    account_details?: Array<{
      stream_detail?: Array<{
        name: string;
        consumer_detail?: Array<{ config?: { filter_subject?: string; filter_subjects?: string[] } }>;
      }>;
    }>;
  };
  const counts: number[] = [];
  for (const account of body.account_details ?? []) {
    for (const detail of account.stream_detail ?? []) {
      if (detail.name !== stream) continue;
      for (const consumer of detail.consumer_detail ?? []) {
        const filters = [consumer.config?.filter_subject, ...(consumer.config?.filter_subjects ?? [])];
        if (filters.includes(subject)) counts.push(1);
      }
    }
  }
  return counts;
}
