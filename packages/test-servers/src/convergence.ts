import {
  type ActiveFault,
  CLOSE_STATES,
  type CloseState,
  FAULT_KINDS,
  type FaultKind,
  injectFault,
  type PlannedFault,
  planRun,
  type RunPlan,
} from './faults.js';
import {
  PodCallFailed,
  PodCallTimeout,
  type PodCloseOutcome,
  type PodProcess,
  startPodProcess,
} from './pod-driver.js';
import type { ReadAllResult } from './pod-protocol.js';
import { resumeProcess, suspendProcess } from './process.js';
import { type FaultProxy, startFaultProxy } from './proxy.js';
import { createRandom, type Random } from './random.js';
import { type RedisServer, startRedis } from './redis.js';
import { redisCommand } from './resp.js';

/** Options of {@link runConvergence}. Durations in ms. */
export interface ConvergenceOptions {
  /** A label for reports (`'ioredis'`, `'redis'`). */
  adapter: string;
  /** The adapter's child pod script (it calls `podSetup()` and `servePod()`). */
  podScript: string;
  /** Seeds the fault schedule and the writers. */
  seed: number;
  /** Pods under test. @default 3 */
  pods?: number;
  /** Size of the hot keyspace. @default 20 */
  keys?: number;
  /** Episodes (one fault each). @default 4 */
  episodes?: number;
  /** Fault kinds to draw from. @default FAULT_KINDS */
  kinds?: readonly FaultKind[];
  /** Close states to draw from. @default CLOSE_STATES */
  closeStates?: readonly CloseState[];
  /** The pods' `timeoutMs`. @default 500 */
  timeoutMs?: number;
  /** The pods' `heartbeatMs`. @default 500 */
  heartbeatMs?: number;
  /** The pods' `localTtlMs`; unset leaves the library's default (no local TTL). */
  localTtlMs?: number;
  /** Adapter options passed to the factory as `redis` (plain data). */
  adapterOptions?: Record<string, string | number | boolean>;
  /** Longest fault. @default 2000 */
  maxFaultMs?: number;
  /**
   * The quiesce after the last fault healed, before the final comparison: part of the protocol,
   * long enough for heartbeats to reveal lost trailing events. @default 2 × heartbeatMs + 2 × timeoutMs
   */
  quiesceMs?: number;
  /** After a heal, how long probes wait for every pod to serve the store's values. @default 5000 */
  staleDeadlineMs?: number;
  /**
   * The staleness a pod may show while faulted: a pod serving a value older than the store's for
   * longer than this counts as a violation. The library documents no number yet; the default is
   * one heartbeat plus two timeouts: by then a pod can know it missed something (its own heartbeat
   * did not come back), and a write's event can take that long to follow it through a delayed link.
   * @default heartbeatMs + 2 × timeoutMs
   */
  staleBoundMs?: number;
  /** After the final writes, how long every pod may take to serve them. @default 8000 */
  livenessDeadlineMs?: number;
  /** How long to wait for exactly one subscriber connection per pod. @default 3000 */
  subscriberWaitMs?: number;
  /** How long a pod may take from `close` to process exit. @default 10000 */
  exitDeadlineMs?: number;
  /** Pacing of write bursts (a rate limit, not a propagation wait). @default 100 */
  burstIntervalMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** A pod serving something other than the store's value. */
export interface StalePair {
  pod: string;
  key: string;
  served: unknown;
  store: unknown;
}

/** A stale read seen by a probe: when (ms since the run started) and how old the store's value was. */
export interface StaleSample extends StalePair {
  atMs: number;
  /** A lower bound on how long the store had held its value when the pod served another one. */
  ageMs: number;
}

/** What happened in one episode. */
export interface EpisodeReport {
  index: number;
  fault: PlannedFault;
  /** Times since the run started. */
  injectedAtMs: number;
  healedAtMs: number;
  opsIssued: number;
  opsFailed: number;
  /** Probes while the fault was active (between write bursts). */
  during: {
    /** (pod, key) reads compared with a stable store value. */
    samples: number;
    stale: number;
    /** The oldest store value a pod was seen not serving; 0 when none. */
    maxAgeMs: number;
    /** Stale samples older than `staleBoundMs`. */
    beyondBound: number;
    examples: StaleSample[];
  };
  /**
   * After the heal (writers stopped): the last time, since the heal, a probe saw a pod serve a value
   * other than the store's (a lower bound; 0 when the first probes were clean). When not
   * `converged`, the pods were still stale at `staleDeadlineMs` and this is that deadline.
   */
  staleWindowMs: number;
  /** Two clean probe rounds in a row happened within `staleDeadlineMs` of the heal. */
  converged: boolean;
  afterExamples: StaleSample[];
  /** Per pod: whether it reported `down` / `resubscribed` / a resync between the fault and convergence. */
  noticed: Array<{ pod: string; down: boolean; resubscribed: boolean; resyncs: number }>;
  /** Subscriber connections per pod on the server right after the episode (no wait). */
  subscribers: number[];
}

/** Everything a run found. */
export interface RunReport {
  adapter: string;
  seed: number;
  plan: RunPlan;
  /** The `staleBoundMs` the run was judged with. */
  staleBoundMs: number;
  durationMs: number;
  episodes: EpisodeReport[];
  /** After the quiesce: a pod's local copy (`peek`) present and different from the store's value. */
  divergent: StalePair[];
  /**
   * A pod's `get` different from the store's value after the quiesce (`phase: 'get'`), or still
   * different `livenessDeadlineMs` after a fresh pod rewrote every key (`phase: 'after-write'`):
   * the pod stopped applying events.
   */
  liveness: Array<StalePair & { phase: 'get' | 'after-write' }>;
  /** How long every pod took to serve the final writes (undefined when some never did). */
  livenessConvergeMs: number | undefined;
  /** Subscriber connections per pod on the server after the run (`CLIENT LIST`), and the wait. */
  subscribers: { perPod: number[]; waitedMs: number };
  close: { state: CloseState; pods: PodCloseOutcome[] };
  ops: { issued: number; failed: number; outcomes: Record<string, number> };
  podStats: Array<Record<string, number> | undefined>;
  /** Calls a pod did not answer within the call deadline (every public call should be bounded). */
  hungCalls: string[];
  /** Pods that exited on their own during the run, with their stderr tail. */
  crashed: string[];
  /** Problems of the harness itself (a reference read that failed); the run's verdict is unreliable. */
  harnessErrors: string[];
}

interface Op {
  kind: 'set' | 'setWithInvalidate' | 'delete' | 'clear';
  pod: number;
  key: string;
  value: string | undefined;
  outcome?: string;
}

interface Change {
  episode: number;
  /** When the write was acknowledged; undefined when it failed (it may still land). */
  ackAt?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One randomized convergence run against a private Redis:
 *
 * 1. `pods` pod processes (the adapter's `podScript`), each behind its own fault proxy, a store
 *    reader pod (keeps nothing locally, so its `get` reads the store) behind an unfaulted proxy.
 * 2. `episodes` episodes: all pods read every key (so they hold copies), writers on random pods
 *    issue bursts of `set` / `setWithInvalidate` / `delete` / `clear` on the hot keys while one
 *    planned fault is injected; between bursts a probe reads the store, then every pod, then the
 *    store again, and for each key whose store value did not change compares what pods serve.
 *    At the heal the writers stop and probes continue until two rounds in a row are clean or
 *    `staleDeadlineMs` passes: that is the episode's stale window.
 * 3. A quiesce of `quiesceMs`, then a fresh pod (empty local tier) reads the store's value of
 *    every key; every pod's `peek` must be absent or equal (safety) and its `get` equal (liveness).
 *    The fresh pod then rewrites every key and every pod must serve the new values within
 *    `livenessDeadlineMs`. Subscriber connections per pod are counted with `CLIENT LIST`.
 * 4. The pods close in the planned close state; the time to process exit is measured.
 *
 * Values are unique per write, so "the same value" means "the same write". Every wait has a
 * deadline; the run's fault schedule is reproducible from the seed (timing is not).
 */
export async function runConvergence(options: ConvergenceOptions): Promise<RunReport> {
  const podCount = options.pods ?? 3;
  const keyCount = options.keys ?? 20;
  const timeoutMs = options.timeoutMs ?? 500;
  const heartbeatMs = options.heartbeatMs ?? 500;
  const quiesceMs = options.quiesceMs ?? 2 * heartbeatMs + 2 * timeoutMs;
  const staleDeadlineMs = options.staleDeadlineMs ?? 5000;
  const staleBoundMs = options.staleBoundMs ?? heartbeatMs + 2 * timeoutMs;
  const livenessDeadlineMs = options.livenessDeadlineMs ?? 8000;
  const subscriberWaitMs = options.subscriberWaitMs ?? 3000;
  const exitDeadlineMs = options.exitDeadlineMs ?? 10_000;
  const burstIntervalMs = options.burstIntervalMs ?? 100;
  const callTimeoutMs = Math.max(10_000, 10 * timeoutMs);
  const log = options.log ?? (() => {});
  const plan = planRun(options.seed, {
    pods: podCount,
    episodes: options.episodes ?? 4,
    timeoutMs,
    kinds: options.kinds ?? FAULT_KINDS,
    maxFaultMs: options.maxFaultMs ?? 2000,
    closeStates: options.closeStates ?? CLOSE_STATES,
  });
  const opsRandom = createRandom(options.seed).fork('ops');
  const jitterRandom = createRandom(options.seed).fork('jitter');
  const keys = Array.from({ length: keyCount }, (_, index) => `k${String(index).padStart(2, '0')}`);
  const namespace = `cv${options.seed >>> 0}x${Math.random().toString(36).slice(2, 8)}`;
  const runStart = Date.now();
  const sinceStart = () => Date.now() - runStart;

  const report: RunReport = {
    adapter: options.adapter,
    seed: options.seed,
    plan,
    staleBoundMs,
    durationMs: 0,
    episodes: [],
    divergent: [],
    liveness: [],
    livenessConvergeMs: undefined,
    subscribers: { perPod: [], waitedMs: 0 },
    close: { state: plan.closeState, pods: [] },
    ops: { issued: 0, failed: 0, outcomes: {} },
    podStats: [],
    hungCalls: [],
    crashed: [],
    harnessErrors: [],
  };

  let redis: RedisServer | undefined;
  const proxies: FaultProxy[] = [];
  const pods: PodProcess[] = [];
  const helpers: PodProcess[] = [];
  let valueSeq = 0;
  /** Every write (to one key) and clear or empty restart (to all), for {@link lastChangeAt}. */
  const changesByKey = new Map<string, Change[]>();
  const namespaceChanges: Change[] = [];
  /** Per episode: when writes that failed during it have landed or never will (its heal plus a margin). */
  const resolvedAt: number[] = [];

  const noteCallError = (pod: PodProcess, op: string, error: unknown): string => {
    if (error instanceof PodCallTimeout) {
      report.hungCalls.push(`${pod.label} ${op} (episode ${report.episodes.length})`);
      return 'hung';
    }
    if (error instanceof PodCallFailed) return error.detail.code ?? error.detail.name;
    if (pod.exited && !report.crashed.some((line) => line.startsWith(pod.label))) {
      report.crashed.push(`${pod.label}: ${pod.stderr().slice(-1500)}`);
    }
    return 'pod-gone';
  };

  const readAll = async (pod: PodProcess): Promise<ReadAllResult> => {
    try {
      return await pod.getAll(keys);
    } catch (error) {
      noteCallError(pod, 'getAll', error);
      return { values: keys.map(() => null), failed: keys.map(() => true) };
    }
  };

  /**
   * Starting a pod is setup, not the behaviour under test: on a loaded machine its first
   * subscription can outlast the small `timeoutMs` and its cache factory throws, so a pod that
   * exits before it is ready is started again (three attempts).
   */
  const startPod = async (proxy: FaultProxy, podId: string, role: 'pod' | 'store-reader' = 'pod') => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startPodOnce(proxy, podId, role);
      } catch (error) {
        if (
          attempt === 3 ||
          !(error instanceof Error) ||
          !error.message.includes('exited before it was ready')
        )
          throw error;
      }
    }
  };
  const startPodOnce = (proxy: FaultProxy, podId: string, role: 'pod' | 'store-reader') =>
    startPodProcess({
      script: options.podScript,
      url: proxy.url,
      role,
      label: podId,
      callTimeoutMs,
      options: {
        namespace,
        podId,
        timeoutMs,
        heartbeatMs,
        ...(options.localTtlMs === undefined ? {} : { localTtlMs: options.localTtlMs }),
        ...(options.adapterOptions === undefined ? {} : { redis: options.adapterOptions }),
      },
    });

