import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ChildCloseResult,
  POD_ENV,
  type PodCacheOptions,
  type PodCall,
  type PodCallError,
  type PodNotice,
  type PodReply,
  type PodRequest,
  type ReadAllResult,
} from './pod-protocol.js';
import { trackChild } from './process.js';

/** Options of {@link startPodProcess}. */
export interface StartPodOptions {
  /** The child script (TypeScript, run with `node --import tsx`); it calls `servePod`. */
  script: string;
  /** The Redis URL the pod connects to (a fault proxy's, to inject faults). */
  url: string;
  /** The cache options, passed to the child as JSON. */
  options: Omit<PodCacheOptions, 'onSetLocalCache'>;
  /** `'store-reader'`: the pod keeps nothing locally, so its `get` always reads the store. */
  role?: 'pod' | 'store-reader';
  /** A name for messages. @default options.podId */
  label?: string;
  /**
   * The tsconfig tsx uses in the child (for `paths` to workspace sources).
   * @default `tsconfig.json` next to the script, when there is one
   */
  tsconfig?: string;
  /** How long the child may take to start and create its cache. @default 20000 */
  readyTimeoutMs?: number;
  /** Default deadline of a call; a call that exceeds it rejects with a {@link PodCallTimeout}. @default 10000 */
  callTimeoutMs?: number;
}

/** A call that got no answer within its deadline (the pod hangs, or is too slow). */
export class PodCallTimeout extends Error {
  override readonly name = 'PodCallTimeout';
}

/** A call the pod answered with an error (the cache rejected). */
export class PodCallFailed extends Error {
  override readonly name = 'PodCallFailed';
  constructor(
    readonly pod: string,
    readonly op: string,
    readonly detail: PodCallError,
  ) {
    super(`${pod} ${op}: ${detail.name}${detail.code ? ` [${detail.code}]` : ''}: ${detail.message}`);
  }
}

/** A status or resync the pod reported, with the parent's receive time. */
export interface PodNoticeRecord {
  at: number;
  kind: 'status' | 'resync';
  value: string;
}

/** How a pod's close went, measured from the parent. */
export interface PodCloseOutcome {
  /** From sending `close` to the reply (`cache.close()` plus IPC); undefined without a reply. */
  replyMs: number | undefined;
  /** `cache.close()` inside the child. */
  closeMs: number | undefined;
  /** From sending `close` to the process' exit; undefined when it did not exit by the deadline. */
  exitMs: number | undefined;
  /** Whether the process exited by itself within the deadline (otherwise it was SIGKILLed). */
  exited: boolean;
  /** What was still open in the child after `close()` resolved. */
  activeResources: string[];
  /** The error `close()` rejected with. */
  error?: string;
}

