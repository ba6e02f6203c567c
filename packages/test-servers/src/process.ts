import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The hint every missing-binary error carries. */
export const INSTALL_HINT = 'apt-get install redis-server nats-server';

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
/** PIDs this process has SIGSTOPped and not yet SIGCONTed. */
const suspended = new Set<number>();
let exitHookInstalled = false;

function killAll(): void {
  // A stopped server would ignore SIGTERM and hold its port; resume it before anything else.
  for (const pid of suspended) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  suspended.clear();
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAll);
  // A test runner stopping this process with a signal must not leave servers behind; afterwards
  // the signal gets its default effect again (unless someone else handles it).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Resolves a server binary on PATH (plus `/usr/sbin`, `/usr/local/sbin`, where Debian puts
 * nats-server).
 *
 * @throws Error `"<name> not found: apt-get install redis-server nats-server"` when absent.
 */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error(`${name} not found: ${INSTALL_HINT}`);
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the port is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

/** A temporary directory under `os.tmpdir()`, removed on process exit (and by `removeTempDir`). */
export function makeTempDir(label: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `synced-cache-${label}-`));
  tempDirs.add(dir);
  return dir;
}

/** Removes a directory made by {@link makeTempDir}. */
export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Registers a child process (for example a pod forked by a test) so it is SIGKILLed, by PID, when
 * this process exits or is stopped by a signal, like the servers.
 */
export function trackChild(child: ChildProcess): void {
  installExitHook();
  if (child.exitCode !== null || child.signalCode !== null) return;
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * SIGSTOPs a process (a stalled server: its sockets stay open, nothing is answered). The PID is
 * remembered and SIGCONTed by {@link resumeProcess}, and in any case when this process exits.
 */
export function suspendProcess(pid: number): void {
  installExitHook();
  suspended.add(pid);
  process.kill(pid, 'SIGSTOP');
}

/** SIGCONTs a process stopped by {@link suspendProcess}; a no-op for one that is not stopped or gone. */
export function resumeProcess(pid: number): void {
  if (!suspended.delete(pid)) return;
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // already gone
  }
}

/** Whether {@link suspendProcess} stopped `pid` and it has not been resumed. */
export function isSuspended(pid: number): boolean {
  return suspended.has(pid);
}

/** A spawned server process with its recent output (for error messages). */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last few kB the process printed. */
  output(): string;
  /** True once the process exited. */
  exited(): boolean;
  /** Resolves when the process has exited. */
  readonly exit: Promise<void>;
}

/** Spawns a server, recording it so it is killed when this process exits. */
export function spawnServer(binary: string, args: readonly string[], cwd?: string): ServerProcess {
  installExitHook();
  const child = spawn(binary, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 8192) output = output.slice(-8192);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      append(Buffer.from(`spawn error: ${error.message}\n`));
      hasExited = true;
      live.delete(child);
      resolve();
    });
  });
  live.add(child);
  if (child.pid === undefined) {
    // spawn failed synchronously (ENOENT etc.); the 'error' event resolves `exit`.
  }
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited: () => hasExited,
    exit,
  };
}

/**
 * Stops a process by PID: SIGTERM, then SIGKILL when it has not exited within `graceMs`.
 * Resolves once it is gone.
 */
export async function stopProcess(server: ServerProcess, graceMs = 5000): Promise<void> {
  resumeProcess(server.pid);
  if (server.exited()) return;
  try {
    process.kill(server.pid, 'SIGTERM');
    // A paused (SIGSTOP) process would keep the SIGTERM pending until the grace period ends.
    process.kill(server.pid, 'SIGCONT');
  } catch {
    return;
  }
  const timedOut = await Promise.race([
    server.exit.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
  ]);
  if (timedOut) await killProcess(server);
}

/** Kills a process by PID with SIGKILL and resolves once it is gone. */
export async function killProcess(server: ServerProcess): Promise<void> {
  resumeProcess(server.pid);
  if (server.exited()) return;
  try {
    process.kill(server.pid, 'SIGKILL');
  } catch {
    return;
  }
  await server.exit;
}

/**
 * Polls `check` until it returns true, failing after `timeoutMs` (or as soon as `server` exits)
 * with `what` and the server's output in the message.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  server?: ServerProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (server?.exited()) {
      throw new Error(`${what}: the server exited early. Output:\n${server.output()}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `${what}: not ready within ${timeoutMs} ms${detail}${server ? `. Output:\n${server.output()}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What every private server handle does: its current pid, stop, kill and restart. */
export interface ServerLifecycle {
  /** PID of the current process (changes after `restart`). */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL now (a crash); the server can be `restart`ed. */
  kill(): Promise<void>;
  /** Stops the server when it runs and starts it again through `relaunch`. */
  restart(): Promise<void>;
  /**
   * SIGSTOP: the server freezes as a hung host does. The kernel still accepts connections into
   * its backlog, but nothing is answered until {@link resume}. `stop` resumes it first.
   */
  pause(): void;
  /** SIGCONT: a paused server answers again (what it received meanwhile included). */
  resume(): void;
}

/**
 * Adds the {@link ServerLifecycle} of `first` (a `name` process running in `dir`) to `fields`:
 * `restart` stops the current process and runs `relaunch`; after `stop` it throws
 * `"cannot restart a stopped <name>"`.
 */
export function withLifecycle<T extends object>(
  fields: T,
  name: string,
  first: ServerProcess,
  dir: string,
  relaunch: () => Promise<ServerProcess>,
): T & ServerLifecycle {
  let current = first;
  let stopped = false;
  const lifecycle: ServerLifecycle = {
    get pid() {
      return current.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProcess(current);
      removeTempDir(dir);
    },
    async kill() {
      await killProcess(current);
    },
    async restart() {
      if (stopped) throw new Error(`cannot restart a stopped ${name}`);
      await stopProcess(current);
      current = await relaunch();
    },
    pause() {
      if (!current.exited()) process.kill(current.pid, 'SIGSTOP');
    },
    resume() {
      if (!current.exited()) process.kill(current.pid, 'SIGCONT');
    },
  };
  return Object.defineProperties(fields, Object.getOwnPropertyDescriptors(lifecycle)) as T & ServerLifecycle;
}
