// Runs every test/**/*.test.ts with node's own test runner (through tsx) and closes with one
// summary over all of them ("# tests N / # pass N / # fail N"); the exit status is non-zero if
// any test failed. From the repository root that is the product's test/ and every workspace
// package's (packages/*/test); from a package's directory (its `npm test`), that package's test/
// alone. Node 20's --test does not expand globs or pick up .ts files by itself.
//
// Test files run side by side: every server a test starts binds an ephemeral loopback port and
// keeps its state in a temp dir of its own, and the full-stack files spend most of their time
// waiting on simulated PVE tasks, so several fit on two cores. The files in RUN_ALONE race a
// short simulated window against process start-up and run afterwards, one at a time.
// PHOENIX_TEST_CONCURRENCY=1 runs everything one file at a time (to tell a load-sensitive
// failure from a real one).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const DEFAULT_CONCURRENCY = 4;
// A deadline for every test that sets none of its own (tests with a tighter { timeout } keep
// theirs): a hung test fails with its name instead of stalling the run. Generous, because the
// full-stack e2e tests legitimately run for minutes.
const DEFAULT_TEST_TIMEOUT_MS = 10 * 60 * 1000;
// Files that cannot share the machine run one at a time after the rest (none today: the cancel
// acceptance test gives its NVIDIA job a 10 s window with --guest-duration, and restart-pending's
// dropped SSH connection under load is answered by the reconnecting SSH session).
const RUN_ALONE = [];
// The longest files start first, so the pool does not end waiting on one of them.
const LONGEST_FIRST = ['test/prod/production-topology.test.ts', 'test/temporal/follow-outage.test.ts', 'test/e2e/', 'test/setup/setup-e2e', 'test/vm/', 'test/reliability/', 'test/setup/'];

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const rank = (file) => {
  const i = LONGEST_FIRST.findIndex((prefix) => file.startsWith(prefix));
  return i === -1 ? LONGEST_FIRST.length : i;
};

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
const concurrency = Number(process.env.PHOENIX_TEST_CONCURRENCY ?? DEFAULT_CONCURRENCY);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`PHOENIX_TEST_CONCURRENCY must be a positive integer, got ${process.env.PHOENIX_TEST_CONCURRENCY}`);
  process.exit(2);
}
const env = { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' };
const reports = mkdtempSync(join(tmpdir(), 'phoenix-test-report-'));

/** One node --test run; returns its exit status and the counts of its closing TAP summary. */
function runGroup(name, groupFiles, groupConcurrency) {
  const tap = join(reports, `${name}.tap`);
  const res = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      `--test-concurrency=${groupConcurrency}`, `--test-timeout=${DEFAULT_TEST_TIMEOUT_MS}`,
      ...groupFiles,
    ],
    { stdio: 'inherit', env },
  );
  const counts = {};
  let text = '';
  try {
    text = readFileSync(tap, 'utf8');
  } catch {
    // no report: the run itself failed to start; its status says so
  }
  for (const m of text.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  return { status: res.status ?? 1, counts };
}

const started = Date.now();
const alone = files.filter((f) => RUN_ALONE.includes(f));
const pooled = files.filter((f) => !RUN_ALONE.includes(f)).sort((a, b) => rank(a) - rank(b));
const groups = [];
if (pooled.length) groups.push(runGroup('pooled', pooled, concurrency));
if (alone.length) groups.push(runGroup('alone', alone, 1));
rmSync(reports, { recursive: true, force: true });

const total = {};
for (const { counts } of groups) for (const [k, v] of Object.entries(counts)) total[k] = (total[k] ?? 0) + v;
const failed = groups.some((g) => g.status !== 0);
console.log(`\nall test files (${files.length}, ${pooled.length} at concurrency ${concurrency}, ${alone.length} alone) in ${Math.round((Date.now() - started) / 1000)} s`);
for (const key of ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) console.log(`# ${key} ${total[key] ?? 0}`);
process.exit(failed ? 1 : 0);
