/**
 * The live answers placement needs, read from PVE and the nodes: free memory and cores per node
 * (`/cluster/resources`), where existing guests are, which storages are shared (`shared` flag of
 * the storage entries), and the GPUs of nodes whose inventory the config does not list
 * (`nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits` on the node).
 */
import { clusterNodes, type PhoenixConfig } from '../../config';
import type { NodeGpu } from '../../config/schema/cluster';
import type { ClusterLive } from '../../planning/placement';
import type { ProvisioningDeps } from '../common/provisioning-deps';

const MIB = 1024 * 1024;

export async function readClusterLive(deps: ProvisioningDeps, config: PhoenixConfig): Promise<ClusterLive> {
  const pve = await deps.pve();
  const conn = await deps.connection();
  const resources = await pve.cluster.resources();
  const nodes = resources
    .filter((r) => r.type === 'node' && typeof r.node === 'string')
    .map((r) => ({
      name: String(r.node),
      freeMemoryMb: (Number(r.maxmem ?? 0) - Number(r.mem ?? 0)) / MIB,
      freeCores: Number(r.maxcpu ?? 0) * (1 - Number(r.cpu ?? 0)),
    }));
  const existing: Record<string, string> = {};
  for (const r of resources) if ((r.type === 'lxc' || r.type === 'qemu') && r.vmid !== undefined && typeof r.node === 'string') existing[String(r.vmid)] = r.node;
  const sharedStorages = [...new Set(resources.filter((r) => r.type === 'storage' && Number(r.shared) === 1).map((r) => String(r.storage)))];

  const gpus: Record<string, NodeGpu[]> = {};
  const guestsWantGpus = config.containers.some((c) => c.gpu_assignment.length > 0);
  if (guestsWantGpus) {
    for (const n of clusterNodes(config.hypervisor, conn.api.node)) {
      if (n.gpus) continue;
      const listed = await deps.withHost((host) => host.run.exec(['nvidia-smi', '--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits']), undefined, n.name);
      if (listed.code === 0) gpus[n.name] = parseNvidiaSmi(listed.stdout);
    }
  }
  return { nodes, existing, sharedStorages, gpus, apiNode: conn.api.node };
}

/** `0, NVIDIA GeForce RTX 5060 Ti, 16311` lines (csv, noheader, nounits). */
export function parseNvidiaSmi(text: string): NodeGpu[] {
  const out: NodeGpu[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length < 3 || !/^\d+$/.test(cells[0]!)) continue;
    const memory = Number(cells[2]!.replace(/\s*MiB$/, ''));
    out.push({ index: Number(cells[0]), model: cells[1]!, ...(Number.isFinite(memory) && memory > 0 ? { memory_mb: Math.round(memory) } : {}) });
  }
  return out;
}