  /**
   * The latest time the store's value of `key` may have changed, as seen at `now`: the ack of every
   * write to it (or clear, or the empty restart); a write that failed may still land until its
   * fault healed (plus a margin), so until then it may have changed at any moment (`now`). From
   * this time on the store held what it holds now, so a pod serving something else at `t` is at
   * least `t - lastChangeAt` behind.
   */
  const lastChangeAt = (key: string, now: number): number => {
    let latest = runStart;
    const consider = (change: Change) => {
      let at: number;
      if (change.ackAt !== undefined) at = change.ackAt;
      else {
        const resolved = resolvedAt[change.episode];
        at = resolved === undefined || resolved > now ? now : resolved;
      }
      if (at > latest) latest = at;
    };
    for (const change of changesByKey.get(key) ?? []) consider(change);
    for (const change of namespaceChanges) consider(change);
    return latest;
  };

  interface Probe {
    samples: number;
    stale: StaleSample[];
    /** Every key had a stable store value and every pod's read of it succeeded. */
    complete: boolean;
  }

  /** Store, then every pod, then store again; compares keys whose store value did not move. */
  /**
   * Whether the server holds no key at all (`DBSIZE` 0). A count, not a parse of the stored bytes:
   * right after an empty restart the store reader may still be reconnecting, but an empty database
   * is an answer for every key.
   */
  const storeIsEmpty = async (): Promise<boolean> => {
    if (redis === undefined) return false;
    try {
      return (await redisCommand(redis.host, redis.port, ['DBSIZE'], 300)) === 0;
    } catch {
      return false;
    }
  };

