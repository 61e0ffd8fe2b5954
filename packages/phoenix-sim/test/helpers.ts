import proxmoxApi, { type Proxmox } from 'proxmox-api';
import { Agent, fetch, type RequestInfo, type RequestInit } from 'undici';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../src';

/**
 * Shared setup of the simulator contract tests: a simulator on a free port,
 * and real `proxmox-api` clients whose undici fetch pins the simulator's CA.
 */
export interface SimClients {
  sim: RunningSimulator;
  /** Authenticated with the API token `root@pam!phoenix`. */
  token: Proxmox.Api;
  /** Authenticated by ticket login as `root@pam`. */
  ticket: Proxmox.Api;
  /** Raw HTTPS fetch pinned to the simulator's CA (for wire-format checks). */
  rawFetch: (path: string, init?: RequestInit) => ReturnType<typeof fetch>;
  close(): Promise<void>;
}

export const FAST = 0.01;
export const UBUNTU = 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst';

export function pinnedFetch(caPem: string): { fetch: (u: RequestInfo, i?: RequestInit) => ReturnType<typeof fetch>; agent: Agent } {
  const agent = new Agent({ connect: { ca: caPem } });
  return { agent, fetch: (u, i) => fetch(u, { ...i, dispatcher: agent }) };
}

export function clientsFor(sim: RunningSimulator): Omit<SimClients, 'sim' | 'close'> & { agent: Agent } {
  const { fetch: f, agent } = pinnedFetch(sim.caPem);
  // proxmox-api clears its per-request abort timer only when the fetch succeeds: a request the
  // simulator drops (a reset fault) leaves the timer keeping the test process alive for
  // queryTimeout (60 s by default). A loopback simulator answers in milliseconds.
  const queryTimeout = 5_000;
  const token = proxmoxApi({ host: sim.apiHost, port: sim.apiPort, tokenID: sim.tokenId, tokenSecret: sim.tokenSecret, fetch: f as never, queryTimeout });
  const ticket = proxmoxApi({ host: sim.apiHost, port: sim.apiPort, username: 'root@pam', password: sim.rootPassword, fetch: f as never, queryTimeout });
  const rawFetch = (path: string, init?: RequestInit): ReturnType<typeof fetch> => f(`https://${sim.apiHost}:${sim.apiPort}${path}`, init);
  return { token, ticket, rawFetch, agent };
}

export async function withSim(options: SimulatorOptions = {}): Promise<SimClients> {
  const sim = await startSimulator({ timeScale: FAST, ...options });
  const c = clientsFor(sim);
  return {
    sim,
    token: c.token,
    ticket: c.ticket,
    rawFetch: c.rawFetch,
    close: async () => {
      await c.agent.close();
      await sim.close();
    },
  };
}

/** Polls a task to completion as clients do; returns its exitstatus. */
export async function waitTask(api: Proxmox.Api, upid: string, timeoutMs = 10_000): Promise<string> {
  const node = upid.split(':')[1]!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await api.nodes.$(node).tasks.$(upid).status.$get();
    if (st.status === 'stopped') return String(st.exitstatus);
    if (Date.now() > deadline) throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The thrown error's message (proxmox-api errors carry status, reason and body in the text). */
export async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** Creates unprivileged CT `vmid` from the Ubuntu template on local-zfs and waits for it (PVE 8.2 defaults to privileged). */
export async function createCt(api: Proxmox.Api, vmid: number, extra: Record<string, string | number> = {}): Promise<void> {
  const upid = await api.nodes.$('pve').lxc.$post({ vmid, ostemplate: UBUNTU, rootfs: 'local-zfs:8', hostname: `ct${vmid}`, net0: 'name=eth0,bridge=vmbr0,ip=dhcp', unprivileged: 1, ...extra } as never);
  const status = await waitTask(api, upid);
  if (status !== 'OK') throw new Error(`create ${vmid}: ${status}`);
}
