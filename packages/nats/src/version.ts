// Written from package.json by scripts/write-versions.mjs (every build, and
// `pnpm version-packages`). Do not edit: change the version in package.json.

/** This package's version, as in its package.json. */
export const VERSION: string = '0.1.0';
