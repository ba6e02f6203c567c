/**
 * Packaging smoke test: what a user installs from npm, exercised outside the workspace.
 *
 *   node --import tsx scripts/pack-smoke/main.ts      (CI runs it after the build; ~1-2 min)
 *
 * 1. `pnpm pack`s every public package (so the beforePacking hook in .pnpmfile.cjs applies, as on
 *    publish) and checks each packed manifest: no devDependencies, scripts, `workspace:` ranges or
 *    private packages; homepage, bugs, repository and license present.
 * 2. Creates three projects under the OS temp dir, outside the workspace, and `npm install`s the
 *    tarballs there (third-party dependencies such as ioredis come from the registry):
 *    - esm-ts: `"type": "module"`, strict `nodenext` type check with the workspace's TypeScript,
 *      compiled and run;
 *    - cjs: the same program compiled to CommonJS (`require`), run;
 *    - bundle: the program bundled by esbuild (the copy tsup uses) into one ESM file, run.
 * 3. Each runs `program.ts` (two pods, ioredis + node-redis, on a private Redis from
 *    @synced-cache/test-servers) and must print the versions of the packages it loaded, which
 *    must equal their package.json versions.
 * 4. The esm-ts project also type-checks and runs the quick start of each package's README (its
 *    Redis URL pointed at the private server), so the READMEs' examples stay runnable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../packages/test-servers/src/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const program = join(root, 'scripts', 'pack-smoke', 'program.ts');
const requireFromRoot = createRequire(join(root, 'package.json'));
const tsc = requireFromRoot.resolve('typescript/bin/tsc');
// esbuild is not a direct dependency of the workspace: use the one tsup runs.
const esbuild = createRequire(requireFromRoot.resolve('tsup')).resolve('esbuild');
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(
  /^pnpm@/,
  '',
);
const PRIVATE = new Set(['@synced-cache/test-servers', '@synced-cache/demo', '@synced-cache/bench']);
/** What the program imports; `testing` is packed and checked but not installed (it peers on vitest). */
const INSTALLED = ['core', 'redis-common', 'ioredis', 'redis', 'json', 'msgpack', 'lru', 'lfu'];
/** Packages whose README quick start is type-checked and run in the esm-ts project. */
const README_EXAMPLES = ['core', 'ioredis', 'redis', 'redis-common', 'lru', 'lfu', 'json', 'msgpack'];

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

const started = Date.now();
const step = (text: string) =>
  console.log(`pack-smoke: ${text} (${((Date.now() - started) / 1000).toFixed(0)} s)`);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) failed with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

function publicPackages(): { dir: string; manifest: Manifest }[] {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest,
    }))
    .filter(({ manifest }) => manifest.private !== true);
}

/** Problems with a packed manifest (empty when it is fit to publish). */
function manifestProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const field of ['devDependencies', 'scripts']) if (field in manifest) problems.push(`has ${field}`);
  for (const field of ['homepage', 'bugs', 'repository', 'license'])
    if (!(field in manifest)) problems.push(`lacks ${field}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
      if (PRIVATE.has(name)) problems.push(`${field} names the private ${name}`);
      if (range.startsWith('workspace:')) problems.push(`${field} keeps ${name}@${range}`);
    }
  }
  return problems;
}

function pack(work: string): Map<string, string> {
  const tarballs = new Map<string, string>();
  const out = join(work, 'tarballs');
  mkdirSync(out);
  const filters = [...PRIVATE].flatMap((name) => ['--filter', `!${name}`]);
  run(
    'npx',
    [
      '-y',
      `pnpm@${pnpmVersion}`,
      '-r',
      '--filter',
      './packages/*',
      ...filters,
      'pack',
      '--pack-destination',
      out,
    ],
    root,
    {
      ...process.env,
      COREPACK_INTEGRITY_KEYS: '0',
    },
  );
  for (const { manifest } of publicPackages()) {
    const tarball = join(out, `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`);
    const packed = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    const problems = manifestProblems(packed);
    if (problems.length > 0) throw new Error(`${manifest.name}: packed manifest ${problems.join(', ')}`);
    tarballs.set(manifest.name, tarball);
  }
  return tarballs;
}

function project(work: string, name: string, manifest: object, tarballs: Map<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `smoke-${name}`, private: true, ...manifest }, null, 2)}\n`,
  );
  const packages = INSTALLED.map((short) => tarballs.get(`@synced-cache/${short}`)!);
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages, 'ioredis@^5', 'redis@^5'],
    dir,
  );
  return dir;
}

