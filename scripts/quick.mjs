#!/usr/bin/env node
// The README's quick start, runnable on a fresh machine with only Node and npm:
//   npm run demo   → installs the workspace (pinned pnpm, frozen lockfile) and runs apps/demo
//   npm test       → installs, then type-checks and runs every package's tests
// It uses the pnpm that runs it (pnpm test / corepack pnpm test) or, from npm, the exact pinned
// version through npx, so both paths give the same install.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = packageManager.replace(/^pnpm@/, '');

function pnpm() {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm/.test(execPath) && process.env.npm_config_user_agent?.includes(`pnpm/${version}`)) {
    return execPath.endsWith('.js') || execPath.endsWith('.cjs') ? [process.execPath, execPath] : [execPath];
  }
  return [process.platform === 'win32' ? 'npx.cmd' : 'npx', '-y', `pnpm@${version}`];
}

function run(args) {
  const [command, ...prefix] = pnpm();
  console.log(`\n$ pnpm ${args.join(' ')}`);
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const task = process.argv[2];
if (task !== 'demo' && task !== 'test') {
  console.error('usage: node scripts/quick.mjs demo|test');
  process.exit(2);
}
run(['install', '--frozen-lockfile']);
if (task === 'demo') {
  run(['--filter', '@synced-cache/demo', 'run', 'demo', ...process.argv.slice(3)]);
} else {
  run([
    'turbo',
    'run',
    'typecheck',
    'test',
    '--concurrency=1',
    '--continue',
    '--output-logs=errors-only',
    ...process.argv.slice(3),
  ]);
}
