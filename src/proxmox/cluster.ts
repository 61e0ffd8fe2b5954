// /cluster: resources and VMID allocation.
import { PveAlreadyExists, PveUnavailable } from './errors';
import { apiPath, type PveHttp } from './transport';

export interface ClusterResource {
  id: string;
  type: 'qemu' | 'lxc' | 'node' | 'storage' | 'pool' | 'sdn' | string;
  node?: string;
  vmid?: number;
  /** For guests this comes from pvestatd (~10 s lag): a fresh guest shows `unknown`. */
  status?: string;
  name?: string;
  template?: number;
  lock?: string;
  storage?: string;
  /** Nodes: memory in bytes, CPU count and the used CPU share (0..1). */
  maxmem?: number;
  mem?: number;
  maxcpu?: number;
  cpu?: number;
  /** Storages: 1 when every node reaches the same storage (a clone may target another node). */
  shared?: number;
}

export function createClusterClient(http: PveHttp) {
  const resources = (type?: 'vm' | 'storage' | 'node' | 'sdn') => http.get<ClusterResource[]>(apiPath('cluster', 'resources'), { type });

  /**
   * The first free VMID (PVE reserves nothing: two callers can get the same one, so
   * Phoenix passes its own ids and treats `already exists` on create as a conflict).
   */
  async function nextId(): Promise<number> {
    const raw = await http.get<number | string>(apiPath('cluster', 'nextid'));
    const id = Number(raw);
    if (!Number.isInteger(id) || id < 100) throw new PveUnavailable(`PVE returned an unusable next VMID: ${JSON.stringify(raw)}`);
    return id;
  }

  /** Whether `vmid` is unused cluster-wide (PVE answers 400 `VM N already exists` otherwise). */
  async function isVmidFree(vmid: number): Promise<boolean> {
    try {
      await http.get(apiPath('cluster', 'nextid'), { vmid });
      return true;
    } catch (err) {
      if (err instanceof PveAlreadyExists) return false;
      throw err;
    }
  }

  /** Where a guest lives (node, type) according to the cluster resource list. */
  async function findGuest(vmid: number): Promise<ClusterResource | undefined> {
    return (await resources('vm')).find((r) => Number(r.vmid) === vmid);
  }

  return { resources, nextId, isVmidFree, findGuest };
}
