import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PACKAGE_ROOT } from './package-root';
import { loadOrCreateCredentials } from './api/credentials';
import { createApiServer } from './api/server';
import type { PveVersion } from './api/wire';
import { SimState, type FaultSpec, type LedgerEntry, type LedgerFilter, type SimStateOptions } from './state';
import { loadOrCreateTls } from './tls/certificates';
import type { GuestPlugin, GuestSide, SshEndpoint, SshPlugin } from './plugins';

export type { GuestPlugin, GuestSide, SshEndpoint, SshPlugin } from './plugins';
export { SimState, type FaultSpec, type LedgerEntry } from './state';
// The package's public surface for Phoenix's tests, demo and benchmarks: the guest and SSH
// plugins, the CLI's connection lines, the host profile, and the PVE-format checks and
// cloud-config reader that judge what Phoenix writes.
export { sandboxGuests } from './guest/plugin';
export { sshEndpoint } from './ssh/plugin';
export { envLines } from './cli';
export { DEFAULT_HOST_PROFILE, type HostProfile } from './host/profile';
export { checkIpConfig, checkSshKeys } from './state/cloudinit';
export { parseUserData } from './guest/cloud-init/cloud-config';
/** Waiting on the simulator's state (its ledger, a guest's status) instead of sleeping. */
export { waitFor } from './wait-for';

/** The `phoenix-sim` command (this package's bin), for callers that run it as a process. */
export const PHOENIX_SIM_BIN = join(PACKAGE_ROOT, 'bin', 'phoenix-sim.js');

/** The state's settings a caller passes straight through (cluster, storages, timings, faults). */
type StateSettings = Pick<SimStateOptions, 'nodes' | 'storages' | 'templates' | 'timeScale' | 'faults' | 'faultSeed' | 'durations' | 'rrdLagMs'>;

/** Options of `startSimulator` (the CLI flags map onto these). */
export interface SimulatorOptions extends StateSettings {
  /** Keeps state, TLS certificate, credentials and SSH keys; default: a fresh temp dir removed on close. */
  stateDir?: string;
  host?: string;
  /** 0 = a free port (default 8006 on the CLI, 0 programmatically). */
  apiPort?: number;
  sshPort?: number;
  pveVersion?: PveVersion;
  /** The guest side (sandboxed filesystems, agent, cloud-init); default: none (no-op filesystems and agent). */
  guests?: GuestPlugin;
  /** The SSH endpoint; default: none. */
  ssh?: SshPlugin;
}

export interface RunningSimulator {
  apiHost: string;
  apiPort: number;
  /** 0 when no SSH endpoint is plugged in. */
  sshPort: number;
  stateDir: string;
  node: string;
  caPem: string;
  caFile: string;
  /** SHA-256 of the node certificate, `AB:CD:...` as PVE shows it. */
  fingerprint: string;
  tokenId: string;
  tokenSecret: string;
  rootPassword: string;
  sshUser: string;
  sshPrivateKey: string;
  sshPrivateKeyFile: string;
  sshHostKeyFingerprint: string;
  /** Every node's own SSH endpoint (the first is `sshPort`); one root key logs in on all. */
  sshNodes: Array<{ node: string; port: number; hostKeyFingerprint: string }>;
  state: SimState;
  ledger(filter?: LedgerFilter): LedgerEntry[];
  setFaults(faults: FaultSpec[], seed?: number): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const ownsDir = !options.stateDir;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'phoenix-sim-'));
  const host = options.host ?? '127.0.0.1';
  const timeScale = options.timeScale ?? 1;
  const { nodes, storages, templates, faults, faultSeed, durations, rrdLagMs, pveVersion } = options;
  const state = new SimState({ stateDir, nodes, storages, templates, timeScale, faults, faultSeed, durations, rrdLagMs, pveVersion });
  const node = state.nodes[0]!;
  const credentials = loadOrCreateCredentials(stateDir);
  const tls = loadOrCreateTls(stateDir, node, host === '0.0.0.0' || host === '::' ? [] : [host]);
  let guest: GuestSide | undefined;
  let ssh: SshEndpoint | undefined;
  const otherSsh: Array<{ node: string; endpoint: SshEndpoint }> = [];
  const server = createApiServer({ state, credentials, tls, pveVersion: options.pveVersion ?? '8.2' });
  const closeAll = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await ssh?.close();
    for (const o of otherSsh) await o.endpoint.close();
    await state.close();
    await guest?.close();
    if (ownsDir) rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    if (options.guests) {
      guest = await options.guests({ state, stateDir, timeScale });
      state.setGuestRuntimes({ filesystems: guest.filesystems, agent: guest.agent });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.apiPort ?? 0, host, () => resolve());
    });
    if (options.ssh) {
      ssh = await options.ssh({ state, stateDir, host, port: options.sshPort ?? 0, node, guest });
      // Each further node answers on its own port with its own host key, as a cluster's nodes do.
      for (const other of state.nodes.slice(1)) otherSsh.push({ node: other, endpoint: await options.ssh({ state, stateDir, host, port: 0, node: other, guest }) });
    }
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
  const apiPort = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    apiHost: host,
    apiPort,
    sshPort: ssh?.port ?? 0,
    stateDir,
    node,
    caPem: tls.caPem,
    caFile: tls.caFile,
    fingerprint: tls.fingerprint,
    tokenId: credentials.tokenId,
    tokenSecret: credentials.tokenSecret,
    rootPassword: credentials.rootPassword,
    sshUser: ssh?.user ?? 'root',
    sshPrivateKey: ssh?.privateKey ?? '',
    sshPrivateKeyFile: ssh?.privateKeyFile ?? '',
    sshHostKeyFingerprint: ssh?.hostKeyFingerprint ?? '',
    sshNodes: ssh ? [{ node, port: ssh.port, hostKeyFingerprint: ssh.hostKeyFingerprint }, ...otherSsh.map((o) => ({ node: o.node, port: o.endpoint.port, hostKeyFingerprint: o.endpoint.hostKeyFingerprint }))] : [],
    state,
    ledger: (filter) => state.ledger.entries(filter),
    setFaults: (faults, seed) => state.faults.set(faults, seed),
    reset: async () => {
      await state.tasks.settle();
      state.reset();
    },
    close: () => (closing ??= closeAll()),
  };
}