/** A pod process: a cache in a child process, driven over IPC. */
export interface PodProcess {
  readonly label: string;
  readonly pid: number;
  /** Statuses and resyncs reported so far, in order. */
  readonly notices: readonly PodNoticeRecord[];
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** The last few kB the child wrote to stderr. */
  stderr(): string;
  /** Sends one request; rejects with {@link PodCallFailed}, {@link PodCallTimeout}, or when the pod exited. */
  call(request: PodCall, timeoutMs?: number): Promise<unknown>;
  get(key: string): Promise<unknown>;
  peek(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  setWithInvalidate(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
  stats(): Promise<Record<string, number>>;
  getAll(keys: string[]): Promise<ReadAllResult>;
  peekAll(keys: string[]): Promise<unknown[]>;
  /**
   * Asks the pod to close its cache and waits up to `exitDeadlineMs` for the process to end by
   * itself; after that it is SIGKILLed and the outcome says `exited: false`.
   */
  close(exitDeadlineMs?: number): Promise<PodCloseOutcome>;
  /** SIGKILLs the process (by PID) and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Forks a pod process (`node --import tsx <script>`), passes it its URL and cache options through
 * the environment, and resolves once it reports ready (its cache created and subscribed). The child
 * is SIGKILLed if this process exits.
 *
 * @throws Error when the child exits or does not report ready within `readyTimeoutMs` (with its stderr).
 */
export async function startPodProcess(options: StartPodOptions): Promise<PodProcess> {
  const label = options.label ?? options.options.podId;
  const tsconfig = options.tsconfig ?? join(dirname(options.script), 'tsconfig.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [POD_ENV.url]: options.url,
    [POD_ENV.options]: JSON.stringify(options.options),
    [POD_ENV.role]: options.role ?? 'pod',
  };
  if (existsSync(tsconfig)) env.TSX_TSCONFIG_PATH = tsconfig;
  const child: ChildProcess = fork(options.script, [], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 8192) stderr = stderr.slice(-8192);
  });
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const pending = new Map<number, { resolve: (reply: PodReply) => void; reject: (error: Error) => void }>();
  const notices: PodNoticeRecord[] = [];
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const waiter of pending.values()) {
        waiter.reject(new Error(`${label} exited (code ${code}, signal ${signal}) with a call pending`));
      }
      pending.clear();
      resolve();
    });
  });

  let onReady: (() => void) | undefined;
  child.on('message', (message: PodReply | PodNotice) => {
    if ('notice' in message) {
      if (message.notice === 'ready') onReady?.();
      else if (message.notice === 'status')
        notices.push({ at: Date.now(), kind: 'status', value: message.status });
      else notices.push({ at: Date.now(), kind: 'resync', value: message.reason });
      return;
    }
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    waiter?.resolve(message);
  });

  const exchange = (request: PodCall, timeoutMs: number): Promise<PodReply> => {
    if (exited || !child.connected) return Promise.reject(new Error(`${label} is not running`));
    const id = nextId++;
    return new Promise<PodReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new PodCallTimeout(`${label} ${request.op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...request, id } as PodRequest);
    });
  };

  const call = async (request: PodCall, timeoutMs = callTimeoutMs): Promise<unknown> => {
    const reply = await exchange(request, timeoutMs);
    if (!reply.ok) throw new PodCallFailed(label, request.op, reply.error);
    return reply.result;
  };

  const kill = async (): Promise<void> => {
    if (exited) return;
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exit;
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`${label} did not report ready within ${readyTimeoutMs} ms. stderr:\n${stderr}`));
    }, readyTimeoutMs);
    onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`${label} exited before it was ready. stderr:\n${stderr}`));
    });
  });
  onReady = undefined;

  return {
    label,
    pid: child.pid!,
    notices,
    get exited() {
      return exited;
    },
    stderr: () => stderr,
    call,
    get: (key) => call({ op: 'get', key }),
    peek: (key) => call({ op: 'peek', key }),
    set: async (key, value) => {
      await call({ op: 'set', key, value });
    },
    setWithInvalidate: async (key, value) => {
      await call({ op: 'setWithInvalidate', key, value });
    },
    delete: async (key) => {
      await call({ op: 'delete', key });
    },
    clear: async () => {
      await call({ op: 'clear' });
    },
    stats: async () => (await call({ op: 'stats' })) as Record<string, number>,
    getAll: async (keys) => (await call({ op: 'getAll', keys })) as ReadAllResult,
    peekAll: async (keys) => (await call({ op: 'peekAll', keys })) as unknown[],
    async close(exitDeadlineMs = 10_000) {
      const started = performance.now();
      const outcome: PodCloseOutcome = {
        replyMs: undefined,
        closeMs: undefined,
        exitMs: undefined,
        exited: false,
        activeResources: [],
      };
      if (exited) return { ...outcome, exited: true, exitMs: 0, error: 'had already exited' };
      const exitedInTime = Promise.race([
        exit.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), exitDeadlineMs).unref()),
      ]);
      try {
        const reply = await exchange({ op: 'close' }, exitDeadlineMs);
        outcome.replyMs = performance.now() - started;
        if (reply.ok) {
          const result = reply.result as ChildCloseResult;
          outcome.closeMs = result.closeMs;
          outcome.activeResources = result.activeResources;
        } else {
          outcome.error = `${reply.error.name}: ${reply.error.message}`;
        }
      } catch (error) {
        outcome.error = error instanceof Error ? error.message : String(error);
      }
      if (await exitedInTime) {
        outcome.exited = true;
        outcome.exitMs = performance.now() - started;
      } else {
        await kill();
      }
      return outcome;
    },
    kill,
  };
}
