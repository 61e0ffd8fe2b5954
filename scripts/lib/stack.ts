/**
 * A whole Phoenix installation on this machine, run the way operators run it: the Temporal
 * dev server (through the shared launcher), `phoenix-sim` and `phoenix-worker` as their own
 * processes (the built binaries), and `phoenix-client` invoked as a command. The demo, the
 * end-to-end tests and the benchmarks all use it.
 *
 * Secrets travel only through process environments, as in production: the simulator prints
 * them, the worker receives them, nothing else stores them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent, fetch } from 'undici';
import { PHOENIX_SIM_BIN, type LedgerEntry } from 'phoenix-sim';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';

export const REPO = resolve(__dirname, '..', '..');
const BIN = (name: string) => join(REPO, 'bin', name);

export interface StackOptions {
  /** Simulator time scale: 1 is PVE-like durations, 0.05 makes a full chain take seconds. */
  timeScale?: number;
  /** Extra `phoenix-sim` flags (faults, storages). */
  simArgs?: string[];
  configDir?: string;
  /** Web UI port for the dev server; false runs it headless. */
  uiPort?: number | false;
  temporalPort?: number;
  /** Keep Temporal's state in this SQLite file. */
  dbFile?: string;
  /** Forward the worker's output to this process (the demo shows it; tests keep it). */
  echoWorker?: boolean;
  /** Extra worker environment (heartbeat/shutdown tuning in tests). */
  workerEnv?: Record<string, string>;
}

/** One side effect in the simulator's ledger (its /sim/ledger answer), as the simulator defines it. */
export type { LedgerEntry } from 'phoenix-sim';

