// Runs every test/**/*.test.ts with node's own test runner (through tsx), so the
// closing summary is node's ("# pass N / # fail N") which CI reads. From the repository root
// that is the product's test/ and every workspace package's (packages/*/test); from a
// package's directory (its `npm test`), that package's test/ alone.
// Node 20's --test does not expand globs or pick up .ts files by itself.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const packageTestDirs = existsSync('packages')
  ? readdirSync('packages').sort().map((name) => join('packages', name, 'test')).filter((dir) => existsSync(dir))
  : [];
let files = ['test', ...packageTestDirs].flatMap(findTests);
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const env = { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' };
// A deadline for every test that sets none of its own (tests with a tighter { timeout } keep
// theirs): a hung test fails with its name instead of stalling the run. Generous, because the
// full-stack e2e tests legitimately run for minutes.
const DEFAULT_TEST_TIMEOUT_MS = 10 * 60 * 1000;
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${DEFAULT_TEST_TIMEOUT_MS}`, ...files],
  { stdio: 'inherit', env },
);
process.exit(res.status ?? 1);
