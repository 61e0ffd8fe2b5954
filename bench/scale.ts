/**
 * Scale: `up` of N containers cloned from one template at a zero-duration time scale (what is
 * measured is orchestration alone), for N in 100, 200, 500 by default. Per N, a fresh stack
 * (dev server, simulator, worker): wall time of the `up` process, time per guest, the worker's
 * peak resident set (VmHWM of the process running the worker; bin/phoenix-worker.js starts it as
 * its child under the heap limit, src/worker-launch.ts, and that launcher's own peak is printed
 * beside it) and the Temporal dev server's CPU time during the run.
 *
 *   npm run build && npx tsx bench/scale.ts [--sizes 100,200,500] [--concurrency 16] [--worker-env NAME=VALUE,...] [--memory-log DIR]
 *
 * `--memory-log DIR` writes DIR/worker-<N>.jsonl, the worker's memory breakdown each second
 * (bench/lib/memory-probe.js: RSS, main heap, external, the rest).
 *
 * Targets: 500 complete; time per guest at 500 within 1.2x of that at 100; worker peak RSS
 * <= 300 MB. The simulated cluster has 3 nodes (pve1-pve3, local ZFS): the leaves name no node, so
 * placement spreads them by free memory, and the nodes other than the template's get their own
 * copy of 900 first.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { joinSimCluster } from '../scripts/lib/sim-cluster';
import { startStack } from '../scripts/lib/stack';
import { configCopy } from '../test/e2e/helpers';
import { writeBenchReport } from './lib/report';

const RSS_TARGET_MB = 300;
const PER_GUEST_TARGET = 1.2;
const FIRST_ID = 2000;
const NODES = ['pve1', 'pve2', 'pve3'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** The pid running the worker: the bin's child when it launched one, else the bin's process itself. */
function workerPid(binPid: number): number {
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${binPid}/task/${binPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    children = [];
  }
  return children.length === 1 ? Number(children[0]) : binPid;
}

interface Figure {
  guests: number;
  completed: boolean;
  wallMs: number;
  msPerGuest: number;
  workerPeakRssMb: number;
  /** The launcher's peak (bin/phoenix-worker.js), 0 when the worker ran in the bin's own process. */
  launcherPeakRssMb: number;
  temporalCpuMs: number;
}

async function measure(n: number, concurrency: number): Promise<Figure> {
  const ids = Array.from({ length: n }, (_, i) => FIRST_ID + i);
  const config = configCopy(({ lxc }) => {
    const base = lxc.lxc_configs['902'];
    for (const [i, id] of ids.entries()) {
      lxc.lxc_configs[String(id)] = {
        ...base, name: `scale-${id}`, features: [], mac_address: `52:54:00:CC:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`.toUpperCase(),
        network_config: { ...base.network_config, ip: `10.0.${1 + Math.floor(i / 250)}.${2 + (i % 250)}/16` },
      };
      delete lxc.lxc_configs[String(id)].template_snapshot_name;
    }
  });
  const stack = await startStack({ timeScale: 0, configDir: config.dir, simArgs: ['--nodes', NODES.join(',')] });
  try {
    joinSimCluster(config.dir, stack.sim.env, { gpus: [{ index: 0 }] }); // the shipped 950 and 955 claim GPU 0
    // Worker settings to compare (e.g. PHOENIX_MAX_CACHED_WORKFLOWS=...): the defaults otherwise.
    const workerEnv: Record<string, string> = Object.fromEntries(arg('worker-env', '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const memoryLog = arg('memory-log', '');
    if (memoryLog) {
      mkdirSync(memoryLog, { recursive: true });
      workerEnv.NODE_OPTIONS = `${workerEnv.NODE_OPTIONS ?? ''} --require=${join(__dirname, 'lib', 'memory-probe.js')}`.trim();
      workerEnv.PHOENIX_BENCH_MEMORY_LOG = join(memoryLog, `worker-${n}.jsonl`);
    }
    const launcher = await stack.startWorker(workerEnv);
    const worker = { pid: workerPid(launcher.pid) };
    // The template first: its build is not what scales.
    const template = await stack.cli(['start', '900']);
    if (template.code !== 0) throw new Error(`start 900 failed:\n${template.stderr}`);
    const cpuBefore = cpuMs(stack.temporal.pid);
    const started = performance.now();
    const run = await stack.cli(['up', ...ids.map(String), '--concurrency', String(concurrency)]);
    const wallMs = performance.now() - started;
    const figure = {
      guests: n,
      completed: run.code === 0,
      wallMs,
      msPerGuest: wallMs / n,
      workerPeakRssMb: peakRssMb(worker.pid),
      launcherPeakRssMb: worker.pid === launcher.pid ? 0 : peakRssMb(launcher.pid),
      temporalCpuMs: cpuMs(stack.temporal.pid) - cpuBefore,
    };
    if (run.code !== 0) console.error(`up of ${n} exited ${run.code}:\n${run.stderr.split('\n').slice(-15).join('\n')}`);
    return figure;
  } finally {
    await stack.stop();
    config.remove();
  }
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '100,200,500').split(',').map(Number);
  const concurrency = Number(arg('concurrency', '16'));
  const figures: Figure[] = [];
  for (const n of sizes) {
    const f = await measure(n, concurrency);
    figures.push(f);
    console.log(
      `${String(n).padStart(4)} guests: ${f.completed ? 'complete' : 'INCOMPLETE'}, ${(f.wallMs / 1000).toFixed(1)} s, ${f.msPerGuest.toFixed(0)} ms per guest, ` +
        `worker peak RSS ${f.workerPeakRssMb.toFixed(0)} MB${f.launcherPeakRssMb ? ` (+ launcher ${f.launcherPeakRssMb.toFixed(0)} MB)` : ''}, Temporal CPU ${(f.temporalCpuMs / 1000).toFixed(1)} s (load ${loadavg()[0]!.toFixed(2)})`,
    );
  }
  const smallest = figures[0]!;
  const largest = figures.at(-1)!;
  const growth = largest.msPerGuest / smallest.msPerGuest;
  const peak = Math.max(...figures.map((f) => f.workerPeakRssMb));
  console.log(`largest (${largest.guests}) complete: ${largest.completed ? 'met' : 'NOT met'}`);
  console.log(`time per guest at ${largest.guests} / at ${smallest.guests}: ${growth.toFixed(2)}x (target <= ${PER_GUEST_TARGET}x): ${growth <= PER_GUEST_TARGET ? 'met' : 'NOT met'}`);
  console.log(`worker peak RSS ${peak.toFixed(0)} MB (target <= ${RSS_TARGET_MB} MB): ${peak <= RSS_TARGET_MB ? 'met' : 'NOT met'}`);
  await writeBenchReport('scale', { concurrency, figures, perGuestGrowth: growth, workerPeakRssMb: peak, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) }, {
    title: `up of N containers at time scale 0 (concurrency ${concurrency})`,
    unit: 'ms per guest; MB worker peak RSS',
    bars: [
      ...figures.map((f) => ({ label: `${f.guests} guests: ms per guest`, value: f.msPerGuest, ...(f !== smallest ? { target: smallest.msPerGuest * PER_GUEST_TARGET } : {}) })),
      ...figures.map((f) => ({ label: `${f.guests} guests: worker RSS MB`, value: f.workerPeakRssMb, target: RSS_TARGET_MB })),
    ],
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