  const probe = async (reader: PodProcess): Promise<Probe> => {
    const beforeStart = Date.now();
    const before = await readAll(reader);
    const emptyBefore = before.failed.some(Boolean) && (await storeIsEmpty());
    const podsStart = Date.now();
    const reads = await Promise.all(pods.map((pod) => readAll(pod)));
    const after = await readAll(reader);
    const empty = emptyBefore && (await storeIsEmpty());
    const result: Probe = { samples: 0, stale: [], complete: true };
    keys.forEach((key, index) => {
      const store = empty ? null : before.values[index];
      if (!empty && (before.failed[index] || after.failed[index] || store !== after.values[index])) {
        result.complete = false;
        return;
      }
      const since = lastChangeAt(key, beforeStart);
      reads.forEach((read, podIndex) => {
        if (read.failed[index]) {
          result.complete = false;
          return;
        }
        result.samples++;
        const served = read.values[index];
        if (served !== store) {
          result.stale.push({
            pod: pods[podIndex]!.label,
            key,
            served,
            store,
            atMs: podsStart - runStart,
            ageMs: Math.max(0, podsStart - since),
          });
        }
      });
    });
    return result;
  };

  const runOp = async (op: Op): Promise<void> => {
    const pod = pods[op.pod]!;
    report.ops.issued++;
    const change: Change = { episode: report.episodes.length };
    if (op.kind === 'clear') namespaceChanges.push(change);
    else {
      const list = changesByKey.get(op.key) ?? [];
      list.push(change);
      changesByKey.set(op.key, list);
    }
    try {
      if (op.kind === 'clear') await pod.clear();
      else if (op.kind === 'delete') await pod.delete(op.key);
      else if (op.kind === 'set') await pod.set(op.key, op.value);
      else await pod.setWithInvalidate(op.key, op.value);
      op.outcome = 'ok';
      change.ackAt = Date.now();
    } catch (error) {
      op.outcome = noteCallError(pod, op.kind, error);
      report.ops.failed++;
    }
    report.ops.outcomes[`${op.kind}:${op.outcome}`] =
      (report.ops.outcomes[`${op.kind}:${op.outcome}`] ?? 0) + 1;
  };

