// The VM suites' world: a Temporal dev server, phoenix-sim in-process with its sandboxed
// guests and SSH endpoint, a temp copy of the config, and Phoenix workers (in-process, or a
// child process that a test can kill -9) wired to them exactly as the worker is in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { provisioningDepsFromEnv } from '../../src/activities/common/provisioning-deps';
import { sandboxGuests, sshEndpoint, startSimulator, type RunningSimulator } from 'phoenix-sim';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { REPO_ROOT } from '../../src/temporal/temporal-binary';
import { createPhoenixWorker } from '../../src/worker-factory';
import { phoenixWorkflowBundle } from '../temporal/workflow-bundle';

export interface VmWorld {
  server: DevServer;
  client: Client;
  sim: RunningSimulator;
  tmp: string;
  configDir: string;
  /** The simulator's connection settings as the worker reads them. */
  env: Record<string, string>;
  bundlePath: string;
  close(): Promise<void>;
}

// Worker state changes and retried activities are expected here; keep the output to warnings.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by another suite in this process
}

export async function startWorld(editVms?: (file: { vm_defaults: Record<string, unknown>; vms: Array<Record<string, unknown>> }) => void): Promise<VmWorld> {
  const tmp = mkdtempSync(join(tmpdir(), 'phoenix-vm-test-'));
  const configDir = join(tmp, 'config');
  cpSync(join(REPO_ROOT, 'config'), configDir, { recursive: true });
  if (editVms) {
    const file = join(configDir, 'phoenix_vm_configs.json');
    const vms = JSON.parse(readFileSync(file, 'utf8'));
    editVms(vms);
    writeFileSync(file, JSON.stringify(vms, null, 2));
  }
  const [server, sim, code] = await Promise.all([
    startDevServer({ uiPort: false, logLevel: 'error' }),
    // Short PVE tasks; guests are real sandboxes whose installers take their scaled time.
    startSimulator({ timeScale: 0.05, guests: sandboxGuests(), ssh: sshEndpoint() }),
    phoenixWorkflowBundle(),
  ]);
  const bundlePath = join(tmp, 'workflows-bundle.js');
  writeFileSync(bundlePath, code.code);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const env = workerEnvFor(sim, configDir);
  return {
    server,
    client,
    sim,
    tmp,
    configDir,
    env,
    bundlePath,
    async close() {
      await connection.close().catch(() => {});
      await sim.close().catch(() => {});
      await server.stop().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The worker's environment for a simulator: its API, pinned certificate, SSH endpoint and host key. */
export function workerEnvFor(sim: RunningSimulator, configDir: string): Record<string, string> {
  return {
    PHOENIX_CONFIG_DIR: configDir,
    PHOENIX_PVE_HOST: sim.apiHost,
    PHOENIX_PVE_PORT: String(sim.apiPort),
    PHOENIX_PVE_NODE: sim.node,
    PHOENIX_PVE_TOKEN_ID: sim.tokenId,
    PHOENIX_PVE_TOKEN_SECRET: sim.tokenSecret,
    PHOENIX_PVE_FINGERPRINT: sim.fingerprint,
    PHOENIX_SSH_HOST: sim.apiHost,
    PHOENIX_SSH_PORT: String(sim.sshPort),
    PHOENIX_SSH_USER: sim.sshUser,
    PHOENIX_SSH_KEY_FILE: sim.sshPrivateKeyFile,
    PHOENIX_SSH_HOST_KEY_FINGERPRINT: sim.sshHostKeyFingerprint,
  };
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** An in-process worker on its own task queue; `scriptsRoot` replaces the repo's features/. */
export async function startWorker(world: VmWorld, taskQueue: string, scriptsRoot?: string): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: world.server.address });
  const worker = await createPhoenixWorker({
    connection,
    namespace: world.server.namespace,
    taskQueue,
    workflowBundle: { codePath: world.bundlePath },
    shutdownGraceTime: '1s',
    deps: { provisioning: provisioningDepsFromEnv({ env: world.env, taskQueue, ...(scriptsRoot ? { scriptsRoot } : {}) }) },
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

/** A worker in a child process (test/vm/worker-child.ts), for crashes: `kill()` is SIGKILL. */
export function spawnWorker(world: VmWorld, taskQueue: string, extraEnv: Record<string, string> = {}): { child: ChildProcess; output: () => string; kill(): Promise<void> } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'vm', 'worker-child.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...world.env,
      ...extraEnv,
      PHOENIX_TEST_TEMPORAL_ADDRESS: world.server.address,
      PHOENIX_TEST_NAMESPACE: world.server.namespace,
      PHOENIX_TEST_TASK_QUEUE: taskQueue,
      PHOENIX_TEST_BUNDLE: world.bundlePath,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
