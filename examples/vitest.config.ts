import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../vitest.shared.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Each file starts its own private servers and runs the lesson as a child process.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