  const burst = async (random: Random): Promise<Op[]> => {
    const size = random.int(2, 6);
    const ops: Op[] = [];
    for (let index = 0; index < size; index++) {
      const pod = random.int(0, podCount - 1);
      const key = random.pick(keys);
      const roll = random.next();
      const kind: Op['kind'] =
        roll < 0.45 ? 'set' : roll < 0.7 ? 'setWithInvalidate' : roll < 0.98 ? 'delete' : 'clear';
      const value =
        kind === 'set' || kind === 'setWithInvalidate' ? `${pods[pod]!.label}.${++valueSeq}` : undefined;
      ops.push({ kind, pod, key, value });
    }
    await Promise.all(ops.map(runOp));
    return ops;
  };

  const countSubscribers = async (): Promise<number[]> => {
    if (redis === undefined) return [];
    const reply = await redisCommand(redis.host, redis.port, ['CLIENT', 'LIST'], 2000);
    if (typeof reply !== 'string') throw new Error(`CLIENT LIST answered ${JSON.stringify(reply)}`);
    const subscriberPorts = new Set<number>();
    for (const line of reply.split('\n')) {
      const fields = new Map(
        line
          .trim()
          .split(' ')
          .map((field) => {
            const at = field.indexOf('=');
            return [field.slice(0, at), field.slice(at + 1)] as const;
          }),
      );
      const subscribed =
        Number(fields.get('sub') ?? 0) + Number(fields.get('psub') ?? 0) + Number(fields.get('ssub') ?? 0) >
          0 || (fields.get('flags') ?? '').includes('P');
      const port = Number((fields.get('addr') ?? '').split(':').pop());
      if (subscribed && Number.isInteger(port)) subscriberPorts.add(port);
    }
    return pods.map(
      (_, index) => proxies[index]!.upstreamPorts().filter((port) => subscriberPorts.has(port)).length,
    );
  };

