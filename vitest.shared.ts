import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Tests import workspace packages from source, so `vitest` needs no prior build and
 * coverage maps to `src/`. Published builds are checked separately (publint, attw).
 */
export const workspaceAliases: Record<string, string> = Object.fromEntries(
  readdirSync(join(root, 'packages')).map((name) => [
    `@synced-cache/${name}`,
    join(root, 'packages', name, 'src', 'index.ts'),
  ]),
);
