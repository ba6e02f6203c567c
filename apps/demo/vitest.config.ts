import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // The end-to-end files run the whole demo (pods as processes on a private Redis).
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