  const noticesBetween = (pod: PodProcess, from: number, to: number) => {
    const seen = pod.notices.filter((notice) => notice.at >= from && notice.at <= to);
    return {
      pod: pod.label,
      down: seen.some((notice) => notice.kind === 'status' && notice.value === 'down'),
      resubscribed: seen.some((notice) => notice.kind === 'status' && notice.value === 'resubscribed'),
      resyncs: seen.filter((notice) => notice.kind === 'resync').length,
    };
  };

  const runEpisode = async (
    index: number,
    fault: PlannedFault,
    reader: PodProcess,
  ): Promise<EpisodeReport> => {
    const server = redis!;
    await Promise.all(pods.map((pod) => readAll(pod)));
    const opsBefore = { issued: report.ops.issued, failed: report.ops.failed };
    const episodeStart = Date.now();
    const injectAt = episodeStart + fault.startAfterMs;
    let healAt = Number.POSITIVE_INFINITY;
    let active: ActiveFault | undefined;
    let injectedAt = episodeStart;
    const during: EpisodeReport['during'] = {
      samples: 0,
      stale: 0,
      maxAgeMs: 0,
      beyondBound: 0,
      examples: [],
    };
    const maxBursts = 200;
    try {
      for (let bursts = 0; bursts < maxBursts; bursts++) {
        const now = Date.now();
        if (active === undefined && now >= injectAt) {
          active = await injectFault(fault, proxies, server, jitterRandom);
          injectedAt = Date.now();
          healAt = injectedAt + fault.durationMs;
          if (fault.kind === 'server-flush') namespaceChanges.push({ episode: index, ackAt: injectedAt });
        }
        if (now >= healAt) break;
        const burstStart = Date.now();
        await burst(opsRandom);
        if (active !== undefined) {
          const seen = await probe(reader);
          during.samples += seen.samples;
          during.stale += seen.stale.length;
          for (const sample of seen.stale) {
            during.maxAgeMs = Math.max(during.maxAgeMs, sample.ageMs);
            if (sample.ageMs > staleBoundMs) during.beyondBound++;
          }
          during.examples.push(...seen.stale.filter((sample) => sample.ageMs > staleBoundMs).slice(0, 3));
          during.examples = during.examples.sort((left, right) => right.ageMs - left.ageMs).slice(0, 3);
        }
        await pause(burstIntervalMs - (Date.now() - burstStart));
      }
    } finally {
      await active?.heal();
    }
    if (active === undefined) {
      // Bounded loop ended before the fault's start: inject and heal at once so the episode still counts.
      active = await injectFault(fault, proxies, server, jitterRandom);
      injectedAt = Date.now();
      if (fault.kind === 'server-flush') namespaceChanges.push({ episode: index, ackAt: injectedAt });
      await active.heal();
    }
    const healedAt = Date.now();
    // Clients may resend a timed-out write after reconnecting (ioredis does), so give late landings room.
    resolvedAt[index] = healedAt + Math.max(2000, 4 * timeoutMs);
    if (fault.kind === 'server-restart-empty') namespaceChanges.push({ episode: index, ackAt: healedAt });
    // The writers have stopped; measure how long pods still serve something other than the store's value.
    let lastStaleAt: number | undefined;
    let cleanStreak = 0;
    const afterExamples: StaleSample[] = [];
    while (Date.now() - healedAt < staleDeadlineMs) {
      const roundStart = Date.now();
      const seen = await probe(reader);
      if (seen.stale.length > 0) {
        lastStaleAt = roundStart;
        cleanStreak = 0;
        afterExamples.splice(0, afterExamples.length, ...seen.stale.slice(0, 3));
      } else if (seen.complete) {
        cleanStreak++;
        if (cleanStreak >= 2) break;
      } else {
        cleanStreak = 0;
      }
      await pause(25 - (Date.now() - roundStart));
    }
    const converged = cleanStreak >= 2;
    const convergedAt = Date.now();
    let subscribers: number[] = [];
    try {
      subscribers = await countSubscribers();
    } catch (error) {
      report.harnessErrors.push(`episode ${index}: CLIENT LIST failed: ${String(error)}`);
    }
    return {
      index,
      fault,
      injectedAtMs: injectedAt - runStart,
      healedAtMs: healedAt - runStart,
      opsIssued: report.ops.issued - opsBefore.issued,
      opsFailed: report.ops.failed - opsBefore.failed,
      during,
      staleWindowMs: converged ? (lastStaleAt === undefined ? 0 : lastStaleAt - healedAt) : staleDeadlineMs,
      converged,
      afterExamples,
      noticed: pods.map((pod) => noticesBetween(pod, injectedAt, convergedAt)),
      subscribers,
    };
  };

