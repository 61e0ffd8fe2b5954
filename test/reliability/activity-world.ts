// Phoenix's activities called directly (MockActivityEnvironment) against phoenix-sim with its
// SSH endpoint and sandboxed guests: the quickest way to put a step through a crash, a lost
// task or a slow probe and read back what the host saw (the simulator's ledger).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { provisioningDepsFromEnv, type ProvisioningDeps } from '../../src/activities/common/provisioning-deps';
import { sandboxGuests, sshEndpoint, startSimulator, type FaultSpec, type LedgerEntry, type RunningSimulator } from 'phoenix-sim';
import { REPO_ROOT } from '../../src/temporal/temporal-binary';

export interface ActivityWorld {
  sim: RunningSimulator;
  tmp: string;
  configDir: string;
  env: Record<string, string>;
  deps(over?: Record<string, string>, scriptsRoot?: string): ProvisioningDeps;
  /** Ledger entries of these kinds (`lxc.*`), oldest first. */
  ledger(kind: string, vmid?: number): LedgerEntry[];
  faults(faults: FaultSpec[], seed?: number): void;
  close(): Promise<void>;
}

type LxcFile = { lxc_configs: Record<string, Record<string, unknown>> } & Record<string, unknown>;

export async function startActivityWorld(editLxc?: (file: LxcFile) => void): Promise<ActivityWorld> {
  const tmp = mkdtempSync(join(tmpdir(), 'phoenix-reliability-'));
  const configDir = join(tmp, 'config');
  cpSync(join(REPO_ROOT, 'config'), configDir, { recursive: true });
  if (editLxc) {
    const file = join(configDir, 'phoenix_lxc_configs.json');
    const lxc = JSON.parse(readFileSync(file, 'utf8')) as LxcFile;
    editLxc(lxc);
    writeFileSync(file, JSON.stringify(lxc, null, 2));
  }
  const sim = await startSimulator({ timeScale: 0.02, guests: sandboxGuests(), ssh: sshEndpoint() });
  const env = workerEnvFor(sim, configDir);
  return {
    sim,
    tmp,
    configDir,
    env,
    deps: (over = {}, scriptsRoot) =>
      provisioningDepsFromEnv({ env: { ...env, ...over }, taskQueue: 'unused', temporal: () => { throw new Error('no Temporal here'); }, ...(scriptsRoot ? { scriptsRoot } : {}) }),
    ledger: (kind, vmid) => sim.ledger({ kind, ...(vmid !== undefined ? { vmid } : {}) }),
    faults: (faults, seed = 1) => sim.setFaults(faults, seed),
    async close() {
      await sim.close().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The worker's environment for a simulator: its API, pinned certificate, SSH endpoint and host key. */
function workerEnvFor(sim: RunningSimulator, configDir: string): Record<string, string> {
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

/** Runs one activity attempt; `attempt` > 1 with the previous attempt's last heartbeat, as Temporal retries it. */
export async function attempt<T>(
  fn: () => Promise<T>,
  opts: { attempt?: number; heartbeatDetails?: unknown; heartbeatTimeoutMs?: number; onHeartbeat?: (d: unknown) => void } = {},
): Promise<{ result?: T; error?: Error; lastHeartbeat?: unknown }> {
  // Scheduled now: MockActivityEnvironment's default (1 ms after the epoch) puts every deadline
  // counted from the schedule time (the cloud-init wait's) in the past.
  const now = Date.now();
  const info: Partial<Info> = {
    scheduledTimestampMs: now,
    currentAttemptScheduledTimestampMs: now,
    attempt: opts.attempt ?? 1,
    heartbeatDetails: opts.heartbeatDetails,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 30_000,
  };
  const env = new MockActivityEnvironment(info);
  let lastHeartbeat: unknown = opts.heartbeatDetails;
  env.on('heartbeat', (d: unknown) => {
    lastHeartbeat = d;
    opts.onHeartbeat?.(d);
  });
  try {
    return { result: await env.run(fn), lastHeartbeat };
  } catch (error) {
    return { error: error as Error, lastHeartbeat };
  }
}

/** A scripts root whose guest scripts only say they ran (fast stand-ins for the real features). */
export function quickScriptsRoot(tmp: string, names: string[]): string {
  const root = join(tmp, 'scripts');
  mkdirSync(join(root, 'features', 'lxc'), { recursive: true });
  mkdirSync(join(root, 'apps'), { recursive: true });
  for (const name of names) writeFileSync(join(root, 'features', 'lxc', `${name}.sh`), `echo "feature ${name} ran"\n`);
  return root;
}
