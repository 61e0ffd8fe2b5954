/**
 * Where each guest lives and how its clone source reaches that node. Pure and deterministic: the
 * `placeFleet` activity gathers the live answers (free memory and cores per node, the guests that
 * already exist, which storages are shared, each node's GPUs) and calls `placeGuests`; its result is
 * recorded in history, so a retried or replayed workflow never moves a guest.
 *
 * Rules, in order: a guest that exists stays where it is; a guest naming its `node` goes there; a
 * template naming none lives on the API node (templates are sources, not load: spreading a chain
 * would only force copies of it); any other guest goes to the node with the most free memory (then
 * cores, then name) that has its GPUs with room for its GPU memory claim, one guest after the other
 * in ID order, each subtracting what it takes.
 *
 * Routes for a clone whose template lives on another node (PVE's `clone_vm` rule: `target` only
 * from shared storage): both storages shared, a clone with `target`; otherwise a per-node copy of
 * the template chain on the guest's node (ID: template + the node's template_copy_id_offset), built
 * once per node, which the guest then clones locally.
 */
import { apiNodeName, clusterNodes, gpuMemoryClaim, templateCopyId, type Guest, type PhoenixConfig } from '../config';
import { gpuOversubscription, type GpuPlacement } from '../config/cluster-checks';
import type { ConfigIssue } from '../config';
import { CONFIG_FILES } from '../config';
import { cloneParentId, isTemplate } from '../config';
import type { NodeGpu } from '../config/schema/cluster';

export interface NodeCapacity {
  readonly name: string;
  readonly freeMemoryMb: number;
  readonly freeCores: number;
}

/** What the cluster answered (PVE's /cluster/resources, /storage, nvidia-smi). */
export interface ClusterLive {
  readonly nodes: readonly NodeCapacity[];
  /** VMID → node, for guests that exist. */
  readonly existing: Readonly<Record<string, string>>;
  /** Storage IDs PVE reports `shared: 1`. */
  readonly sharedStorages: readonly string[];
  /** Node → its GPUs (configured, else nvidia-smi); absent: unknown. */
  readonly gpus: Readonly<Record<string, readonly NodeGpu[]>>;
  /** PHOENIX_PVE_NODE, when it overrides proxmox.node. */
  readonly apiNode?: string;
}

export type CloneRoute = 'local-template' | 'clone-with-target' | 'per-node-chain-copy';

export interface PlacedSource {
  /** The VMID cloned from: the template, or its copy on this node. */
  readonly id: number;
  readonly node: string;
  readonly route: CloneRoute;
  readonly why: string;
}

export interface PlacedGuest {
  readonly id: number;
  readonly kind: 'lxc' | 'vm';
  readonly node: string;
  readonly why: string;
  readonly gpus: readonly number[];
  /** Set for clones. */
  readonly source?: PlacedSource;
  /** Set for a per-node copy of a template: the template it copies. */
  readonly copyOf?: number;
}

export interface Placement {
  /** Guests (and template copies), sources before the guests cloned from them. */
  readonly guests: readonly PlacedGuest[];
  readonly issues: readonly ConfigIssue[];
}

export function placeGuests(config: PhoenixConfig, live: ClusterLive): Placement {
  const { guests, issues } = compute(config, live);
  return { guests, issues };
}

/**
 * The source of `guestId` (a configured guest, or template `copyOf` for a copy) when it lives on
 * `node`: what a provisioning run that was given its node clones from, by which route.
 */
export function sourceOn(config: PhoenixConfig, live: ClusterLive, guestId: number, node: string): PlacedSource | undefined {
  // Only the parent's home matters, never where placement would have put this guest itself.
  return compute(config, live).sourceFor(guestId, node);
}

