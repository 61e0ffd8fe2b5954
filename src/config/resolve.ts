/**
 * From validated files to the resolved model: merge defaults (shallowly, as the original did), fill
 * Phoenix's own defaults, and report fields a guest still lacks after the merge.
 */
import { CONFIG_FILES } from './files';
import type { ConfigIssue } from './issues';
import type { LxcGuest, PhoenixConfig, SharedMount, VmGuest } from './model';
import type { HypervisorFile } from './schema/hypervisor';
import type { LxcDefaults, LxcEntry, LxcFile } from './schema/lxc';
import type { VmFile } from './schema/vm';

/** Phoenix's defaults, used when neither the container nor the file's root sets a key. */
const LXC_BUILTIN_DEFAULTS = {
  unprivileged: true, // PVE's own default, and the safe one
  start_at_boot: false,
  features: [],
  gpu_assignment: [],
  dependencies: [],
  pct_options: [],
  lxc_options: [],
  volumes: [],
  zfs_volumes: [],
  ports: [],
} satisfies Partial<LxcEntry>;

const LXC_REQUIRED = ['cores', 'memory_mb', 'storage_pool', 'storage_size_gb'] as const;
const VM_REQUIRED = ['cores', 'memory_mb', 'disk_size_gb', 'storage_pool', 'network_bridge', 'network_config', 'user_config'] as const;

export interface ResolveResult {
  readonly config: PhoenixConfig;
  readonly errors: ConfigIssue[];
}

export function resolveConfig(lxcFile: LxcFile, vmFile: VmFile, hypervisor: HypervisorFile): ResolveResult {
  const errors: ConfigIssue[] = [];
  const { $schema: _schema, lxc_configs, ...rootDefaults } = lxcFile;
  const mountsByCtid = sharedMountsByCtid(hypervisor);

  const containers = Object.entries(lxc_configs)
    .map(([key, entry]) => {
      const id = Number(key);
      const merged = { ...LXC_BUILTIN_DEFAULTS, ...(rootDefaults as LxcDefaults), ...entry };
      for (const field of LXC_REQUIRED) {
        if (merged[field] === undefined) {
          errors.push({
            file: CONFIG_FILES.lxc,
            path: `lxc_configs.${key}.${field}`,
            message: `is required (set it here, or at the top of the file as a default for every container)`,
          });
        }
      }
      return { ...merged, kind: 'lxc', id, shared_mounts: mountsByCtid.get(id) ?? [] } as LxcGuest;
    })
    .sort((a, b) => a.id - b.id);

  const vmDefaults = vmFile.vm_defaults ?? {};
  const vms = vmFile.vms
    .map((entry, index) => {
      const merged = { features: [], is_template: false, ...vmDefaults, ...entry };
      for (const field of VM_REQUIRED) {
        if (merged[field] === undefined) {
          errors.push({
            file: CONFIG_FILES.vm,
            path: `vms[${index}].${field}`,
            message: `is required (VM ${entry.vmid}: set it here, or in vm_defaults)`,
          });
        }
      }
      return { ...merged, kind: 'vm', id: entry.vmid } as VmGuest;
    })
    .sort((a, b) => a.id - b.id);

  return { config: { containers, vms, hypervisor }, errors };
}

function sharedMountsByCtid(hypervisor: HypervisorFile): Map<number, SharedMount[]> {
  const out = new Map<number, SharedMount[]>();
  for (const [volume, spec] of Object.entries(hypervisor.shared_volumes ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [ctid, mountPoint] of Object.entries(spec.mounts)) {
      const list = out.get(Number(ctid)) ?? [];
      list.push({ volume, host_path: spec.host_path, mount_point: mountPoint });
      out.set(Number(ctid), list);
    }
  }
  return out;
}
