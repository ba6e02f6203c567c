import { defineConfig, type Options } from 'tsup';
// @ts-expect-error plain ESM script without type declarations (also run on its own by `version-packages`)
import { writeVersionModule } from './scripts/write-versions.mjs';

/**
 * Shared tsup settings: every published package ships ESM + CJS + `.d.ts`/`.d.cts`,
 * targets Node 20, keeps its dependencies external, and writes `src/version.ts` from package.json.
 */
export function packageConfig(overrides: Options = {}) {
  // `VERSION` is generated from package.json before every build, so the built constant is the
  // manifest's version (tsup runs with the package directory as the working directory).
  writeVersionModule(process.cwd());
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // Type-checking resolves workspace packages to their sources (tsconfig paths); declarations
    // must instead reference the published packages, so the build drops the mapping.
    dts: { compilerOptions: { paths: {} } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...overrides,
  });
}
