// phoenix-sim with its SSH endpoint, plus Phoenix's real SSH and PVE clients against it.
import { sshEndpoint, type RunningSimulator } from 'phoenix-sim';
import { connectSsh, type SshConnectOptions, type SshConnection } from '../../src/ssh/connection';
import { startSim } from '../proxmox/sim-harness';

export async function startSimWithSsh(): Promise<RunningSimulator> {
  return startSim({ ssh: sshEndpoint() });
}

export function sshOptions(sim: RunningSimulator, over: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return {
    host: sim.apiHost,
    port: sim.sshPort,
    username: sim.sshUser,
    auth: { kind: 'key', privateKey: sim.sshPrivateKey },
    hostKey: { sha256: sim.sshHostKeyFingerprint },
    readyTimeoutMs: 5_000,
    ...over,
  };
}

export const connect = (sim: RunningSimulator, over: Partial<SshConnectOptions> = {}): Promise<SshConnection> => connectSsh(sshOptions(sim, over));