function compute(config: PhoenixConfig, live: ClusterLive): Placement & { sourceFor(guestId: number, node: string): PlacedSource | undefined } {
  const cluster = clusterNodes(config.hypervisor, live.apiNode);
  const apiNode = apiNodeName(config.hypervisor, live.apiNode);
  const byId = new Map<number, Guest>([...config.containers, ...config.vms].map((g) => [g.id, g]));
  const free = new Map(cluster.map((n) => {
    const l = live.nodes.find((x) => x.name === n.name);
    return [n.name, { memory: l?.freeMemoryMb ?? 0, cores: l?.freeCores ?? 0 }];
  }));
  const inventory = (node: string): readonly NodeGpu[] | undefined => cluster.find((n) => n.name === node)?.gpus ?? live.gpus[node];
  const claims: GpuPlacement[] = [];
  const claimed = (node: string, index: number) => claims.filter((c) => c.node === node && c.guest.kind === 'lxc' && c.guest.gpu_assignment.includes(index)).reduce((s, c) => s + c.claim, 0);
  const issues: ConfigIssue[] = [];
  const at = (g: Guest, key: string, message: string): ConfigIssue => ({
    file: g.kind === 'lxc' ? CONFIG_FILES.lxc : CONFIG_FILES.vm,
    path: g.kind === 'lxc' ? `lxc_configs.${g.id}.${key}` : `vms[${config.vms.findIndex((v) => v.id === g.id)}].${key}`,
    message,
  });

  const nodeOf = new Map<number, { node: string; why: string }>();
  const take = (g: Guest, node: string) => {
    const f = free.get(node);
    if (f) {
      f.memory -= g.memory_mb;
      f.cores -= g.cores;
    }
    const claim = gpuMemoryClaim(g);
    if (claim !== undefined) claims.push({ guest: g, node, claim });
  };
  const gpusOf = (g: Guest): readonly number[] => (g.kind === 'lxc' ? g.gpu_assignment : []);

  // Templates before what is cloned from them, then by ID: the order is the config's, never the clock's.
  const ordered = [...byId.values()].sort((a, b) => depth(byId, a) - depth(byId, b) || a.id - b.id);
  for (const g of ordered) {
    const exists = live.existing[String(g.id)];
    let chosen: { node: string; why: string } | undefined;
    if (exists) chosen = { node: exists, why: `exists on ${exists}` };
    else if (g.node !== undefined) chosen = { node: g.node, why: 'named by its node key' };
    else if (cluster.length === 1) chosen = { node: cluster[0]!.name, why: 'the only node' };
    else if (isTemplate(g)) chosen = { node: apiNode, why: 'a template without a node lives on the API node' };
    else if (g.kind === 'vm' && cloneParentId(g) !== undefined) {
      // PVE copies no VM template between nodes for us: a VM clone goes where its template is.
      const parent = nodeOf.get(cloneParentId(g)!);
      chosen = parent ? { node: parent.node, why: `with its template ${cloneParentId(g)} (VM templates are not copied between nodes)` } : undefined;
    }
    if (!chosen) {
      const wanted = gpusOf(g);
      const claim = gpuMemoryClaim(g) ?? 0;
      const fits = cluster.filter((n) => {
        if (wanted.length === 0) return true;
        const inv = inventory(n.name);
        return !!inv && wanted.every((i) => inv.some((x) => x.index === i) && claimed(n.name, i) + claim <= 1 + 1e-9);
      });
      if (fits.length === 0) {
        issues.push(at(g, 'gpu_assignment', `no node has GPU ${wanted.join(', ')} with room for ${claim} of its memory (${gpuSummary(cluster.map((n) => n.name), inventory, claims)})`));
        continue;
      }
      const best = [...fits].sort((a, b) => free.get(b.name)!.memory - free.get(a.name)!.memory || free.get(b.name)!.cores - free.get(a.name)!.cores || a.name.localeCompare(b.name))[0]!;
      const f = free.get(best.name)!;
      chosen = { node: best.name, why: `most free memory (${Math.round(f.memory)} MiB, ${Math.round(f.cores)} cores free)${wanted.length ? ` with GPU ${wanted.join(',')}` : ''}` };
    }
    if (!cluster.some((n) => n.name === chosen!.node)) {
      issues.push(at(g, 'node', `node '${chosen.node}' is not in the cluster (${cluster.map((n) => n.name).join(', ')})`));
      continue;
    }
    const inv = inventory(chosen.node);
    for (const index of gpusOf(g)) {
      if (inv && !inv.some((x) => x.index === index)) issues.push(at(g, 'gpu_assignment', `GPU ${index} does not exist on node ${chosen.node} (its GPUs: ${inv.map((x) => x.index).join(', ') || 'none'})`));
    }
    nodeOf.set(g.id, chosen);
    take(g, chosen.node);
  }
  issues.push(...gpuOversubscription(claims, at));
  for (const g of config.vms) {
    const parentId = cloneParentId(g);
    const mine = nodeOf.get(g.id);
    const home = parentId !== undefined ? nodeOf.get(parentId) : undefined;
    if (!mine || !home || mine.node === home.node) continue;
    const parent = byId.get(parentId!)!;
    if (!(live.sharedStorages.includes(parent.storage_pool) && live.sharedStorages.includes(g.storage_pool))) {
      issues.push(at(g, 'node', `VM ${g.id} is on ${mine.node} but its template ${parentId} is on ${home.node} on storage ${parent.storage_pool}, which is not shared: PVE clones to another node only from shared storage, and Phoenix copies only container templates between nodes; put both on one node or on shared storage`));
    }
  }

  // Routes, and the per-node template copies they need (each once per node).
  const out: PlacedGuest[] = [];
  const copies = new Map<string, PlacedGuest>();
  const shared = (storage: string) => live.sharedStorages.includes(storage);
  const sourceFor = (g: Guest, node: string): PlacedSource | undefined => {
    const parentId = cloneParentId(g);
    if (parentId === undefined) return undefined;
    const parent = byId.get(parentId)!;
    const home = nodeOf.get(parentId);
    if (!home) return undefined;
    if (home.node === node) return { id: parentId, node, route: 'local-template', why: `template ${parentId} is on ${node}` };
    if (shared(parent.storage_pool) && shared(g.storage_pool)) {
      return { id: parentId, node: home.node, route: 'clone-with-target', why: `template ${parentId} is on ${home.node}, storage ${parent.storage_pool} is shared: clone with target ${node}` };
    }
    const copyId = templateCopyId(config, parentId, node);
    ensureCopy(parent, node, copyId);
    return {
      id: copyId,
      node,
      route: 'per-node-chain-copy',
      why: `template ${parentId} is on ${home.node} on storage ${parent.storage_pool}, which is not shared (PVE clones to another node only from shared storage): its chain is built on ${node} as ${copyId}`,
    };
  };
  const ensureCopy = (template: Guest, node: string, copyId: number): void => {
    const key = `${node}/${template.id}`;
    if (copies.has(key)) return;
    const source = sourceFor(template, node); // the copy's own parent: local, by target, or copied too
    const copy: PlacedGuest = { id: copyId, kind: template.kind, node, why: `copy of template ${template.id} for guests on ${node}`, gpus: gpusOf(template), copyOf: template.id, ...(source ? { source } : {}) };
    copies.set(key, copy);
    out.push(copy);
  };
  for (const g of ordered) {
    const placed = nodeOf.get(g.id);
    if (!placed) continue;
    const source = sourceFor(g, placed.node);
    out.push({ id: g.id, kind: g.kind, node: placed.node, why: placed.why, gpus: gpusOf(g), ...(source ? { source } : {}) });
  }
  return { guests: out, issues, sourceFor: (guestId, node) => sourceFor(byId.get(guestId)!, node) };
}

/** Clone depth (0 for a guest created from an ostemplate or image). */
function depth(byId: ReadonlyMap<number, Guest>, g: Guest): number {
  let d = 0;
  for (let p = cloneParentId(g); p !== undefined && d < 64; p = cloneParentId(byId.get(p)!)) d++;
  return d;
}

function gpuSummary(nodes: readonly string[], inventory: (n: string) => readonly NodeGpu[] | undefined, claims: readonly GpuPlacement[]): string {
  return nodes
    .map((n) => {
      const inv = inventory(n);
      if (!inv) return `${n}: GPUs unknown`;
      const parts = inv.map((gpu) => {
        const users = claims.filter((c) => c.node === n && c.guest.kind === 'lxc' && c.guest.gpu_assignment.includes(gpu.index));
        return users.length ? `GPU ${gpu.index} claimed by ${users.map((u) => `${u.guest.id} (${u.claim})`).join(' + ')}` : `GPU ${gpu.index} free`;
      });
      return `${n}: ${parts.join(', ') || 'no GPUs'}`;
    })
    .join('; ');
}
