import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiReport } from './api-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('public API', () => {
  it('matches the committed report (api/core.api.d.ts): a change here is a change users see', async () => {
    const report = apiReport(join(root, 'src/index.ts'), join(root, 'tsconfig.json'));
    await expect(report).toMatchFileSnapshot(join(root, 'api/core.api.d.ts'));
  }, 60_000);
});
