import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The simulator is the other side of the wire: nothing under src/sim may
 * import from the rest of src/, and nothing outside src/sim (except its bin
 * shim, tests, benches and scripts) may import src/sim.
 */
const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');
const SIM = join(SRC, 'sim');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return filesUnder(p);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  return importsIn(readFileSync(file, 'utf8'));
}

function importsIn(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return specs;
}

const builtins = new Set(builtinModules.flatMap((b) => [b, `node:${b}`]));

test('src/sim imports only src/sim, node built-ins and npm packages', () => {
  const offenders: string[] = [];
  for (const file of filesUnder(SIM)) {
    for (const spec of importsOf(file)) {
      if (builtins.has(spec) || spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) continue; // an npm package
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SIM + '/') && target !== SIM) offenders.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('nothing else in src imports src/sim', () => {
  const offenders: string[] = [];
  for (const file of filesUnder(SRC)) {
    if (file.startsWith(SIM + '/')) continue;
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (target === SIM || target.startsWith(SIM + '/')) offenders.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the import scanner finds every import form', () => {
  const text = "import { a } from '../../proxmox/transport';\nexport * from './x';\nconst b = require('../../ssh/quote');\nimport 'node:fs';\nawait import('../y');";
  assert.deepEqual(importsIn(text), ['../../proxmox/transport', './x', '../../ssh/quote', 'node:fs', '../y']);
  const target = resolve(join(SIM, 'state'), '../../proxmox/transport');
  assert.equal(target.startsWith(SIM + '/'), false);
});
