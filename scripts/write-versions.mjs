// Every published package exports `VERSION` from `src/version.ts`, a file written from its
// package.json — never edited by hand, so it cannot drift from the manifest:
// - each package's build (tsup.base.ts) calls writeVersionModule() before bundling;
// - `pnpm version-packages` runs this script after `changeset version` bumped the manifests;
// - `node scripts/write-versions.mjs --check` fails when a committed file disagrees with its
//   package.json (CI runs it; the packaging smoke test checks the built, installed packages).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The source of `src/version.ts` for a package at `version`. */
export function versionModule(version) {
  return [
    '// Written from package.json by scripts/write-versions.mjs (every build, and',
    '// `pnpm version-packages`). Do not edit: change the version in package.json.',
    '',
    "/** This package's version, as in its package.json. */",
    `export const VERSION: string = '${version}';`,
    '',
  ].join('\n');
}

/** Writes `<packageDir>/src/version.ts` when it differs; returns whether it did. */
export function writeVersionModule(packageDir) {
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const file = join(packageDir, 'src', 'version.ts');
  const text = versionModule(version);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  writeFileSync(file, text);
  return true;
}

/** Directories of the public workspace packages (those that publish a `VERSION`). */
export function publicPackageDirs() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => {
      const manifest = join(dir, 'package.json');
      return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).private !== true;
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const dir of publicPackageDirs()) {
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = join(dir, 'src', 'version.ts');
    if (check) {
      if (!existsSync(file) || readFileSync(file, 'utf8') !== versionModule(version)) stale.push(file);
    } else if (writeVersionModule(dir)) {
      console.log(`wrote ${file} (${version})`);
    }
  }
  if (stale.length > 0) {
    console.error(
      `version modules out of date (run node scripts/write-versions.mjs):\n  ${stale.join('\n  ')}`,
    );
    process.exit(1);
  }
}
