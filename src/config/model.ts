/**
 * The resolved configuration: what the rest of Phoenix works from. Root-level LXC defaults and
 * `vm_defaults` are merged in, IDs are numbers, GPU lists are parsed, shared volume mounts are attached
 * to the containers they are mounted into. Plain JSON-serialisable data (arrays, no Maps), so it can
 * travel as activity input; note that `user_config.password_hash` and `hypervisor.users.password_hash`
 * must still be kept out of workflow inputs and logs.
 */
import type { LxcFeature, VmFeature } from './features';
import type { HypervisorFile } from './schema/hypervisor';
import type { LxcEntry } from './schema/lxc';
import type { VmEntry } from './schema/vm';

export type GuestKind = 'lxc' | 'vm';

/** A bind mount of a host directory from `shared_volumes` in the hypervisor file. */
export interface SharedMount {
  readonly volume: string;
  readonly host_path: string;
  readonly mount_point: string;
}

type Resolved<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> };

/** A container with defaults merged in; the keys are the file's own key names. */
export type LxcGuest = Resolved<
  LxcEntry,
  | 'cores'
  | 'memory_mb'
  | 'storage_pool'
  | 'storage_size_gb'
  | 'unprivileged'
  | 'features'
  | 'gpu_assignment'
  | 'dependencies'
  | 'pct_options'
  | 'lxc_options'
  | 'volumes'
  | 'zfs_volumes'
  | 'ports'
  | 'start_at_boot'
> & {
  readonly kind: 'lxc';
  readonly id: number;
  readonly features: LxcFeature[];
  readonly shared_mounts: SharedMount[];
};

/** A VM with `vm_defaults` merged in. */
export type VmGuest = Resolved<
  VmEntry,
  'cores' | 'memory_mb' | 'disk_size_gb' | 'storage_pool' | 'network_bridge' | 'features' | 'network_config' | 'user_config' | 'is_template'
> & {
  readonly kind: 'vm';
  readonly id: number;
  readonly features: VmFeature[];
};

export type Guest = LxcGuest | VmGuest;

export interface PhoenixConfig {
  /** Containers, sorted by CTID. */
  readonly containers: readonly LxcGuest[];
  /** VMs, sorted by VMID. */
  readonly vms: readonly VmGuest[];
  readonly hypervisor: HypervisorFile;
}

/** A container is a template when others are cloned from its template snapshot. */
export function isTemplate(guest: Guest): boolean {
  return guest.kind === 'lxc' ? guest.template_snapshot_name !== undefined : guest.is_template;
}

/** The snapshot the original's --reconfigure rolled back to, when the config names none. */
export const PRE_CONFIGURED = 'pre-configured';

/**
 * The snapshot `reconfigure` returns to: a template's (or a VM's) `template_snapshot_name`,
 * else the guest's `reconfigure_snapshot_name`, else the original's `pre-configured`.
 */
export function reconfigureSnapshotName(guest: Guest): string {
  return guest.template_snapshot_name ?? guest.reconfigure_snapshot_name ?? PRE_CONFIGURED;
}

/** The guest this one is cloned from, if any. */
export function cloneParentId(guest: Guest): number | undefined {
  return guest.kind === 'lxc' ? guest.clone_from_ctid : guest.clone_from_vmid;
}
