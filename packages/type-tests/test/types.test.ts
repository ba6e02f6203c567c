import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot, typeErrors } from '../src/check.js';

const fixtures = join(packageRoot, 'test', 'types');

describe('factory combinations (test/types)', () => {
  it('compile under strict TypeScript, infer the value type, and reject every @ts-expect-error case', () => {
    const files = readdirSync(fixtures)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(fixtures, name));
    expect(files.map((file) => file.slice(fixtures.length + 1)).sort()).toEqual(['adapters.ts', 'core.ts']);
    expect(typeErrors(files)).toEqual([]);
  });

  it('reports an error in a file that does not compile (the check can fail)', () => {
    const errors = typeErrors(
      [],
      [
        {
          origin: 'inline:1',
          code: "import { createCache } from '@synced-cache/core';\nawait createCache<string>({ marshaller: 1 });",
        },
      ],
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^inline:2:\d+ TS2322: /);
  });
});
