/**
 * Cross-checks of the host-setup sections of the hypervisor file (see schema/host-setup.ts): what
 * `zfs create`, `pvesm add`, exportfs or Samba would refuse, or what would quietly do the wrong thing
 * (a share outside every pool, a container given a GPU that is bound to vfio-pci for a VM).
 */
import { CONFIG_FILES } from './files';
import type { ConfigIssue } from './issues';
import type { PhoenixConfig } from './model';

const file = CONFIG_FILES.hypervisor;
const at = (path: string, message: string): ConfigIssue => ({ file, path, message });

export function hostSetupChecks(config: PhoenixConfig): ConfigIssue[] {
  return [...zfsChecks(config), ...pathsUnderPools(config), ...gpuChecks(config)];
}

function zfsChecks(config: PhoenixConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const pools = config.hypervisor.zfs?.pools ?? [];
  const poolNames = new Set<string>();
  const diskOwner = new Map<string, string>();
  pools.forEach((pool, i) => {
    if (poolNames.has(pool.name)) out.push(at(`zfs.pools[${i}].name`, `pool "${pool.name}" is defined twice`));
    poolNames.add(pool.name);
    const minimum = { single: 1, mirror: 2, RAIDZ1: 3, RAIDZ2: 4, RAIDZ3: 5 }[pool.raid_level];
    if (pool.disks.length < minimum) out.push(at(`zfs.pools[${i}].disks`, `a ${pool.raid_level} pool needs at least ${minimum} disks, "${pool.name}" has ${pool.disks.length}`));
    pool.disks.forEach((disk, j) => {
      const owner = diskOwner.get(disk);
      if (owner) out.push(at(`zfs.pools[${i}].disks[${j}]`, `${disk} is already a disk of pool "${owner}"`));
      else diskOwner.set(disk, pool.name);
    });
  });
  const datasets = new Set<string>();
  const storageIds = new Map<string, string>();
  (config.hypervisor.zfs?.datasets ?? []).forEach((ds, i) => {
    const full = `${ds.pool}/${ds.name}`;
    if (!poolNames.has(ds.pool)) out.push(at(`zfs.datasets[${i}].pool`, `pool "${ds.pool}" is not in zfs.pools: add it there (setup leaves an existing pool of that name as it is)`));
    if (datasets.has(full)) out.push(at(`zfs.datasets[${i}].name`, `dataset ${full} is defined twice`));
    datasets.add(full);
    if (ds.proxmox_storage_type) {
      const id = ds.proxmox_storage_id ?? `${ds.pool}-${ds.name.replace(/\//g, '-')}`;
      const other = storageIds.get(id);
      if (other) out.push(at(`zfs.datasets[${i}]`, `Proxmox storage "${id}" would be registered for both ${other} and ${full}: set proxmox_storage_id on one`));
      else storageIds.set(id, full);
    }
  });
  return out;
}

/** Exports and shares must live on a configured pool, or setup would create them on the root disk. */
function pathsUnderPools(config: PhoenixConfig): ConfigIssue[] {
  const pools = (config.hypervisor.zfs?.pools ?? []).map((p) => `/${p.name}`);
  if (pools.length === 0) return [];
  const under = (path: string) => pools.some((root) => path === root || path.startsWith(`${root}/`));
  const out: ConfigIssue[] = [];
  const where = pools.join(', ');
  (config.hypervisor.nfs?.exports ?? []).forEach((e, i) => {
    if (!under(e.path)) out.push(at(`nfs.exports[${i}].path`, `${e.path} is on no configured ZFS pool (${where}): export a path under one of them`));
  });
  (config.hypervisor.samba?.shares ?? []).forEach((s, i) => {
    const path = s.path.startsWith('/') ? s.path : `/${s.path}`;
    if (!under(path)) out.push(at(`samba.shares[${i}].path`, `${path} is on no configured ZFS pool (${where}): share a path under one of them`));
  });
  return out;
}

function gpuChecks(config: PhoenixConfig): ConfigIssue[] {
  const gpus = config.hypervisor.gpus;
  if (!gpus) return [];
  const out: ConfigIssue[] = [];
  const seen = new Set<number>();
  gpus.forEach((g, i) => {
    if (seen.has(g.index)) out.push(at(`gpus[${i}].index`, `GPU index ${g.index} is listed twice`));
    seen.add(g.index);
    if (g.use === 'vm' && !g.vendor_device) out.push(at(`gpus[${i}].vendor_device`, 'is required for a GPU passed through to a VM: vfio-pci binds by vendor:device id (lspci -nn)'));
  });
  for (const ct of config.containers) {
    for (const index of ct.gpu_assignment) {
      const gpu = gpus.find((g) => g.index === index);
      const path = `lxc_configs.${ct.id}.gpu_assignment`;
      if (!gpu) out.push({ file: CONFIG_FILES.lxc, path, message: `GPU ${index} is not in the host inventory (gpus in ${file}: ${gpus.map((g) => g.index).join(', ') || 'none'})` });
      else if (gpu.use === 'vm') out.push({ file: CONFIG_FILES.lxc, path, message: `GPU ${index} is bound to vfio-pci for VM passthrough (gpus: use "vm"), so no container can use it` });
    }
  }
  return out;
}
