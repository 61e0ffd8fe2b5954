/**
 * Schema of `phoenix_lxc_configs.json`: root-level defaults plus one entry per container under
 * `lxc_configs`, keyed by CTID. Key names are the original Phoenix's, so its files load unchanged.
 *
 * Fields that may be inherited from the root defaults are optional here; `resolve.ts` merges the
 * defaults in and then checks what a container must have (cores, memory_mb, ...).
 */
import { z } from 'zod';
import { LXC_FEATURES } from '../features';
import {
  absolutePath,
  cidrOrDhcp,
  guestIdRef,
  hostname,
  httpUrl,
  interfaceName,
  ipv4,
  macAddress,
  plainFileName,
  singleLine,
  snapshotName,
  storageId,
} from '../formats';
import { ostemplate } from '../ostemplate';
import { nodeName } from './addresses';
import { cores, guestIdKey, memoryMb, port, schemaRef, sizeGb } from './common';

export const lxcNetworkConfig = z.strictObject({
  name: interfaceName.meta({ description: 'Interface name inside the container, e.g. eth0' }),
  bridge: interfaceName.meta({ description: 'Host bridge, e.g. vmbr0' }),
  ip: cidrOrDhcp,
  gw: ipv4.optional(),
});

export const healthCheck = z.strictObject({
  command: singleLine.meta({ description: 'Command run inside the container; healthy when it exits 0' }),
  retries: z.number().int().min(1).max(1000).default(3),
  interval: z.number().int().min(1).max(3600).default(5).meta({ description: 'Seconds between attempts' }),
});

/** A volume allocated on Proxmox storage and mounted as `mpN: <pool>:<size_gb>,mp=<mount_point>`. */
export const storageVolume = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must contain only letters, digits, ".", "_" and "-"'),
  pool: storageId,
  size_gb: sizeGb,
  mount_point: absolutePath,
});

/** Proxmox container features (`pct set --features`), e.g. `nesting=1`. Not Phoenix feature scripts. */
const pctOption = z
  .string()
  .regex(
    /^((nesting|keyctl|fuse|mknod|force_rw_sys)=[01]|mount=[a-z0-9;]+)$/,
    'must be a Proxmox container feature such as "nesting=1", "keyctl=1", "fuse=1", "mknod=1" or "mount=nfs;cifs"',
  );

/** Raw LXC keys appended to `/etc/pve/lxc/<id>.conf`; one line each, so a newline cannot add another. */
const lxcOption = singleLine.regex(/^lxc\.[A-Za-z0-9_.]+\s*=/, 'must be a raw LXC setting such as "lxc.cgroup2.devices.allow=a"');

const portMapping = z
  .string()
  .regex(/^[0-9]+:[0-9]+$/, 'must be "host:container", e.g. "8000:8000"')
  .refine((p) => p.split(':').every((n) => Number(n) >= 1 && Number(n) <= 65535), 'ports must be 1 to 65535');

const gpuIndexes = z.array(z.number().int().min(0).max(63));

/**
 * `"none"`, `"0"`, `"0,1"` (the original's string form) or `[0, 1]`; resolved to a list of GPU
 * indexes, empty for none. Spaces after commas are removed beforehand with a warning (compat.ts).
 */
export const gpuAssignment = z
  .union([z.literal('none'), z.string().regex(/^[0-9]+(,[0-9]+)*$/), gpuIndexes], {
    error: 'must be "none", GPU indexes such as "0" or "0,1", or a list such as [0, 1]',
  })
  .transform((v): number[] => (v === 'none' ? [] : typeof v === 'string' ? v.split(',').map(Number) : v))
  .refine((list) => new Set(list).size === list.length, 'lists a GPU twice');

/** Every key a container entry may carry. */
export const lxcEntryShape = {
  name: hostname.meta({ description: 'Container hostname (PVE dns-name format)' }),
  clone_from_ctid: guestIdRef.optional().meta({ description: 'Clone from this template container (its template_snapshot_name)' }),
  template: ostemplate.optional(),
  template_snapshot_name: snapshotName
    .optional()
    .meta({ description: 'Marks this container as a template: the snapshot clones are made from' }),
  reconfigure_snapshot_name: snapshotName.optional().meta({
    description: "Snapshot 'reconfigure' returns to, taken once after the container is defined and configured (default pre-configured; templates use template_snapshot_name)",
  }),
  features: z.array(z.enum(LXC_FEATURES)).optional().meta({ description: 'Phoenix feature scripts to run, in order' }),
  application_script: plainFileName.optional().meta({ description: 'Script under apps/ run inside the container' }),
  node: nodeName.optional().meta({ description: 'PVE node the container lives on; absent: placed by free memory and cores (and GPUs)' }),
  cores: cores.optional(),
  memory_mb: memoryMb.optional(),
  swap_mb: z.number().int().min(0).optional(),
  storage_pool: storageId.optional().meta({ description: 'Proxmox storage for the root filesystem' }),
  storage_size_gb: sizeGb.optional(),
  network_config: lxcNetworkConfig,
  mac_address: macAddress.optional(),
  unprivileged: z.boolean().optional().meta({ description: 'Default true' }),
  gpu_assignment: gpuAssignment.optional(),
  health_check: healthCheck.optional(),
  start_at_boot: z.boolean().optional(),
  boot_order: z.number().int().min(0).optional(),
  boot_delay: z.number().int().min(0).optional(),
  dependencies: z.array(guestIdRef).optional().meta({ description: 'Guests that must be built and running first' }),
  apparmor_profile: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be an AppArmor profile name')
    .optional(),
  apparmor_manages_nesting: z.boolean().optional(),
  pct_options: z.array(pctOption).optional(),
  lxc_options: z.array(lxcOption).optional(),
  volumes: z.array(storageVolume).optional(),
  zfs_volumes: z.array(storageVolume).optional(),
  ports: z.array(portMapping).optional().meta({ description: 'host:container ports the application uses' }),
  nvidia_driver_version: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a driver version such as 580.76.05').optional(),
  nvidia_runfile_url: httpUrl.optional(),
  nvidia_repo_url: httpUrl.optional(),
  // Read by the vLLM application script.
  vllm_model: singleLine.nullable().optional(),
  vllm_served_model_name: singleLine.optional(),
  vllm_model_type: z.enum(['chat', 'embedding']).optional(),
  vllm_port: port.optional(),
  vllm_args: z.array(singleLine).optional(),
  vllm_max_model_len: z.number().int().min(1).optional(),
  vllm_tensor_parallel_size: z.number().int().min(1).max(8).optional(),
  vllm_gpu_memory_utilization: z.number().gt(0).max(1).optional(),
};

export const lxcEntrySchema = z.strictObject(lxcEntryShape);

/** Keys that identify one container and so cannot be root-level defaults. */
const PER_CONTAINER_ONLY = {
  name: true,
  clone_from_ctid: true,
  template: true,
  template_snapshot_name: true,
  network_config: true,
  mac_address: true,
  dependencies: true,
  node: true,
} as const;

export const lxcDefaultsSchema = lxcEntrySchema.omit(PER_CONTAINER_ONLY);

export const lxcFileSchema = z.strictObject({
  $schema: schemaRef,
  ...lxcDefaultsSchema.partial().shape,
  lxc_configs: z.record(guestIdKey, lxcEntrySchema).meta({ description: 'Containers keyed by CTID' }),
});

export type LxcEntry = z.output<typeof lxcEntrySchema>;
export type LxcDefaults = z.output<typeof lxcDefaultsSchema>;
export type LxcFile = z.output<typeof lxcFileSchema>;
export type LxcFileInput = z.input<typeof lxcFileSchema>;
