/**
 * `@synced-cache/lfu` at a git revision, for the A/B tools (`lfu-ab.ts`, `lfu-hit-ab.ts`): its
 * TypeScript sources extracted once with `git archive` under `apps/bench/.lfu-ab/<sha>` (ignored by
 * git) and loaded through tsx, beside the working tree's.
 *
 * Not under `node_modules`: tsx compiles files there as CommonJS, so every constant one module
 * imports from another (`segments.ts`'s list tags, read on each hit) became a property load on a
 * namespace object. Since the lists moved to their own module (`3ff135b`) that made an extracted
 * revision ~1.65x slower per hit than the same code in the working tree (HEAD against itself read
 * 0.58–0.61x at 10,000 keys read uniformly; 0.96x once extracted here). The published package is
 * one bundled file per format, so users never pay it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the A/B tools call on a cache. */
export interface Replayable {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
}

/** `createLfuCache` of one revision. */
export type Create = (options: {
  maxEntries: number;
  randomSeed: number;
  defaultTtlMs?: number;
}) => Replayable;

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's root. */
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], {
  cwd: here,
  encoding: 'utf8',
}).trim();

/** The lfu sources at `revision`, extracted once; returns the path of their `index.ts`. */
export function extract(revision: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', revision], { cwd: repo, encoding: 'utf8' }).trim();
  const target = join(here, '..', '.lfu-ab', sha);
  const index = join(target, 'packages', 'lfu', 'src', 'index.ts');
  if (!existsSync(index)) {
    mkdirSync(target, { recursive: true });
    const archive = execFileSync('git', ['archive', sha, 'packages/lfu/src'], { cwd: repo });
    execFileSync('tar', ['-x', '-C', target], { input: archive });
  }
  return index;
}

/** `createLfuCache` from an `index.ts`: an extracted revision's, or the working tree's. */
export async function load(index: string): Promise<Create> {
  const module = (await import(pathToFileURL(index).href)) as { createLfuCache: Create };
  return module.createLfuCache;
}

/** The working tree's lfu `index.ts`. */
export const workingTree = join(repo, 'packages', 'lfu', 'src', 'index.ts');
