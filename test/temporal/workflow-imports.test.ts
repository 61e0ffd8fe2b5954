import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Workflow code runs in Temporal's sandbox: no Node built-ins, no I/O, nothing from the
 * activity/client/worker side. ESLint's rule (eslint.config.mjs) sees one file's imports;
 * this walks the whole graph from src/workflows the way the bundler does, following only the
 * imports that survive compilation (`import type` and type-only uses are erased), so a banned
 * module reached through any chain of files fails here.
 */
const ROOT = resolve(__dirname, '../..');
const WORKFLOWS = join(ROOT, 'src', 'workflows');
/** Phoenix's own folders workflow code may load at run time. */
const ALLOWED_DIRS = ['src/workflows/', 'src/shared/'];
/** Packages the sandbox provides or that are deterministic and I/O-free. */
const ALLOWED_PACKAGES = /^@temporalio\/(workflow|common)(\/|$)/;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
};

/** The modules a file loads at run time: what its compiled form still requires. */
function valueImports(source: string, fileName: string): string[] {
  const { outputText } = ts.transpileModule(source, { fileName, compilerOptions: COMPILER_OPTIONS });
  return [...outputText.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!);
}

interface Reached {
  files: Set<string>;
  packages: Map<string, string>; // specifier -> first file that imports it
}

function walk(entries: string[]): Reached {
  const reached: Reached = { files: new Set(), packages: new Map() };
  const visit = (file: string): void => {
    if (reached.files.has(file)) return;
    reached.files.add(file);
    for (const spec of valueImports(readFileSync(file, 'utf8'), file)) {
      const resolved = ts.resolveModuleName(spec, file, { moduleResolution: ts.ModuleResolutionKind.Node10 }, ts.sys).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport) visit(resolved.resolvedFileName);
      else if (!reached.packages.has(spec)) reached.packages.set(spec, relative(ROOT, file));
    }
  };
  entries.forEach(visit);
  return reached;
}

const entries = readdirSync(WORKFLOWS, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.ts'))
  .map((name) => join(WORKFLOWS, name));

test('the import walker sees value imports and skips erased type imports', { timeout: 10_000 }, () => {
  const source = [
    "import type { Stats } from 'node:fs';",
    "import { ChildProcess } from 'node:child_process';",
    "import { join } from 'node:path';",
    "import '../proxmox/client';",
    'export const f = (s: Stats, c: ChildProcess) => join(String(s), String(c));',
  ].join('\n');
  assert.deepEqual(valueImports(source, 'probe.ts').sort(), ['../proxmox/client', 'node:path']);
});

test('src/workflows and every module it loads stay inside the workflow sandbox', { timeout: 30_000 }, () => {
  assert.ok(entries.length > 5, `found only ${entries.length} workflow files`);
  const { files, packages } = walk(entries);
  const outside = [...files].map((f) => relative(ROOT, f)).filter((f) => !ALLOWED_DIRS.some((dir) => f.startsWith(dir)));
  assert.deepEqual(outside, [], 'Phoenix modules outside src/workflows and src/shared reached from workflow code');
  const banned = [...packages].filter(([spec]) => !ALLOWED_PACKAGES.test(spec)).map(([spec, from]) => `${spec} (from ${from})`);
  assert.deepEqual(banned, [], 'packages or Node built-ins reached from workflow code');
  // The walk really went through the graph: the shared modules the workflows use are in it.
  assert.ok([...files].some((f) => relative(ROOT, f).startsWith('src/shared/')), 'no src/shared module reached');
});
