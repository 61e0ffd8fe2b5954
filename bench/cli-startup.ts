/**
 * phoenix-client start-up: how long a command takes from process start to its first call to
 * Temporal (the first TCP socket it opens, after Connection.connect has set up its channel),
 * measured inside the real `bin/phoenix-client.js` process by a preloaded probe
 * (bench/lib/first-call-probe.js) that prints the process's age and CPU time at that moment and
 * exits. No server is involved: the figure is the loading alone. The CLI runs from its bundle with
 * a V8 code cache (src/cli/launch.ts) kept in a fresh cache dir: the first run of each command
 * writes it, the median is of runs that read it. `--unbundled` measures dist/client.js instead.
 *
 *   npm run build && npx tsx bench/cli-startup.ts [--runs 5] [--unbundled]
 *
 * Target: a converged `start` spends under 0.25 s before its first call to Temporal (median).
 * `node -e 0` is measured alongside: on a loaded machine both grow, and their difference is
 * what the CLI adds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../scripts/lib/stack';
import { writeBenchReport } from './lib/report';

const TARGET_MS = 250;
const PROBE = join(__dirname, 'lib', 'first-call-probe.js');
const CLIENT = join(REPO, 'bin', 'phoenix-client.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Probe {
  firstCallMs: number;
  cpuMs: number;
  modules: number;
  workerPackageLoaded: boolean;
}

const CACHE_DIR = mkdtempSync(join(tmpdir(), 'phoenix-cli-cache-'));
const UNBUNDLED = process.argv.includes('--unbundled');

function probe(args: string[]): Probe {
  const env = { ...process.env, PHOENIX_CONFIG_DIR: join(REPO, 'config'), PHOENIX_CACHE_DIR: CACHE_DIR, ...(UNBUNDLED ? { PHOENIX_CLI_BUNDLE: '0' } : {}) };
  const run = spawnSync(process.execPath, ['-r', PROBE, CLIENT, ...args], { encoding: 'utf8', env });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`phoenix-client ${args.join(' ')} made no call to Temporal:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line);
}

function nodeBaselineMs(): number {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const runs = arg('runs', 5);
  const samples: Record<string, Probe[]> = { 'start 950': [], 'status 950': [] };
  const baseline: number[] = [];
  for (const command of Object.keys(samples)) probe(command.split(' ')); // writes the code cache
  for (let i = 0; i < runs; i++) {
    samples['start 950']!.push(probe(['start', '950']));
    samples['status 950']!.push(probe(['status', '950']));
    baseline.push(nodeBaselineMs());
  }
  const figures: Record<string, unknown> = { runs, loadAverage: loadavg().map((l) => Number(l.toFixed(2))), nodeBaselineMs: median(baseline) };
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node -e 0: ${median(baseline).toFixed(0)} ms (median of ${runs})`);
  for (const [command, list] of Object.entries(samples)) {
    const wall = median(list.map((s) => s.firstCallMs));
    const cpu = median(list.map((s) => s.cpuMs));
    const workerPackageLoaded = list.some((s) => s.workerPackageLoaded);
    figures[command] = { firstCallMs: wall, cpuMs: cpu, modules: list[0]!.modules, workerPackageLoaded, overNodeMs: wall - median(baseline) };
    console.log(
      `${command.padEnd(12)} first call to Temporal after ${wall.toFixed(0).padStart(5)} ms (CPU ${cpu.toFixed(0)} ms, ${list[0]!.modules} modules from disk` +
        `${workerPackageLoaded ? ', WORKER PACKAGE LOADED' : ''}; ${(wall - median(baseline)).toFixed(0)} ms over node -e 0)`,
    );
  }
  const start = figures['start 950'] as { firstCallMs: number };
  console.log(`target: start before its first call < ${TARGET_MS} ms: ${start.firstCallMs < TARGET_MS ? 'met' : 'NOT met'}`);
  rmSync(CACHE_DIR, { recursive: true, force: true });
  if (UNBUNDLED) return; // a comparison; bench/results keeps the shipped way's figures
  await writeBenchReport('cli-startup', figures, {
    title: 'phoenix-client: process start to first call to Temporal (median)',
    unit: 'ms',
    bars: [
      { label: 'start 950', value: start.firstCallMs, target: TARGET_MS },
      { label: 'status 950', value: (figures['status 950'] as { firstCallMs: number }).firstCallMs },
      { label: 'node -e 0', value: median(baseline) },
    ],
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
