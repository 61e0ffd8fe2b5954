// Starts phoenix-sim through its public entry and builds Phoenix's real clients against it.
import { startSimulator, type RunningSimulator, type SimulatorOptions } from 'phoenix-sim';
import { createPveClient, type PveClient } from '../../src/proxmox/client';
import { createPveTransport, type PveTransportOptions } from '../../src/proxmox/transport';

// Short PVE task durations keep the suite lean but still leave tasks running long enough
// to be observed (a second clone must meet the first one's lock).
export const FAST_DURATIONS = {
  vzcreate: 300,
  vzclone: 800,
  vzstart: 150,
  vzstop: 100,
  vzshutdown: 150,
  vzsnapshot: 150,
  vzdelsnapshot: 100,
  vzrollback: 150,
  vztemplate: 300,
  vzdestroy: 100,
  qmcreate: 200,
  qmclone: 300,
  qmstart: 150,
  qmstop: 100,
  qmconfig: 100,
  agentBoot: 300,
  authFailure: 50,
};

export async function startSim(extra: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ durations: FAST_DURATIONS, ...extra });
}

export function transportOptions(sim: RunningSimulator, over: Partial<PveTransportOptions> = {}): PveTransportOptions {
  return {
    host: sim.apiHost,
    port: sim.apiPort,
    auth: { kind: 'token', tokenId: sim.tokenId, tokenSecret: sim.tokenSecret },
    tls: { kind: 'ca', caPem: sim.caPem },
    // proxmox-api leaves its timeout timer running after a failed request; a short one lets the test process exit sooner.
    queryTimeoutMs: 4_000,
    ...over,
  };
}

export function tokenClient(sim: RunningSimulator, over: Partial<PveTransportOptions> = {}): PveClient {
  return createPveClient(createPveTransport(transportOptions(sim, over)));
}

export function rootTicketClient(sim: RunningSimulator): PveClient {
  return tokenClient(sim, { auth: { kind: 'ticket', username: 'root@pam', password: sim.rootPassword } });
}

export const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

/** Creates a stopped CT and waits for its task. */
export async function createCt(pve: PveClient, node: string, vmid: number, extra: Record<string, string | number> = {}): Promise<void> {
  const upid = await pve.node(node).createContainer({
    vmid,
    ostemplate: DEBIAN,
    hostname: `ct${vmid}`,
    rootfs: 'local-zfs:4',
    cores: 1,
    memory: 512,
    extra: { net0: 'name=eth0,bridge=vmbr0,ip=dhcp', ...extra },
  });
  await pve.tasks.wait(upid, { pollMs: 50 });
}
