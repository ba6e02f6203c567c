import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const examplesDir = fileURLToPath(new URL('..', import.meta.url));

/** A child process running one of this folder's programs with tsx. */
export interface Program {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; resolves when it exited. */
  stop(): Promise<void>;
}

/**
 * Starts `file` with tsx and resolves once it prints `readyLine` on a line of its own.
 *
 * @throws Error with its output when it exits first or takes longer than `timeoutMs`.
 */
export function startProgram(
  file: string,
  env: Record<string, string>,
  readyLine: string,
  timeoutMs = 60_000,
): Promise<Program> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: examplesDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const program: Program = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} not ready after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.split('\n').includes(readyLine)) {
        clearTimeout(timer);
        resolve(program);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Runs `file` to completion with tsx and returns its stdout. @throws Error when it fails. */
export function runProgram(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: examplesDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${file} exited with ${code}:\n${stderr}`)),
    );
  });
}
