import { isSuspended, resumeProcess, suspendProcess } from './process.js';
import type { FaultProxy } from './proxy.js';
import { createRandom, type Random } from './random.js';
import { redisCommand } from './resp.js';

/**
 * The faults the convergence runner injects.
 *
 * - `pod-*` act on the fault proxies of the target pods (every connection of those pods):
 *   `cut` resets the connections (they reconnect at once), `refuse` resets them and refuses new
 *   ones, `blackhole` holds every byte both ways, `freeze` holds the bytes of the connections open
 *   now (new ones work: a half-open link), `vanish` abandons the connections open now for good
 *   (server side closed, client side silent; only a PING with a deadline notices), `delay` delays
 *   every chunk by a base plus a random jitter, keeping order.
 * - `bus-*` do the same only to the pods' subscriber connections (the bus is down, the store is not).
 * - `server-stop` SIGSTOPs the Redis server for longer than the pods' `timeoutMs` and SIGCONTs it
 *   (commands sent meanwhile land afterwards); `server-restart-empty` SIGKILLs it and starts an
 *   empty one on the same port after the fault's duration.
 */
export const FAULT_KINDS = [
  'pod-cut',
  'pod-refuse',
  'pod-blackhole',
  'pod-freeze',
  'pod-vanish',
  'pod-delay',
  'bus-cut',
  'bus-freeze',
  'bus-vanish',
  'server-stop',
  'server-restart-empty',
] as const;

/**
 * Faults run only when asked for (`--kinds`), so adding them never changes the plans of existing
 * seeds. `server-flush` empties the server (`FLUSHALL`) while every connection stays up: the store
 * lost its keys (and its version clock) but no pod sees a reconnect, as after a failover to an
 * empty replica or behind a proxy that hides the server's restart.
 */
export const EXTRA_FAULT_KINDS = ['server-flush'] as const;

/** One of {@link FAULT_KINDS} or {@link EXTRA_FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number] | (typeof EXTRA_FAULT_KINDS)[number];

/**
 * The connection state pods are in when they are asked to close: `healthy`, every pod proxy
 * `refuse`ing or `blackhole`d, or the server SIGSTOPped (`server-stopped`).
 */
export const CLOSE_STATES = ['healthy', 'refuse', 'blackhole', 'server-stopped'] as const;

/** One of {@link CLOSE_STATES}. */
export type CloseState = (typeof CLOSE_STATES)[number];

/** A fault as planned from the seed. */
export interface PlannedFault {
  kind: FaultKind;
  /** Indexes of the pods it hits (empty for server faults, which hit every pod). */
  targets: number[];
  /** When it starts, after the episode's writes begin. */
  startAfterMs: number;
  /** How long it lasts (for instant faults: how long writes go on before the heal is declared). */
  durationMs: number;
  /** `pod-delay`: the base delay and the jitter. */
  delayMs?: number;
  jitterMs?: number;
}

/** A run's schedule: one fault per episode, and the state pods close in. */
export interface RunPlan {
  seed: number;
  episodes: PlannedFault[];
  closeState: CloseState;
}

/** Options of {@link planRun}. */
export interface PlanOptions {
  pods: number;
  episodes: number;
  /** The pods' `timeoutMs`: a `server-stop` lasts longer than it. */
  timeoutMs: number;
  /** The kinds to draw from. @default FAULT_KINDS */
  kinds?: readonly FaultKind[];
  /** Longest fault. @default 2000 */
  maxFaultMs?: number;
  /** The close states to draw from. @default CLOSE_STATES */
  closeStates?: readonly CloseState[];
}

/**
 * The schedule of a run, a pure function of the seed and the options: which fault each episode
 * injects, on which pods, when and for how long, and the close state. (What the writers do is
 * drawn from `createRandom(seed).fork('ops')`, a separate stream, so a timing-dependent number of
 * writes never shifts the fault schedule.)
 *
 * @throws RangeError for fewer than 2 pods, no episodes or no kinds.
 */
export function planRun(seed: number, options: PlanOptions): RunPlan {
  const { pods, episodes, timeoutMs } = options;
  const kinds = options.kinds ?? FAULT_KINDS;
  const maxFaultMs = Math.max(options.maxFaultMs ?? 2000, timeoutMs * 2);
  if (pods < 2) throw new RangeError('a run needs at least 2 pods');
  if (episodes < 1) throw new RangeError('a run needs at least 1 episode');
  if (kinds.length === 0) throw new RangeError('no fault kinds to draw from');
  const random = createRandom(seed).fork('faults');
  const podIndexes = Array.from({ length: pods }, (_, index) => index);
  const plan: PlannedFault[] = [];
  for (let episode = 0; episode < episodes; episode++) {
    const kind = random.pick(kinds);
    plan.push(planFault(random, kind, podIndexes, timeoutMs, maxFaultMs));
  }
  return { seed, episodes: plan, closeState: random.pick(options.closeStates ?? CLOSE_STATES) };
}

