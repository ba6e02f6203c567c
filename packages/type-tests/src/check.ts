import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** This package's folder: snippets are compiled as if they were files here. */
export const packageRoot: string = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const repoRoot: string = join(packageRoot, '..', '..');

/** A TypeScript code block taken from a Markdown file. */
export interface Snippet {
  /** Where it comes from, e.g. `packages/lfu/README.md:54` (the line of its first code line). */
  readonly origin: string;
  /** Its code. */
  readonly code: string;
}

/**
 * Every ```` ```ts ```` block of a Markdown file, except those whose fence says ```` ```ts
 * fragment ```` (a piece of code that is not meant to compile on its own).
 */
export function markdownSnippets(markdownPath: string): Snippet[] {
  const text = readFileSync(markdownPath, 'utf8');
  const snippets: Snippet[] = [];
  const fence = /^```(ts|typescript)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    if ((match[2] ?? '').trim() === 'fragment') continue;
    const line = text.slice(0, match.index).split('\n').length + 1;
    snippets.push({ origin: `${relative(repoRoot, markdownPath)}:${line}`, code: match[3] ?? '' });
  }
  return snippets;
}

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(packageRoot, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (parsed === undefined) throw new Error('cannot read tsconfig.json');
  return { ...parsed.options, noEmit: true };
}

/**
 * Type-checks files and snippets with the repository's compiler options (strict, NodeNext, the
 * workspace packages resolved to their sources) and returns every error found in them, one line
 * each (`origin:line:column message`); none means they compile.
 *
 * Each snippet is compiled as a module of its own in this package (so its imports resolve
 * against this package's dependencies), with its lines reported against its origin.
 */
export function typeErrors(files: readonly string[], snippets: readonly Snippet[] = []): string[] {
  const options = compilerOptions();
  const virtual = new Map<string, Snippet>();
  snippets.forEach((snippet, index) => {
    virtual.set(join(packageRoot, `snippet-${index}.ts`), snippet);
  });
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => {
    const snippet = virtual.get(name);
    // `export {}` keeps a snippet without imports a module, so snippets never share globals.
    return snippet !== undefined ? `${snippet.code}\nexport {};\n` : readFile.call(host, name);
  };
  const roots = [...files, ...virtual.keys()];
  const program = ts.createProgram(roots, options, host);
  const errors: string[] = [];
  for (const root of roots) {
    const source = program.getSourceFile(root);
    if (source === undefined) {
      errors.push(`${root}: not found`);
      continue;
    }
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const diagnostic of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const at = ts.getLineAndCharacterOfPosition(source, diagnostic.start ?? 0);
      const snippet = virtual.get(root);
      const where =
        snippet === undefined
          ? `${relative(repoRoot, root)}:${at.line + 1}:${at.character + 1}`
          : `${snippet.origin.replace(/:(\d+)$/, (_, line: string) => `:${Number(line) + at.line}`)}:${at.character + 1}`;
      errors.push(`${where} TS${diagnostic.code}: ${message}`);
    }
  }
  return errors;
}
