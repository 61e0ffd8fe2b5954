import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Every file the TypeScript compiler takes into a build, found the way the compiler finds it
 * (its own module resolution from the tsconfig's roots, symlinks followed), as paths relative
 * to `root`. Files from installed packages (node_modules) and the compiler's own lib files are
 * left out; a workspace package comes back as its real path (packages/...).
 */
export function compiledSources(tsconfigPath: string, root: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${tsconfigPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
  const realRoot = realpathSync(root);
  return program
    .getSourceFiles()
    .filter((f) => !program.isSourceFileDefaultLibrary(f))
    .map((f) => realpathSync(f.fileName))
    .filter((f) => !f.split('/').includes('node_modules'))
    .map((f) => relative(realRoot, f))
    .sort();
}

/** Whether `file` (relative to the repository root) lies under `dir`. */
export function isUnder(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
