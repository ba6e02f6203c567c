import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedis } from '@synced-cache/test-servers';
import { afterAll, beforeAll } from 'vitest';

/** The examples package directory (lessons run from here, as `npx tsx <lesson>/main.ts` does). */
export const examplesDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * A private redis-server for the calling file's tests (never the machine's shared one): started
 * before them, stopped after. Read `.url` inside a test.
 */
export function privateRedis(): { readonly url: string } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());
  return {
    get url() {
      if (server === undefined) throw new Error('the private redis-server is not started yet');
      return server.url;
    },
  };
}

/** What a finished lesson printed and how it exited. */
export interface LessonRun {
  code: number | null;
  output: string;
}

/** Starts `file` (relative to the examples package) with tsx as a user would, output captured. */
export function startLesson(file: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: examplesDir,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a lesson to its end (killed after `limitMs`) and returns its output and exit code. */
export function runLesson(
  file: string,
  env: Record<string, string>,
  args: string[] = [],
  limitMs = 45_000,
): Promise<LessonRun> {
  return new Promise((resolve, reject) => {
    const child = startLesson(file, env, args);
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * The `name=value` numbers printed on the line that starts with `prefix`.
 *
 * @throws Error when the line or one of `names` is missing.
 */
export function numbersOn<K extends string>(
  output: string,
  prefix: string,
  ...names: K[]
): Record<K, number> {
  const line = output.split('\n').find((candidate) => candidate.startsWith(prefix));
  if (line === undefined) throw new Error(`no line starting with "${prefix}" in:\n${output}`);
  const found = new Map([...line.matchAll(/(\w+)=(-?[\d.]+)/g)].map((match) => [match[1], Number(match[2])]));
  const numbers = {} as Record<K, number>;
  for (const name of names) {
    const value = found.get(name);
    if (value === undefined) throw new Error(`no ${name}= on the line "${line}"`);
    numbers[name] = value;
  }
  return numbers;
}
