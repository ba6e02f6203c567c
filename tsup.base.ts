import { defineConfig, type Options } from 'tsup';

/**
 * Shared tsup settings: every published package ships ESM + CJS + `.d.ts`/`.d.cts`,
 * targets Node 20, and keeps its dependencies external.
 */
export function packageConfig(overrides: Options = {}) {
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
