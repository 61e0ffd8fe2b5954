// Runs every test/**/*.test.ts with node's own test runner (through tsx), so the
// closing summary is node's ("# pass N / # fail N") which CI reads.
// Node 20's --test does not expand globs or pick up .ts files by itself.
import { readdirSync, statSync } from 'node:fs';
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
let files = findTests('test');
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
const DEFAULT_CONCURRENCY = 4;
// Test files run side by side: every server a test starts binds an ephemeral loopback port and
// keeps its state in a temp dir of its own, and the full-stack files spend most of their time
// waiting on simulated PVE tasks, so several fit on two cores. PHOENIX_TEST_CONCURRENCY=1 runs
// them one at a time (to tell a load-sensitive failure from a real one).
const concurrency = Number(process.env.PHOENIX_TEST_CONCURRENCY ?? DEFAULT_CONCURRENCY);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`PHOENIX_TEST_CONCURRENCY must be a positive integer, got ${process.env.PHOENIX_TEST_CONCURRENCY}`);
  process.exit(2);
}
const started = Date.now();
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${DEFAULT_TEST_TIMEOUT_MS}`, ...files],
  { stdio: 'inherit', env },
);
console.log(`run-tests: ${files.length} files, concurrency ${concurrency}, ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(res.status ?? 1);
