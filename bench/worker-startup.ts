/**
 * phoenix-worker start-up: a worker that bundles its workflow code at every start against
 * one that loads the bundle `npm run build` wrote (src/workflow-bundle.ts). Each run is the
 * real `bin/phoenix-worker.js` process against a Temporal dev server on loopback:
 *
 *   create  Worker.create() inside the process (the worker's own "worker created in" line)
 *   ready   spawn until the worker logs that it serves its task queue (node start included)
 *   rss     the process's resident set once it has polled idle for IDLE_SECONDS
 *
 *   npm run build && npx tsx bench/worker-startup.ts [--runs 3]
 *
 * Target: the prebuilt worker is ready at least 3x faster (median "create" time).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer } from '../src/temporal/dev-server';
import { PREBUILT_BUNDLE_PATH } from '../src/workflow-bundle';
import { REPO } from '../scripts/lib/stack';

const SPEED_TARGET = 3;
const IDLE_SECONDS = 3;
const READY_TIMEOUT_MS = 60_000;
type Mode = 'source' | 'prebuilt';

interface Sample {
  createMs: number;
  readyMs: number;
  rssMb: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

async function runWorker(mode: Mode, env: Record<string, string>, run: number): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(REPO, 'bin', 'phoenix-worker.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, PHOENIX_WORKFLOW_BUNDLE: mode, PHOENIX_TASK_QUEUE: `bench-startup-${mode}-${run}-${process.pid}` },
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const { createMs, readyMs } = await new Promise<{ createMs: number; readyMs: number }>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker (${mode}) not ready in ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
      child.once('exit', (code) => reject(new Error(`worker (${mode}) exited with ${code}:\n${output}`)));
      const onData = (d: Buffer) => {
        output += d.toString();
        const created = /worker created in (\d+) ms/.exec(output);
        if (created && /serving task queue/.test(output)) {
          clearTimeout(timer);
          resolveReady({ createMs: Number(created[1]), readyMs: performance.now() - started });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
    });
    // Idle: the worker polls and holds its workflow code; garbage from start-up has had time to go.
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    return { createMs, readyMs, rssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;

async function main(): Promise<void> {
  if (!existsSync(PREBUILT_BUNDLE_PATH)) throw new Error(`no ${PREBUILT_BUNDLE_PATH}: run \`npm run build\` first`);
  const runs = arg('runs', 3);
  const temporal = await startDevServer({ port: 0, uiPort: false });
  try {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('PHOENIX_') && !k.startsWith('TEMPORAL_')) env[k] = v;
    }
    Object.assign(env, {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      PHOENIX_CONFIG_DIR: join(REPO, 'config'),
      PHOENIX_LOG_LEVEL: 'WARN',
    });
    const samples: Record<Mode, Sample[]> = { source: [], prebuilt: [] };
    // Alternating keeps a burst of load from other processes from landing on one mode only.
    for (let run = 0; run < runs; run++) {
      for (const mode of ['source', 'prebuilt'] as const) samples[mode].push(await runWorker(mode, env, run));
    }
    console.log(`phoenix-worker start-up, ${runs} runs each (median, range):`);
    for (const mode of ['source', 'prebuilt'] as const) {
      const s = samples[mode];
      const label = mode === 'source' ? 'bundle at start' : 'prebuilt bundle';
      console.log(
        `  ${label.padEnd(16)} create ${median(s.map((x) => x.createMs)).toFixed(0)} ms (${range(s.map((x) => x.createMs))})` +
          `  ready ${median(s.map((x) => x.readyMs)).toFixed(0)} ms (${range(s.map((x) => x.readyMs))})` +
          `  idle RSS ${median(s.map((x) => x.rssMb)).toFixed(0)} MB (${range(s.map((x) => x.rssMb))})`,
      );
    }
    const createRatio = median(samples.source.map((x) => x.createMs)) / median(samples.prebuilt.map((x) => x.createMs));
    const readyRatio = median(samples.source.map((x) => x.readyMs)) / median(samples.prebuilt.map((x) => x.readyMs));
    const rssSaved = median(samples.source.map((x) => x.rssMb)) - median(samples.prebuilt.map((x) => x.rssMb));
    console.log(
      `  create ${createRatio.toFixed(1)}x faster (target ${SPEED_TARGET}x: ${createRatio >= SPEED_TARGET ? 'meets' : 'MISSES'}),` +
        ` ready ${readyRatio.toFixed(1)}x faster, ${rssSaved.toFixed(0)} MB less idle RSS`,
    );
  } finally {
    await temporal.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
