/**
 * The cluster as the configuration describes it: its nodes (a file without `proxmox.nodes` is a
 * one-node cluster, `proxmox.node`), each node's configured GPUs, the ID a per-node copy of a
 * template gets, and the GPU memory a guest claims. Pure: the live side (free memory, nvidia-smi,
 * storage sharing) is in src/planning/placement.ts and the activities.
 */
import { isTemplate, type Guest, type PhoenixConfig } from './model';
import type { NodeGpu } from './schema/cluster';
import type { HypervisorFile } from './schema/hypervisor';

export interface ClusterNode {
  readonly name: string;
  /** Configured GPUs; undefined: ask nvidia-smi on the node. */
  readonly gpus?: readonly NodeGpu[];
  /** A per-node copy of template T on this node is T + this offset. */
  readonly templateCopyIdOffset: number;
}

/** The node of a configuration that names none. */
export const DEFAULT_PVE_NODE = 'pve';
/** VMIDs PVE accepts (`pve-vmid`). */
export const MAX_VMID = 999_999_999;
/** vLLM's own default for `--gpu-memory-utilization`. */
export const VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** The node the API answers on (the default node of a one-node cluster). */
export function apiNodeName(hypervisor: Pick<HypervisorFile, 'proxmox'>, override?: string): string {
  return override ?? hypervisor.proxmox?.node ?? hypervisor.proxmox?.nodes?.[0]?.name ?? DEFAULT_PVE_NODE;
}

/**
 * The nodes of the cluster, in file order. Without `proxmox.nodes`: the API node alone, with the
 * top-level `gpus` inventory (host setup's) as its GPUs.
 */
export function clusterNodes(hypervisor: Pick<HypervisorFile, 'proxmox' | 'gpus'>, apiNodeOverride?: string): ClusterNode[] {
  const listed = hypervisor.proxmox?.nodes;
  if (!listed) {
    const gpus = hypervisor.gpus?.filter((g) => g.use !== 'vm').map((g) => ({ index: g.index }));
    return [{ name: apiNodeName(hypervisor, apiNodeOverride), ...(gpus ? { gpus } : {}), templateCopyIdOffset: 100_000 }];
  }
  return listed.map((n, i) => ({ name: n.name, ...(n.gpus ? { gpus: n.gpus } : {}), templateCopyIdOffset: n.template_copy_id_offset ?? 100_000 * (i + 1) }));
}

/** The node a guest is pinned to by the config: its `node`, or the only node of a one-node cluster. */
export function pinnedNode(config: PhoenixConfig, guest: Guest, apiNodeOverride?: string): string | undefined {
  if (guest.node !== undefined) return guest.node;
  const nodes = clusterNodes(config.hypervisor, apiNodeOverride);
  return nodes.length === 1 ? nodes[0]!.name : undefined;
}

/**
 * The node a template lives on when it names none: the API node. Templates are sources, not load:
 * spreading a chain over nodes would only force copies of it.
 */
export function templateHomeNode(config: PhoenixConfig, guest: Guest, apiNodeOverride?: string): string {
  return guest.node ?? apiNodeName(config.hypervisor, apiNodeOverride);
}

/** ID of the per-node copy of template `templateId` on `node` (VMIDs are cluster-wide in PVE). */
export function templateCopyId(config: PhoenixConfig, templateId: number, node: string): number {
  const entry = clusterNodes(config.hypervisor).find((n) => n.name === node);
  if (!entry) throw new Error(`node ${node} is not in the cluster`);
  return templateId + entry.templateCopyIdOffset;
}

/**
 * The share of each assigned GPU's memory a guest claims: a vLLM server (not a template) claims
 * `vllm_gpu_memory_utilization` (vLLM's default 0.9) of every GPU it is assigned.
 */
export function gpuMemoryClaim(guest: Guest): number | undefined {
  if (guest.kind !== 'lxc' || isTemplate(guest) || guest.gpu_assignment.length === 0) return undefined;
  if (guest.vllm_model === undefined || guest.vllm_model === null) return undefined;
  return guest.vllm_gpu_memory_utilization ?? VLLM_DEFAULT_GPU_MEMORY_UTILIZATION;
}