function planFault(
  random: Random,
  kind: FaultKind,
  pods: number[],
  timeoutMs: number,
  maxFaultMs: number,
): PlannedFault {
  const startAfterMs = random.int(0, 300);
  if (kind === 'server-stop') {
    // Longer than the timeout, so calls made during the stall time out and land afterwards.
    return { kind, targets: [], startAfterMs, durationMs: random.int(timeoutMs + 200, maxFaultMs) };
  }
  if (kind === 'server-flush') {
    return { kind, targets: [], startAfterMs, durationMs: random.int(300, maxFaultMs) };
  }
  if (kind === 'server-restart-empty') {
    return { kind, targets: [], startAfterMs, durationMs: random.int(100, Math.min(1000, maxFaultMs)) };
  }
  // Mostly one pod or a minority, sometimes all of them.
  const targets = random.chance(0.2) ? [...pods] : random.subset(pods, 1, Math.max(1, pods.length - 1));
  const durationMs = random.int(300, maxFaultMs);
  if (kind === 'pod-delay') {
    return {
      kind,
      targets,
      startAfterMs,
      durationMs,
      delayMs: random.int(20, 250),
      jitterMs: random.int(0, 150),
    };
  }
  return { kind, targets, startAfterMs, durationMs };
}

/** A Redis server handle the server faults act on (a `RedisServer` fits). */
export interface FaultableServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** An injected fault; `heal` ends it (a no-op for instant faults and vanished connections). */
export interface ActiveFault {
  readonly fault: PlannedFault;
  heal(): Promise<void>;
}

/**
 * Injects `fault` on the pods' fault proxies (`proxies[i]` is pod i's) or on the server. The jitter
 * of `pod-delay` is drawn from `random`. A SIGSTOPped server is SIGCONTed by `heal`, and in any
 * case when this process exits.
 */
export async function injectFault(
  fault: PlannedFault,
  proxies: readonly FaultProxy[],
  server: FaultableServer,
  random: Random,
): Promise<ActiveFault> {
  const targets = fault.targets.map((index) => {
    const proxy = proxies[index];
    if (proxy === undefined) throw new RangeError(`no proxy for pod ${index}`);
    return proxy;
  });
  const healProxies = async () => {
    for (const proxy of targets) proxy.heal();
  };
  const noop = async () => {};
  switch (fault.kind) {
    case 'pod-cut':
      for (const proxy of targets) proxy.cut();
      return { fault, heal: noop };
    case 'pod-refuse':
      for (const proxy of targets) proxy.refuse();
      return { fault, heal: healProxies };
    case 'pod-blackhole':
      for (const proxy of targets) proxy.blackhole();
      return { fault, heal: healProxies };
    case 'pod-freeze':
      for (const proxy of targets) proxy.freeze();
      return { fault, heal: healProxies };
    case 'pod-vanish':
      for (const proxy of targets) proxy.vanish();
      return { fault, heal: noop };
    case 'pod-delay': {
      const next = () => random.next();
      for (const proxy of targets)
        proxy.delay(fault.delayMs ?? 100, { jitterMs: fault.jitterMs ?? 0, random: next });
      return { fault, heal: healProxies };
    }
    case 'bus-cut':
      for (const proxy of targets) proxy.cut('subscribers');
      return { fault, heal: noop };
    case 'bus-freeze':
      for (const proxy of targets) proxy.freeze('subscribers');
      return { fault, heal: healProxies };
    case 'bus-vanish':
      for (const proxy of targets) proxy.vanish('subscribers');
      return { fault, heal: noop };
    case 'server-stop': {
      const pid = server.pid;
      suspendProcess(pid);
      return {
        fault,
        heal: async () => {
          if (isSuspended(pid)) resumeProcess(pid);
        },
      };
    }
    case 'server-restart-empty':
      await server.kill();
      return { fault, heal: () => server.restart() };
    case 'server-flush': {
      const reply = await redisCommand(server.host, server.port, ['FLUSHALL']);
      if (reply !== 'OK') throw new Error(`FLUSHALL answered ${JSON.stringify(reply)}`);
      return { fault, heal: noop };
    }
  }
}
