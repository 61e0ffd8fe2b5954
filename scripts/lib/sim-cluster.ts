/**
 * A config folder joined to a multi-node phoenix-sim (`--nodes a,b,c`): `proxmox.node` becomes the
 * first node and `proxmox.nodes` lists every node with its own SSH endpoint and host key, from the
 * simulator's `PHOENIX_SIM_NODE_SSH` line (`node=port=fingerprint,...`). The first node is reached
 * over the stack's PHOENIX_SSH_* settings, as a one-node config is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SimNodeOptions {
  /** Each node's GPU inventory for `proxmox.nodes[].gpus` (default: none listed). */
  gpus?: Array<{ index: number; model?: string; memory_mb?: number }>;
}

export function simClusterNodes(simEnv: Record<string, string>, options: SimNodeOptions = {}): Array<Record<string, unknown>> {
  const endpoints = (simEnv.PHOENIX_SIM_NODE_SSH ?? '').split(',').filter(Boolean).map((e) => e.split('='));
  if (endpoints.length < 2) throw new Error(`the simulator runs one node (no PHOENIX_SIM_NODE_SSH): start it with --nodes a,b,...`);
  return endpoints.map(([name, port, fingerprint], i) => ({
    name,
    ...(options.gpus ? { gpus: options.gpus } : {}),
    ...(i === 0 ? {} : { ssh: { host: '127.0.0.1', port: Number(port), host_key_fingerprint: fingerprint } }),
  }));
}

/** Rewrites `<configDir>/phoenix_hypervisor_config.json` for the simulator's nodes; returns their names. */
export function joinSimCluster(configDir: string, simEnv: Record<string, string>, options: SimNodeOptions = {}): string[] {
  const file = join(configDir, 'phoenix_hypervisor_config.json');
  const hypervisor = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = simClusterNodes(simEnv, options);
  hypervisor.proxmox.node = nodes[0]!.name;
  hypervisor.proxmox.nodes = nodes;
  writeFileSync(file, JSON.stringify(hypervisor, null, 2));
  return nodes.map((n) => String(n.name));
}
