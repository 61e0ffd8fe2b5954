/**
 * Cross-file checks of the cluster: node names, the nodes guests name, per-node template copy IDs,
 * and GPU accounting where the config alone decides it (a guest on a named node, or any guest of a
 * one-node cluster): the GPU index must exist on the node, and the vLLM guests sharing one GPU may
 * not claim more than all of its memory. Guests left to placement are checked again once placed
 * (src/planning/placement.ts uses `gpuOversubscription` too).
 */
import { clusterNodes, gpuMemoryClaim, MAX_VMID, pinnedNode } from './cluster';
import { CONFIG_FILES } from './files';
import type { ConfigIssue } from './issues';
import { isTemplate, type Guest, type PhoenixConfig } from './model';

type At = (g: Guest, key: string, message: string) => ConfigIssue;
const HYPERVISOR = CONFIG_FILES.hypervisor;
const describe = (g: Guest): string => `${g.kind === 'lxc' ? 'container' : 'VM'} ${g.id}`;

/** One guest's GPUs on one node, and the share of each it claims. */
export interface GpuPlacement {
  readonly guest: Guest;
  readonly node: string;
  readonly claim: number;
}

/**
 * Per-GPU sums of `vllm_gpu_memory_utilization` above 1.0, one issue per guest on an
 * over-subscribed GPU, each naming every guest that shares it.
 */
export function gpuOversubscription(placements: readonly GpuPlacement[], at: At): ConfigIssue[] {
  const byGpu = new Map<string, GpuPlacement[]>();
  for (const p of placements) {
    if (p.guest.kind !== 'lxc') continue;
    for (const index of p.guest.gpu_assignment) {
      const key = `${p.node}\u0000${index}`;
      byGpu.set(key, [...(byGpu.get(key) ?? []), p]);
    }
  }
  const out: ConfigIssue[] = [];
  for (const [key, sharing] of [...byGpu].sort(([a], [b]) => a.localeCompare(b))) {
    const total = sharing.reduce((sum, p) => sum + p.claim, 0);
    if (total <= 1 + 1e-9) continue;
    const [node, index] = key.split('\u0000');
    const who = sharing.map((p) => `${describe(p.guest)} (${p.claim})`).join(' + ');
    for (const p of sharing) {
      out.push(
        at(
          p.guest,
          'vllm_gpu_memory_utilization',
          `GPU ${index} on node ${node} is over-subscribed: ${who} = ${Number(total.toFixed(4))} of its memory (at most 1.0); lower vllm_gpu_memory_utilization or move one of them to another GPU or node`,
        ),
      );
    }
  }
  return out;
}

export function clusterChecks(config: PhoenixConfig, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const listed = config.hypervisor.proxmox?.nodes;
  const nodes = clusterNodes(config.hypervisor);
  const names = new Set<string>();
  const offsets = new Map<number, string>();
  (listed ?? []).forEach((n, i) => {
    if (names.has(n.name)) out.push({ file: HYPERVISOR, path: `proxmox.nodes[${i}].name`, message: `node '${n.name}' is listed twice` });
    names.add(n.name);
    const seen = new Set<number>();
    (n.gpus ?? []).forEach((g, j) => {
      if (seen.has(g.index)) out.push({ file: HYPERVISOR, path: `proxmox.nodes[${i}].gpus[${j}].index`, message: `GPU index ${g.index} is listed twice on node ${n.name}` });
      seen.add(g.index);
    });
  });
  if (listed) {
    nodes.forEach((n, i) => {
      const other = offsets.get(n.templateCopyIdOffset);
      if (other) out.push({ file: HYPERVISOR, path: `proxmox.nodes[${i}].template_copy_id_offset`, message: `${n.templateCopyIdOffset} is also node ${other}'s offset: per-node template copies would share IDs` });
      offsets.set(n.templateCopyIdOffset, n.name);
    });
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const guests = [...config.containers, ...config.vms];
  const ids = new Set(guests.map((g) => g.id));

  for (const g of guests) {
    if (g.node !== undefined && !byName.has(g.node)) {
      out.push(at(g, 'node', `node '${g.node}' is not in the cluster (${[...byName.keys()].join(', ')}): add it to proxmox.nodes in ${HYPERVISOR} or name one of those`));
    }
  }

  // A template may be copied to any node (placement decides where leaves go): its copy IDs must be free.
  if (nodes.length > 1) {
    for (const t of guests.filter(isTemplate)) {
      for (const n of nodes) {
        const copy = t.id + n.templateCopyIdOffset;
        if (copy > MAX_VMID) out.push(at(t, 'node', `the copy of template ${t.id} on node ${n.name} would get ID ${copy}, above PVE's ${MAX_VMID}: lower that node's template_copy_id_offset`));
        else if (ids.has(copy)) out.push(at(t, 'node', `the copy of template ${t.id} on node ${n.name} would get ID ${copy}, which ${describe(guests.find((x) => x.id === copy)!)} already has: change that node's template_copy_id_offset`));
      }
    }
  }

  // GPUs of guests whose node the config decides.
  const placements: GpuPlacement[] = [];
  for (const g of guests) {
    if (g.kind !== 'lxc' || g.gpu_assignment.length === 0) continue;
    const node = pinnedNode(config, g);
    if (node === undefined) {
      const fits = nodes.filter((n) => !n.gpus || g.gpu_assignment.every((i) => n.gpus!.some((x) => x.index === i)));
      if (fits.length === 0) out.push(at(g, 'gpu_assignment', `no node of the cluster has GPU ${g.gpu_assignment.join(', ')} (${describeInventories(nodes)})`));
      continue;
    }
    const inventory = byName.get(node)?.gpus;
    // A one-node cluster's inventory is host setup's `gpus`, which setup-checks.ts already checks.
    if (listed && inventory) {
      for (const index of g.gpu_assignment) {
        if (!inventory.some((x) => x.index === index)) {
          out.push(at(g, 'gpu_assignment', `GPU ${index} does not exist on node ${node} (its GPUs: ${inventory.map((x) => x.index).join(', ') || 'none'})`));
        }
      }
    }
    const claim = gpuMemoryClaim(g);
    if (claim !== undefined) placements.push({ guest: g, node, claim });
  }
  out.push(...gpuOversubscription(placements, at));
  return out;
}

function describeInventories(nodes: ReturnType<typeof clusterNodes>): string {
  return nodes.map((n) => `${n.name}: ${n.gpus ? n.gpus.map((g) => g.index).join(', ') || 'none' : 'not configured'}`).join('; ');
}
