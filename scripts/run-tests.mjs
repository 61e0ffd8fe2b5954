// Runs every test/**/*.test.ts with node's own test runner (through tsx) and closes with the wall
// time of every file (slowest first) and one summary over all of them ("# tests N / # pass N /
// # fail N"); the exit status is non-zero if any test failed. From the repository root that is
// the product's test/ and every workspace package's (packages/*/test); from a package's
// directory (its `npm test`), that package's test/ alone. Node 20's --test does not expand globs
// or pick up .ts files by itself.
//
// Test files run side by side, each in a node process of its own started from a pool here (so
// each file's wall time is measured and its output printed whole when it ends, not interleaved;
// the file runs directly, without `node --test`'s extra parent process per file): every server a test starts binds an ephemeral loopback port and keeps its state
// in a temp dir of its own, and the full-stack files spend most of their time waiting on
// simulated PVE tasks, so several fit on two cores. PHOENIX_TEST_CONCURRENCY=1 runs everything
// one file at a time (to tell a load-sensitive failure from a real one).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const DEFAULT_CONCURRENCY = 4;
// A deadline for every file (its tests have tighter ones of their own): a hung file is killed and
// fails with the output it printed instead of stalling the run. Generous, because the
// full-stack e2e files legitimately run for minutes.
const FILE_TIMEOUT_MS = 10 * 60 * 1000;
// Files that cannot share the machine run one at a time after the rest (none today).
const RUN_ALONE = [];
// Seconds each long file took in a measured run (2 cores, concurrency 4, a machine loaded to 13-23;
// the runner's closing table prints them; only their order matters). Files start longest first so the run does not
// end waiting on one long file started late (the critical path); files not listed count as short.
const MEASURED_SECONDS = {
  'test/prod/production-topology.test.ts': 203,
  'test/e2e/cancel.test.ts': 195,
  'test/e2e/fleet-lifecycle.test.ts': 192,
  'test/e2e/clone-slots.test.ts': 150,
  'test/e2e/fleet-up.test.ts': 149,
  'test/e2e/schedule-rebuild.test.ts': 138,
  'test/e2e/start-deps.test.ts': 124,
  'test/e2e/lxc-crash.test.ts': 119,
  'test/e2e/plan-live.test.ts': 117,
  'test/setup/setup-e2e.test.ts': 116,
  'test/e2e/cluster-up.test.ts': 115,
  'test/e2e/web-ui-browser.test.ts': 112,
  'test/e2e/lxc-faults.test.ts': 81,
  'packages/phoenix-sim/test/api-faults.test.ts': 76,
  'test/temporal/clone-lock.test.ts': 72,
  'test/temporal/worker-process.test.ts': 70,
  'test/temporal/upgrade.test.ts': 70,
  'test/vm/crash.test.ts': 70,
  'test/vm/provision-vm.test.ts': 61,
  'test/temporal/cancellation.test.ts': 60,
  'test/e2e/lxc-shared-template.test.ts': 60,
  'test/packaging/boundary.test.ts': 54,
  'test/temporal/orchestration-logic.test.ts': 51,
  'test/e2e/lxc-chain.test.ts': 49,
  'test/reliability/task-lost.test.ts': 48,
  'test/e2e/fleet-up-all.test.ts': 48,
  'test/e2e/reset-failed-run.test.ts': 41,
};
// Prefixes of directories whose files are long as a rule, ranked after the measured ones.
const LONG_DIRS = ['test/e2e/', 'test/setup/setup-e2e', 'test/vm/', 'test/reliability/', 'test/setup/'];

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Sort key: measured files by their time, then the long directories, then the rest. */
const expectedOrder = (a, b) => {
  const ma = MEASURED_SECONDS[a] ?? -1;
  const mb = MEASURED_SECONDS[b] ?? -1;
  if (ma !== mb) return mb - ma;
  const rank = (f) => {
    const i = LONG_DIRS.findIndex((prefix) => f.startsWith(prefix));
    return i === -1 ? LONG_DIRS.length : i;
  };
  return rank(a) - rank(b);
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
const reports = mkdtempSync(join(tmpdir(), 'phoenix-test-report-'));
// The workflow bundle is made once per run and shared by the files (test/temporal/workflow-bundle.ts).
const env = { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1', PHOENIX_TEST_BUNDLE_DIR: reports };

/**
 * One file in a `node --test` process of its own; its output is printed whole when it ends.
 * Resolves with its exit status, wall seconds and the counts of its closing TAP summary.
 */
function runFile(file, index) {
  const tap = join(reports, `${index}.tap`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import', 'tsx',
        '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', `--test-reporter-destination=${tap}`,
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (timedOut) output.push(Buffer.from(`\nrun-tests: ${file} did not finish within ${FILE_TIMEOUT_MS / 1000} s and was killed\n`));
      const seconds = (Date.now() - started) / 1000;
      const counts = {};
      let text = '';
      try {
        text = readFileSync(tap, 'utf8');
      } catch {
        // no report: the run itself failed to start; its status says so
      }
      for (const m of text.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
      const status = code ?? 1;
      process.stdout.write(`\n── ${file} (${seconds.toFixed(1)} s${status === 0 ? '' : `, exit ${code ?? signal}`})\n`);
      process.stdout.write(Buffer.concat(output));
      resolve({ file, status, seconds, counts });
    });
  });
}

/** Runs the files `width` at a time, in the given order; resolves with every file's result. */
async function runPool(queue, width) {
  const results = [];
  let next = 0;
  const lane = async () => {
    while (next < queue.length) {
      const i = next++;
      results.push(await runFile(queue[i], i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, lane));
  return results;
}

const started = Date.now();
const alone = files.filter((f) => RUN_ALONE.includes(f));
const pooled = files.filter((f) => !RUN_ALONE.includes(f)).sort(expectedOrder);
const results = [...(await runPool(pooled, concurrency)), ...(await runPool(alone, 1))];
rmSync(reports, { recursive: true, force: true });

const total = {};
for (const { counts } of results) for (const [k, v] of Object.entries(counts)) total[k] = (total[k] ?? 0) + v;
const failed = results.filter((r) => r.status !== 0);
const wall = (Date.now() - started) / 1000;
const fileSeconds = results.reduce((sum, r) => sum + r.seconds, 0);

console.log('\nwall time per file (slowest first):');
for (const r of [...results].sort((a, b) => b.seconds - a.seconds)) {
  console.log(`${r.seconds.toFixed(1).padStart(7)} s  ${r.file}${r.status === 0 ? '' : '  FAILED'}`);
}
console.log(
  `\nall test files (${files.length}, ${pooled.length} at concurrency ${concurrency}, ${alone.length} alone) in ${Math.round(wall)} s` +
    ` (sum of file times ${Math.round(fileSeconds)} s, longest file ${Math.round(Math.max(...results.map((r) => r.seconds)))} s)`,
);
for (const key of ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) console.log(`# ${key} ${total[key] ?? 0}`);
if (failed.length) console.log(`failed files: ${failed.map((r) => r.file).join(', ')}`);
process.exit(failed.length ? 1 : 0);
