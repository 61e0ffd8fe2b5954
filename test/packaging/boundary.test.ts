/**
 * The product (this repository's root package) and the simulator (packages/phoenix-sim) are two
 * npm packages that do not import each other. What the compiler takes into each build is read
 * from the compiler itself (its module resolution, symlinks followed), not from a scan of
 * import lines: the product's build holds src/ alone, the simulator's its own src/ alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { compiledSources, isUnder } from './package-graph';

const ROOT = resolve(__dirname, '..', '..');
const SIM = 'packages/phoenix-sim';

function readJson(path: string): Record<string, Record<string, string> | undefined> {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, Record<string, string> | undefined>;
}

test('the product build compiles src/ alone: nothing from the simulator package', { timeout: 120_000 }, () => {
  const files = compiledSources(join(ROOT, 'tsconfig.build.json'), ROOT);
  assert.ok(files.includes('src/worker.ts') && files.includes('src/client.ts'), 'the product build takes in its entry points');
  assert.deepEqual(files.filter((f) => !isUnder(f, 'src')), []);
});

test('the simulator build compiles its own src/ alone: nothing of Phoenix (src/proxmox, src/ssh, src/config...)', { timeout: 120_000 }, () => {
  const files = compiledSources(join(ROOT, SIM, 'tsconfig.build.json'), ROOT);
  assert.ok(files.includes(`${SIM}/src/index.ts`) && files.includes(`${SIM}/src/cli.ts`));
  assert.deepEqual(files.filter((f) => !isUnder(f, `${SIM}/src`)), []);
  // Its tests too stay inside the package (they reach Phoenix's code neither by path nor by name).
  const withTests = compiledSources(join(ROOT, SIM, 'tsconfig.json'), ROOT);
  assert.deepEqual(withTests.filter((f) => !isUnder(f, SIM)), []);
});

test('package manifests: the product does not depend on phoenix-sim at run time, nor the simulator on the product', { timeout: 10_000 }, () => {
  const product = readJson('package.json');
  const sim = readJson(`${SIM}/package.json`);
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    assert.equal(product[field]?.['phoenix-sim'], undefined, `product ${field}`);
  }
  assert.ok(product.devDependencies?.['phoenix-sim'], 'tests, demo and benchmarks use it as a dev dependency');
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    assert.equal(sim[field]?.[String(product.name)], undefined, `simulator ${field}`);
  }
});

test('the check sees a product file that imports the simulator (by name or by path)', { timeout: 120_000 }, () => {
  // A probe inside the repository, compiled with the product's build options.
  const dir = mkdtempSync(join(ROOT, '.boundary-probe-'));
  try {
    writeFileSync(join(dir, 'by-name.ts'), "export { startSimulator } from 'phoenix-sim';\n");
    writeFileSync(join(dir, 'by-path.ts'), "export { SimState } from '../packages/phoenix-sim/src/state';\n");
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.build.json', compilerOptions: { rootDir: '..' }, include: ['*.ts'] }));
    const files = compiledSources(join(dir, 'tsconfig.json'), ROOT);
    assert.ok(files.includes(`${SIM}/src/index.ts`), 'an import by package name resolves into the workspace package');
    assert.ok(files.includes(`${SIM}/src/state/index.ts`));
    assert.ok(files.filter((f) => !isUnder(f, basename(dir))).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
