/**
 * Messages between the demo's coordinator (the story) and its pods. Pods run as child processes
 * (IPC) on real servers, or in the coordinator's process on the embedded store and bus; both sides
 * only see a {@link Channel}, so the pod code is the same either way.
 */

/** Where the pods' cache lives. */
export type BackendConfig =
  | { kind: 'embedded' }
  | { kind: 'redis'; url: string; client: 'ioredis' | 'redis'; natsUrl?: string | undefined };

/** What a pod needs to start. */
export interface PodConfig {
  /** Pod name shown in the view (`pod-1` …); also its podId. */
  name: string;
  index: number;
  backend: BackendConfig;
  namespace: string;
  /** See `StalenessCheck`. */
  staleBoundMs: number;
}

/** What a pod does during one phase of the story. */
export interface Workload {
  /** Keys this pod writes, one write to one of them every `writeEveryMs` (0 = no writes). */
  writes: string[];
  writeEveryMs: number;
  /** Keys this pod reads, one read every `readEveryMs` (0 = no reads). */
  reads: string[];
  readEveryMs: number;
}

/** A value written by the demo: who wrote it, its per-key sequence number, and when it was sent. */
export interface DemoValue {
  writer: string;
  seq: number;
  /** `wallClock()` just before the write call; receivers derive propagation time from it. */
  sentAt: number;
}

export type ToPod =
  | { type: 'init'; config: PodConfig }
  | { type: 'workload'; workload: Workload }
  /** Stop writing and answer `quiet` once every write in flight has settled. */
  | { type: 'quiesce' }
  | { type: 'acknowledged-set'; key: string; seq: number; at: number }
  | { type: 'acknowledged-clear'; at: number; floors: [string, number][] }
  | { type: 'clear' }
  | { type: 'stampede'; key: string; callers: number; loaderMs: number }
  /** Cut this pod's subscriber connection (and keep it cut) until `heal`. */
  | { type: 'cut' }
  | { type: 'heal' }
  /** Report what the local tier holds for `keys` (`holdings`), for the final convergence check. */
  | { type: 'report-holdings'; keys: string[] }
  | { type: 'stop' };

/** Counters and figures a pod reports (several times a second, and once at the end). */
export interface PodSnapshot {
  name: string;
  localHits: number;
  localMisses: number;
  remoteHits: number;
  remoteMisses: number;
  localSize: number;
  eventsApplied: number;
  resyncs: number;
  status: string;
  reads: number;
  writes: number;
  writeErrors: number;
  readErrors: number;
  staleReads: number;
  propagationP50Ms: number | undefined;
  propagationP99Ms: number | undefined;
  propagationSamples: number;
  loaderCalls: number;
}

export type FromPod =
  | { type: 'ready' }
  | { type: 'snapshot'; snapshot: PodSnapshot }
  | { type: 'acknowledged-set'; key: string; seq: number; at: number }
  | { type: 'quiet' }
  | { type: 'cleared'; at: number }
  | { type: 'stampede-done'; loaderCalls: number; values: number }
  | { type: 'cut-done'; detail: string }
  | { type: 'healed' }
  /** Each key with the seq the local tier holds, `null` for nothing (IPC carries JSON). */
  | { type: 'holdings'; holdings: [string, number | null][] }
  | { type: 'stale'; detail: string }
  | { type: 'stopped'; snapshot: PodSnapshot }
  | { type: 'failed'; message: string };

/** One side of a pod ⇄ coordinator link. */
export interface Channel<In, Out> {
  send(message: Out): void;
  onMessage(handler: (message: In) => void): void;
}

/** Two linked in-process channel ends (messages are delivered asynchronously, in order). */
export function channelPair<A, B>(): [Channel<A, B>, Channel<B, A>] {
  let toA: ((message: A) => void) | undefined;
  let toB: ((message: B) => void) | undefined;
  const a: Channel<A, B> = {
    send: (message) => setImmediate(() => toB?.(message)),
    onMessage: (handler) => {
      toA = handler;
    },
  };
  const b: Channel<B, A> = {
    send: (message) => setImmediate(() => toA?.(message)),
    onMessage: (handler) => {
      toB = handler;
    },
  };
  return [a, b];
}

/** Milliseconds on a clock shared by every process of the machine, with sub-ms resolution. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}