export interface WorkerProcess {
  pid: number;
  /** Output so far, for assertions and diagnosis. */
  output(): string;
  /** SIGKILL: the crash the durability tests simulate. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The simulator process; `kill9` + `restart` is an API/SSH outage (same ports, same state). */
export interface SimProcess {
  apiUrl: string;
  caFile: string;
  env: Record<string, string>;
  pid: number;
  /** SIGKILL: PVE's API daemon and sshd gone at once; running tasks end as `unexpected status`. */
  kill9(): Promise<void>;
  /** Starts it again on the same ports with the same state (after kill9). */
  restart(): Promise<void>;
}

export interface Stack {
  temporal: DevServer;
  /** Environment a `phoenix-client` or `phoenix-worker` needs (Temporal + simulator + config). */
  env: Record<string, string>;
  /** Simulator connection details, secrets included: only for the worker and ledger reads. */
  sim: SimProcess;
  /** SIGKILLs the Temporal dev server (a Temporal outage); `temporalUp` restarts it on the same port and database. */
  temporalDown(): Promise<void>;
  temporalUp(): Promise<void>;
  stateDir: string;
  taskQueue: string;
  startWorker(extraEnv?: Record<string, string>): Promise<WorkerProcess>;
  cli(args: string[], options?: { env?: Record<string, string> }): Promise<CliResult>;
  ledger(): Promise<LedgerEntry[]>;
  setFaults(faults: unknown[]): Promise<void>;
  /** Changes the simulator's unscaled task durations (ms, by name: vzclone, agentBoot...) for the tasks started afterwards. */
  setDurations(durations: Record<string, number>): Promise<void>;
  /**
   * A GET on the simulator's PVE API (`/nodes/pve/qemu/8001/config`) with its API token, answered
   * as any client sees it: the `data` of the answer.
   */
  pveGet(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

const SIM_ENV_KEYS = [
  'PHOENIX_PVE_HOST', 'PHOENIX_PVE_PORT', 'PHOENIX_PVE_TOKEN_ID', 'PHOENIX_PVE_TOKEN_SECRET', 'PHOENIX_PVE_FINGERPRINT',
  'PHOENIX_PVE_CA_FILE', 'PHOENIX_PVE_NODE', 'PHOENIX_SSH_HOST', 'PHOENIX_SSH_PORT', 'PHOENIX_SSH_USER',
  'PHOENIX_SSH_KEY_FILE', 'PHOENIX_SSH_HOST_KEY_FINGERPRINT',
];

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const stateDir = mkdtempSync(join(tmpdir(), 'phoenix-stack-'));
  const children: ChildProcess[] = [];
  let temporal: DevServer | undefined;
  try {
    const devServerOptions = {
      port: options.temporalPort ?? 0,
      uiPort: options.uiPort ?? false,
      ...(options.dbFile ? { dbFile: options.dbFile } : {}),
    } as const;
    temporal = await startDevServer(devServerOptions);
    const sim = await startSim(stateDir, options, children);
    const taskQueue = `phoenix-${process.pid}-${Date.now().toString(36)}`;
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      PHOENIX_TASK_QUEUE: taskQueue,
      PHOENIX_CONFIG_DIR: options.configDir ?? join(REPO, 'config'),
      ...(temporal.uiUrl ? { TEMPORAL_UI_URL: temporal.uiUrl } : {}),
    };
    const stack: Stack = {
      temporal,
      env,
      sim,
      stateDir,
      taskQueue,
      startWorker: (extraEnv = {}) =>
        startWorker({ ...baseEnv(), ...env, ...sim.env, ...options.workerEnv, ...extraEnv }, options.echoWorker ?? false, children),
      cli: (args, opts = {}) => runCli(args, { ...baseEnv(), ...env, ...opts.env }),
      ...simAccess(sim),
      async temporalDown() {
        process.kill(stack.temporal.pid, 'SIGKILL');
        await stack.temporal.exited;
      },
      async temporalUp() {
        const port = Number(stack.temporal.address.split(':').pop());
        stack.temporal = await startDevServer({ ...devServerOptions, port });
        temporal = stack.temporal;
      },
      async stop() {
        await Promise.all(children.map((c) => stopChild(c)));
        await temporal?.stop();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (err) {
    await Promise.all(children.map((c) => stopChild(c)));
    await temporal?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}

/** The parent environment minus anything that would point Phoenix elsewhere. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('PHOENIX_') && !k.startsWith('TEMPORAL_')) env[k] = v;
  }
  env.TEMPORAL_VERSION_CHECK_DISABLED = '1';
  return env;
}

export async function startSim(stateDir: string, options: StackOptions, children: ChildProcess[], ports = { api: '0', ssh: '0' }): Promise<SimProcess> {
  const args = [
    PHOENIX_SIM_BIN, '--port', ports.api, '--ssh-port', ports.ssh, '--state-dir', join(stateDir, 'sim'),
    '--time-scale', String(options.timeScale ?? 0.05), '--print-env', ...(options.simArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: baseEnv() });
  children.push(child);
  const env: Record<string, string> = {};
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await new Promise<void>((resolveReady, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`phoenix-sim did not print its connection settings in 20 s:\n${stderr}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`phoenix-sim exited with ${code}:\n${stderr}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (const line of buffer.split('\n')) {
        const m = /^(PHOENIX_[A-Z_]+)=(.*)$/.exec(line);
        if (m) env[m[1]!] = m[2]!;
      }
      if (SIM_ENV_KEYS.every((k) => k in env)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
  });
  const sim: SimProcess = {
    apiUrl: `https://${env.PHOENIX_PVE_HOST}:${env.PHOENIX_PVE_PORT}`,
    caFile: env.PHOENIX_PVE_CA_FILE!,
    env,
    pid: child.pid!,
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart() {
      const again = await startSim(stateDir, options, children, { api: env.PHOENIX_PVE_PORT!, ssh: env.PHOENIX_SSH_PORT! });
      sim.pid = again.pid;
      sim.kill9 = again.kill9;
      sim.restart = again.restart;
    },
  };
  return sim;
}

export async function startWorker(env: Record<string, string>, echo: boolean, children: ChildProcess[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN('phoenix-worker.js')], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
    if (echo) process.stderr.write(d);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`phoenix-worker did not start in 60 s:\n${output}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`phoenix-worker exited with ${code}:\n${output}`)));
    const check = () => {
      if (/serving task queue/.test(output)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
  });
  return {
    pid: child.pid!,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: () => stopChild(child),
  };
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [BIN('phoenix-client.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

async function simFetch(apiUrl: string, caFile: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const { readFileSync } = await import('node:fs');
  const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  try {
    const res = await fetch(`${apiUrl}${path}`, { ...init, dispatcher, headers: { 'content-type': 'application/json', ...init.headers } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as unknown;
  } finally {
    await dispatcher.close();
  }
}

/** The stack's reads and controls of its simulator, over its HTTPS API (pinned CA). */
export function simAccess(sim: SimProcess): Pick<Stack, 'ledger' | 'setFaults' | 'setDurations' | 'pveGet'> {
  return {
    ledger: () => readLedger(sim.apiUrl, sim.caFile),
    setFaults: (faults) => postFaults(sim.apiUrl, sim.caFile, faults),
    setDurations: (durations) => postDurations(sim.apiUrl, sim.caFile, durations),
    pveGet: async (path) =>
      ((await simFetch(sim.apiUrl, sim.caFile, `/api2/json${path}`, {
        headers: { authorization: `PVEAPIToken=${sim.env.PHOENIX_PVE_TOKEN_ID}=${sim.env.PHOENIX_PVE_TOKEN_SECRET}` },
      })) as { data: unknown }).data,
  };
}

export async function readLedger(apiUrl: string, caFile: string): Promise<LedgerEntry[]> {
  const body = (await simFetch(apiUrl, caFile, '/sim/ledger')) as { entries: LedgerEntry[] };
  return body.entries;
}

export async function postDurations(apiUrl: string, caFile: string, durations: Record<string, number>): Promise<void> {
  await simFetch(apiUrl, caFile, '/sim/durations', { method: 'POST', body: JSON.stringify(durations) });
}

export async function postFaults(apiUrl: string, caFile: string, faults: unknown[]): Promise<void> {
  await simFetch(apiUrl, caFile, '/sim/faults', { method: 'POST', body: JSON.stringify({ faults }) });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited(child);
  clearTimeout(timer);
}
