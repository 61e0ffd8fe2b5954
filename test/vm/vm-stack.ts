// The VM suites' world: the shared stack (scripts/lib/stack.ts: Temporal dev server, the
// phoenix-sim and phoenix-worker processes) on an edited copy of the config, plus what the VM
// tests read of it the way a client does: guest configs through the PVE API, host files over
// SSH, workflow results and histories through a Temporal client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { provisioningDepsFromEnv } from '../../src/activities/common/provisioning-deps';
import { closeIdleSshConnections } from '../../src/ssh/pool';
import { startStack, type LedgerEntry, type Stack, type WorkerProcess } from '../../scripts/lib/stack';
import { configCopy } from '../e2e/helpers';

export interface VmStack {
  stack: Stack;
  client: Client;
  /** Scratch space of the suite (edited script folders). */
  tmp: string;
  /** The ledger entries of one kind (and guest), or all of them. */
  ledger(filter?: { kind?: string; vmid?: number; since?: number }): Promise<LedgerEntry[]>;
  /** `GET /nodes/{node}/qemu/{vmid}/config`, as PVE answers it. */
  vmConfig(vmid: number): Promise<Record<string, unknown>>;
  /** A file on the PVE host, read with `cat` over the host's SSH (pinned host key), as the worker reads it. */
  hostFile(path: string): Promise<string>;
  /** A `phoenix-worker` process on `taskQueue`; `env` adds e.g. PHOENIX_SCRIPTS_DIR. */
  startWorker(taskQueue: string, env?: Record<string, string>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

type VmConfigFile = { vm_defaults: Record<string, unknown>; vms: Array<Record<string, unknown>> };

export async function startVmStack(editVms?: (file: VmConfigFile) => void): Promise<VmStack> {
  const config = configCopy((files) => editVms?.(files.vm as VmConfigFile));
  const configDir = config.dir;
  const tmp = mkdtempSync(join(tmpdir(), 'phoenix-vm-test-'));
  let stack: Stack | undefined;
  let connection: Connection | undefined;
  try {
    // Short PVE tasks; guests are the simulator's sandboxes whose installers take their scaled time.
    // Workers that are stopped (not killed) let their steps go at once: the next test's worker retries them.
    stack = await startStack({ timeScale: 0.05, configDir, workerEnv: { PHOENIX_SHUTDOWN_GRACE: '1s', PHOENIX_SHUTDOWN_FORCE: '2s' } });
    connection = await Connection.connect({ address: stack.temporal.address });
  } catch (err) {
    await stack?.stop();
    rmSync(tmp, { recursive: true, force: true });
    config.remove();
    throw err;
  }
  const s = stack;
  const c = connection;
  const host = provisioningDepsFromEnv({ env: { ...s.sim.env, PHOENIX_CONFIG_DIR: configDir }, taskQueue: 'unused' });
  return {
    stack: s,
    client: new Client({ connection: c, namespace: s.temporal.namespace }),
    tmp,
    async ledger(filter = {}) {
      return (await s.ledger()).filter(
        (e) => (filter.kind === undefined || e.kind === filter.kind) && (filter.vmid === undefined || e.vmid === filter.vmid) && (filter.since === undefined || e.seq > filter.since),
      );
    },
    vmConfig: async (vmid) => (await s.pveGet(`/nodes/${s.sim.env.PHOENIX_PVE_NODE}/qemu/${vmid}/config`)) as Record<string, unknown>,
    async hostFile(path) {
      const read = await host.withHost((h) => h.run.exec(['cat', path], { idempotent: true }));
      if (read.code !== 0) throw new Error(`cat ${path} on the host: exit ${read.code}: ${read.stderr}`);
      return read.stdout;
    },
    startWorker: (taskQueue, env = {}) => s.startWorker({ PHOENIX_TASK_QUEUE: taskQueue, ...env }),
    async close() {
      closeIdleSshConnections();
      await c.close().catch(() => {});
      await s.stop();
      rmSync(tmp, { recursive: true, force: true });
      config.remove();
    },
  };
}