/** Runs the built program; it must report ok and, as `VERSION`, the versions that were packed. */
function runProgram(dir: string, file: string, redisUrl: string): void {
  const output = run(process.execPath, [file], dir, { ...process.env, SMOKE_REDIS_URL: redisUrl }).trim();
  const report = JSON.parse(output.split('\n').at(-1)!) as { ok: boolean; versions: Record<string, string> };
  if (!report.ok) throw new Error(`${dir}: ${output}`);
  const packed = new Map(publicPackages().map(({ manifest }) => [manifest.name, manifest.version]));
  for (const [short, version] of Object.entries(report.versions)) {
    const expected = packed.get(`@synced-cache/${short}`);
    if (version !== expected) {
      throw new Error(
        `${dir}: @synced-cache/${short} exports VERSION ${version}, its package.json says ${expected}`,
      );
    }
  }
}

/** The first `ts` code block under "## Quick start" in a package's README. */
function readmeQuickStart(short: string): string {
  const readme = readFileSync(join(root, 'packages', short, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!readme.includes('## Quick start') || block === null) {
    throw new Error(`packages/${short}/README.md has no ts block under "## Quick start"`);
  }
  return block[1]!;
}

async function main(): Promise<void> {
  step('building');
  run('npx', ['-y', `pnpm@${pnpmVersion}`, 'turbo', 'run', 'build', '--output-logs=errors-only'], root, {
    ...process.env,
    COREPACK_INTEGRITY_KEYS: '0',
  });
  const work = mkdtempSync(join(tmpdir(), 'synced-cache-pack-smoke-'));
  const redis = await startRedis();
  try {
    step(`packing into ${work}`);
    const tarballs = pack(work);
    step(`packed ${tarballs.size} packages; manifests clean`);

    const esm = project(work, 'esm-ts', { type: 'module' }, tarballs);
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '@types/node@20'], esm);
    copyFileSync(program, join(esm, 'index.ts'));
    const examples = README_EXAMPLES.map((short) => {
      const file = `readme-${short}.ts`;
      writeFileSync(join(esm, file), readmeQuickStart(short).replaceAll('redis://127.0.0.1:6379', redis.url));
      return file;
    });
    writeFileSync(
      join(esm, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          outDir: 'dist',
          types: ['node'],
        },
        files: ['index.ts', ...examples],
      }),
    );
    run(process.execPath, [tsc, '-p', '.'], esm);
    runProgram(esm, 'dist/index.js', redis.url);
    for (const file of examples) run(process.execPath, [join('dist', file.replace(/\.ts$/, '.js'))], esm);
    step(`esm-ts: type-checked (strict, nodenext) and ran, with ${examples.length} README quick starts`);

    const cjs = project(work, 'cjs', { type: 'commonjs' }, tarballs);
    const { build } = (await import(esbuild)) as typeof import('esbuild');
    await build({
      entryPoints: [program],
      outfile: join(cjs, 'index.cjs'),
      format: 'cjs',
      platform: 'node',
      target: 'node20',
    });
    if (!readFileSync(join(cjs, 'index.cjs'), 'utf8').includes('require("@synced-cache/core")')) {
      throw new Error('the CommonJS program does not require() the packages');
    }
    runProgram(cjs, 'index.cjs', redis.url);
    step('cjs: require() of every package ran');

    const bundled = project(work, 'bundle', { type: 'module' }, tarballs);
    // Bundled from inside the project, so the packages resolve from its node_modules.
    copyFileSync(program, join(bundled, 'index.ts'));
    await build({
      entryPoints: [join(bundled, 'index.ts')],
      outfile: join(bundled, 'bundle.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      absWorkingDir: bundled,
      // Node built-ins are fine; a bundled CommonJS dependency (ioredis) needs `require`.
      banner: {
        js: "import { createRequire as smokeCreateRequire } from 'node:module'; const require = smokeCreateRequire(import.meta.url);",
      },
    });
    // The bundle must run from its file alone, except for the peers the adapters load by name.
    rmSync(join(bundled, 'node_modules', '@synced-cache'), { recursive: true });
    runProgram(bundled, 'bundle.mjs', redis.url);
    step('bundle: esbuild bundle ran');
  } finally {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  step('passed');
}

main().catch((error: unknown) => {
  console.error(`pack-smoke: FAILED\n${(error as Error).stack ?? error}`);
  process.exit(1);
});