  /** The store's value of every key through a fresh pod; retried a few times when reads fail. */
  const reliableRead = async (pod: PodProcess, what: string): Promise<unknown[] | undefined> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const read = await readAll(pod);
      if (!read.failed.some(Boolean)) return read.values;
      await pause(timeoutMs);
    }
    report.harnessErrors.push(`${what}: reads kept failing`);
    return undefined;
  };

  try {
    redis = await startRedis();
    for (let index = 0; index < podCount + 2; index++) {
      proxies.push(await startFaultProxy({ target: { host: redis.host, port: redis.port } }));
    }
    const readerProxy = proxies[podCount]!;
    const freshProxy = proxies[podCount + 1]!;
    pods.push(
      ...(await Promise.all(proxies.slice(0, podCount).map((proxy, index) => startPod(proxy, `p${index}`)))),
    );
    const reader = await startPod(readerProxy, 'reader', 'store-reader');
    helpers.push(reader);
    log(
      `seed ${options.seed}: ${podCount} pods up in ${sinceStart()} ms; plan ${plan.episodes.map((fault) => fault.kind).join(', ')}; close ${plan.closeState}`,
    );

    for (const [index, fault] of plan.episodes.entries()) {
      const episode = await runEpisode(index, fault, reader);
      report.episodes.push(episode);
      log(
        `  episode ${index}: ${fault.kind}${fault.targets.length > 0 ? ` on ${fault.targets.map((target) => `p${target}`).join('+')}` : ''} ` +
          `${fault.durationMs} ms, ${episode.opsIssued} ops (${episode.opsFailed} failed); during: ${episode.during.stale}/${episode.during.samples} stale, max age ${episode.during.maxAgeMs} ms; ` +
          `after heal: ${episode.converged ? `stale window ${episode.staleWindowMs} ms` : `NOT converged in ${staleDeadlineMs} ms`}; subscribers ${episode.subscribers.join('/')}`,
      );
    }

    for (const proxy of proxies) proxy.heal();
    // The protocol's quiesce: writes have stopped and every fault has healed; heartbeats run.
    await pause(quiesceMs);

    const fresh = await startPod(freshProxy, 'fresh');
    helpers.push(fresh);
    const store = await reliableRead(fresh, 'fresh pod reading the store');
    if (store !== undefined) {
      const readerView = await readAll(reader);
      keys.forEach((key, index) => {
        if (!readerView.failed[index] && readerView.values[index] !== store[index]) {
          report.harnessErrors.push(
            `fresh pod and store reader disagree on ${key}: ${String(store[index])} vs ${String(readerView.values[index])}`,
          );
        }
      });
      for (const pod of pods) {
        let peeks: unknown[];
        try {
          peeks = await pod.peekAll(keys);
        } catch (error) {
          noteCallError(pod, 'peekAll', error);
          continue;
        }
        keys.forEach((key, index) => {
          const local = peeks[index];
          if (local !== null && local !== store[index]) {
            report.divergent.push({ pod: pod.label, key, served: local, store: store[index] });
          }
        });
      }
      for (const pod of pods) {
        const read = await readAll(pod);
        keys.forEach((key, index) => {
          if (read.failed[index] || read.values[index] !== store[index]) {
            report.liveness.push({
              pod: pod.label,
              key,
              served: read.failed[index] ? '<read failed>' : read.values[index],
              store: store[index],
              phase: 'get',
            });
          }
        });
      }

      // Liveness: a healthy fresh pod rewrites every key; every pod must serve the new values.
      const written = keys.map(() => `fresh.${++valueSeq}`);
      const writes = await Promise.allSettled(
        keys.map((key, index) =>
          index % 2 === 0 ? fresh.set(key, written[index]) : fresh.setWithInvalidate(key, written[index]),
        ),
      );
      const failedWrites = writes.filter((write) => write.status === 'rejected').length;
      if (failedWrites > 0) report.harnessErrors.push(`fresh pod: ${failedWrites} final writes failed`);
      const writtenAt = Date.now();
      let lagging: Array<StalePair & { phase: 'after-write' }> = [];
      for (;;) {
        const reads = await Promise.all(pods.map((pod) => readAll(pod)));
        lagging = [];
        reads.forEach((read, podIndex) => {
          keys.forEach((key, index) => {
            if (read.failed[index] || read.values[index] !== written[index]) {
              lagging.push({
                pod: pods[podIndex]!.label,
                key,
                served: read.failed[index] ? '<read failed>' : read.values[index],
                store: written[index],
                phase: 'after-write',
              });
            }
          });
        });
        if (lagging.length === 0) {
          report.livenessConvergeMs = Date.now() - writtenAt;
          break;
        }
        if (Date.now() - writtenAt > livenessDeadlineMs) break;
        await pause(50);
      }
      report.liveness.push(...lagging);
    }

    const waitStart = Date.now();
    for (;;) {
      try {
        report.subscribers.perPod = await countSubscribers();
      } catch (error) {
        report.harnessErrors.push(`CLIENT LIST failed: ${String(error)}`);
        break;
      }
      if (report.subscribers.perPod.every((count) => count === 1)) break;
      if (Date.now() - waitStart > subscriberWaitMs) break;
      await pause(100);
    }
    report.subscribers.waitedMs = Date.now() - waitStart;

    for (const pod of pods) {
      try {
        report.podStats.push((await pod.stats()) as Record<string, number>);
      } catch (error) {
        noteCallError(pod, 'stats', error);
        report.podStats.push(undefined);
      }
    }

    await Promise.all(helpers.splice(0).map((helper) => helper.close(exitDeadlineMs)));

    // Close every pod in the planned state and time it to process exit.
    if (plan.closeState === 'refuse') for (const proxy of proxies.slice(0, podCount)) proxy.refuse();
    if (plan.closeState === 'blackhole') for (const proxy of proxies.slice(0, podCount)) proxy.blackhole();
    if (plan.closeState === 'server-stopped') suspendProcess(redis.pid);
    try {
      report.close.pods = await Promise.all(pods.map((pod) => pod.close(exitDeadlineMs)));
    } finally {
      resumeProcess(redis.pid);
      for (const proxy of proxies) proxy.heal();
    }
    log(
      `  final: ${report.divergent.length} divergent, ${report.liveness.length} liveness failures, subscribers ${report.subscribers.perPod.join('/')}, ` +
        `close (${plan.closeState}) exit ms ${report.close.pods.map((outcome) => (outcome.exited ? Math.round(outcome.exitMs ?? 0) : 'NO EXIT')).join('/')}`,
    );
  } finally {
    if (redis !== undefined) resumeProcess(redis.pid);
    await Promise.all([...pods, ...helpers].map((pod) => pod.kill()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await redis?.stop();
    report.durationMs = Date.now() - runStart;
  }
  return report;
}

/**
 * The bound a run was judged with (reports written before it was recorded: one heartbeat plus two
 * timeouts of the defaults).
 */
export function staleBoundOf(report: RunReport): number {
  return report.staleBoundMs ?? 1500;
}

/**
 * Whether an episode started from a healthy state: it is the first, or the one before it converged
 * after its heal and left exactly one subscriber connection per pod. Findings of an episode that
 * started unhealthy may be the previous fault's, so per-kind figures are kept apart for them.
 */
export function episodeStartedClean(report: RunReport, index: number): boolean {
  if (index === 0) return true;
  const previous = report.episodes[index - 1];
  if (previous === undefined) return true;
  return previous.converged && previous.subscribers.every((count) => count === 1);
}

/**
 * Why a run failed, one line per finding (empty when it passed): divergence, liveness, stale values
 * served beyond the bound while faulted or after a heal, subscriber connections other than one per
 * pod, pods that did not exit after `close`, hung calls, crashes and harness errors.
 */
export function runFailures(report: RunReport): string[] {
  const lines: string[] = [];
  const pairs = (list: StalePair[]) =>
    list
      .slice(0, 4)
      .map((pair) => `${pair.pod}/${pair.key}: ${String(pair.served)} vs store ${String(pair.store)}`)
      .join('; ');
  if (report.divergent.length > 0)
    lines.push(`${report.divergent.length} divergent pairs: ${pairs(report.divergent)}`);
  const get = report.liveness.filter((pair) => pair.phase === 'get');
  const afterWrite = report.liveness.filter((pair) => pair.phase === 'after-write');
  if (get.length > 0) lines.push(`${get.length} pairs whose get differs from the store: ${pairs(get)}`);
  if (afterWrite.length > 0) {
    const stuck = [...new Set(afterWrite.map((pair) => pair.pod))].join(', ');
    lines.push(
      `${afterWrite.length} pairs never served the final writes (pods ${stuck}): ${pairs(afterWrite)}`,
    );
  }
  for (const episode of report.episodes) {
    const name = `episode ${episode.index} (${episode.fault.kind})`;
    if (!episode.converged)
      lines.push(
        `${name}: still stale ${episode.staleWindowMs} ms after the heal: ${pairs(episode.afterExamples)}`,
      );
    if (episode.during.beyondBound > 0) {
      lines.push(
        `${name}: ${episode.during.beyondBound} reads served a value older than the store's beyond the bound while faulted (max age ${episode.during.maxAgeMs} ms): ${pairs(episode.during.examples)}`,
      );
    }
  }
  const subscribers = report.subscribers.perPod;
  if (subscribers.some((count) => count !== 1))
    lines.push(`subscriber connections per pod: ${subscribers.join('/')} (want 1 each)`);
  report.close.pods.forEach((outcome, index) => {
    if (!outcome.exited) {
      lines.push(
        `p${index} did not exit within the deadline after close (${report.close.state}); open: ${outcome.activeResources.join(', ') || 'unknown'}`,
      );
    } else if (outcome.error !== undefined && report.close.state === 'healthy') {
      // With the server unreachable, close() releases everything and then rejects with the
      // failure (an unanswered unsubscribe): that is its contract. With it healthy, it must not.
      lines.push(`p${index} close failed (${report.close.state}): ${outcome.error}`);
    }
  });
  if (report.hungCalls.length > 0)
    lines.push(`${report.hungCalls.length} calls hung: ${report.hungCalls.slice(0, 4).join('; ')}`);
  for (const crash of report.crashed) lines.push(`crashed: ${crash}`);
  for (const error of report.harnessErrors) lines.push(`harness: ${error}`);
  return lines;
}
