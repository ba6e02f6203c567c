import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownSnippets, repoRoot, typeErrors } from '../src/check.js';

const readmes = [
  'README.md',
  ...['core', 'ioredis', 'redis', 'json', 'msgpack', 'lru', 'lfu'].map(
    (name) => `packages/${name}/README.md`,
  ),
];

describe('README code', () => {
  it('every ```ts block of the READMEs compiles on its own, strict, against the workspace packages', () => {
    const snippets = readmes.flatMap((readme) => {
      const found = markdownSnippets(join(repoRoot, readme));
      expect(found.length, `${readme} has TypeScript blocks`).toBeGreaterThan(0);
      return found;
    });
    expect(typeErrors([], snippets)).toEqual([]);
  });

  it('skips only blocks marked `ts fragment`', () => {
    const origins = markdownSnippets(
      join(repoRoot, 'packages', 'type-tests', 'test', 'fixtures', 'fences.md'),
    );
    expect(origins.map((snippet) => snippet.code)).toEqual(['const a = 1;\n', 'const b: number = 2;\n']);
  });
});
