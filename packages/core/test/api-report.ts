import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * The public API of a package entry as text: every export, sorted by name, printed from the
 * declarations TypeScript emits for it (the `.d.ts` users compile against), without comments,
 * private members or the file each declaration lives in. Moving code between internal modules
 * leaves it unchanged; changing anything a user can name or call changes it.
 */
export function apiReport(entry: string, tsconfigPath: string): string {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, parseHost());
  if (config === undefined) throw new Error(`cannot read ${tsconfigPath}`);
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    sourceMap: false,
    declarationMap: false,
    removeComments: true,
    // A directory that holds no sources, so the second program resolves every import to the
    // emitted declarations (TypeScript prefers a `.ts` file beside a `.d.ts` one).
    rootDir: dirname(entry),
    outDir: join(dirname(entry), '__api_report_declarations__'),
  };
  const emitted = new Map<string, string>();
  const program = ts.createProgram([entry], options);
  const result = program.emit(undefined, (fileName, text) => emitted.set(fileName, text), undefined, true);
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, formatHost()));

  // A second program over the emitted declarations only: its symbols' declarations are the
  // `.d.ts` forms, with implementation detail already gone.
  const entryDts = [...emitted.keys()].find((name) => name.endsWith(`/${baseName(entry)}.d.ts`));
  if (entryDts === undefined) throw new Error(`no declarations emitted for ${entry}`);
  const outDir = options.outDir!;
  const host = ts.createCompilerHost(options);
  const { readFile, fileExists, directoryExists, getSourceFile } = host;
  host.readFile = (fileName) => emitted.get(fileName) ?? readFile.call(host, fileName);
  host.fileExists = (fileName) => emitted.has(fileName) || fileExists.call(host, fileName);
  host.directoryExists = (name) => name === outDir || directoryExists?.call(host, name) === true;
  host.getSourceFile = (fileName, language, ...rest) => {
    const text = emitted.get(fileName);
    return text === undefined
      ? getSourceFile.call(host, fileName, language, ...rest)
      : ts.createSourceFile(fileName, text, language, true);
  };
  const dtsProgram = ts.createProgram([entryDts], { ...options, noEmit: true }, host);
  const checker = dtsProgram.getTypeChecker();
  const source = dtsProgram.getSourceFile(entryDts);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${entryDts} is not a module`);

  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const sections: string[] = [];
  const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
  for (const exported of exports) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const printed = (target.declarations ?? []).map((declaration) =>
      printer.printNode(
        ts.EmitHint.Unspecified,
        withoutPrivateMembers(declaration),
        declaration.getSourceFile(),
      ),
    );
    const rename = target.name === exported.name ? '' : ` (declared as ${target.name})`;
    sections.push(`// ${exported.name}${rename}\n${printed.join('\n')}`);
  }
  return `${sections.join('\n\n')}\n`;
}

function withoutPrivateMembers(node: ts.Node): ts.Node {
  // `export declare const X: …` rather than the bare `X: …` of its declaration
  if (ts.isVariableDeclaration(node) && ts.isVariableStatement(node.parent.parent)) return node.parent.parent;
  if (!ts.isClassDeclaration(node)) return node;
  const members = node.members.filter((member) => {
    if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return false;
    return !isPrivate(member);
  });
  return ts.factory.updateClassDeclaration(
    node,
    node.modifiers,
    node.name,
    node.typeParameters,
    node.heritageClauses,
    members,
  );
}

function isPrivate(member: ts.ClassElement): boolean {
  return (ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Private) !== 0;
}

function baseName(path: string): string {
  return path.replace(/^.*\//, '').replace(/\.[cm]?ts$/, '');
}

function parseHost(): ts.ParseConfigFileHost {
  return {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  };
}

function formatHost(): ts.FormatDiagnosticsHost {
  return {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => ts.sys.getCurrentDirectory(),
    getNewLine: () => '\n',
  };
}
