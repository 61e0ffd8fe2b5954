/**
 * The hypervisor file's sections that `phoenix-client setup` applies to the host: ZFS, firewall, NFS,
 * Samba, the GPU inventory. Every value here ends up in a host command's argument or in a line of a
 * host file (/etc/exports, smb.conf, storage.cfg), so the formats exclude whitespace, newlines and the
 * separators of those files on purpose: a value that passes cannot add a line or an option.
 */
import { z } from 'zod';
import { absolutePath, storageId } from '../formats';
import { linuxUsername } from './common';

const PVE_CONTENT_TYPES = ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'] as const;

export const contentTypes = z
  .string()
  .refine(
    (s) => s.split(',').every((t) => (PVE_CONTENT_TYPES as readonly string[]).includes(t)),
    `must be a comma-separated list of ${PVE_CONTENT_TYPES.join(', ')}`,
  );

const ZFS_NAME = /^[A-Za-z][A-Za-z0-9_.:-]*$/;
const ZFS_PROPERTY = /^[a-z][a-z0-9_:.]*=[A-Za-z0-9_.:@+-]+$/;

/** `k=v,k=v` as the original wrote dataset properties; each pair must be a plain ZFS property. */
export const zfsProperties = z
  .string()
  .refine((s) => s === '' || s.split(',').every((p) => ZFS_PROPERTY.test(p)), 'must be ZFS properties "name=value,name=value" (e.g. "recordsize=16K,quota=600G")')
  .meta({ description: 'ZFS properties "k=v,k=v"' });

/** A disk as /dev/disk/by-id names it: stable across reboots, unlike /dev/sdX. */
export const diskPath = z
  .string()
  .regex(/^\/dev\/[A-Za-z0-9/_.:+-]+$/, 'must be a device path such as /dev/disk/by-id/nvme-Samsung_SSD_990_EVO_Plus_2TB_S7U6...')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

export const zfsPool = z.strictObject({
  name: z.string().regex(ZFS_NAME, 'must be a ZFS pool name'),
  raid_level: z.enum(['single', 'mirror', 'RAIDZ1', 'RAIDZ2', 'RAIDZ3']),
  disks: z.array(diskPath).min(1),
});

export const zfsDataset = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/, 'must be a ZFS dataset name below the pool'),
  pool: z.string().regex(ZFS_NAME, 'must be a ZFS pool name'),
  properties: zfsProperties.optional(),
  proxmox_storage_type: z.enum(['zfspool', 'dir']).optional(),
  proxmox_content_type: contentTypes.optional(),
  proxmox_storage_id: storageId.optional().meta({ description: 'Proxmox storage ID to register (default "<pool>-<dataset>")' }),
});

export const zfsSection = z.strictObject({
  arc_max_gb: z.number().min(0).optional(),
  settings: z.strictObject({ allow_destructive_operations: z.boolean().optional() }).optional(),
  pools: z.array(zfsPool).optional(),
  datasets: z.array(zfsDataset).optional(),
});

const policy = z.enum(['ACCEPT', 'DROP', 'REJECT']);

export const firewallSection = z.strictObject({
  enabled: z.boolean(),
  default_input_policy: policy.optional(),
  default_output_policy: policy.optional(),
});

/** An /etc/exports client: a host, a network (10.0.0.0/24), a wildcard name or `*`. */
const nfsClient = z.string().regex(/^[A-Za-z0-9*.:/_-]+$/, 'must be an NFS client such as 10.0.0.0/24 or host.example');
const nfsOption = z.string().regex(/^[a-z_]+(=[A-Za-z0-9_.:/-]+)?$/, 'must be an export option such as "rw" or "anonuid=1000"');

export const nfsSection = z.strictObject({
  exports: z.array(
    z.strictObject({
      path: absolutePath.regex(/^\S+$/, 'must not contain whitespace (exports(5) splits on it)'),
      clients: z.array(nfsClient).min(1),
      options: z.array(nfsOption).optional(),
    }),
  ),
});

/** Share paths are written relative to `/` in the original ("quickOS/shared-prod-data"); both forms are read. */
const sharePath = z
  .string()
  .regex(/^\/?[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/, 'must be a path such as "quickOS/shared-prod-data" (letters, digits, ".", "_", "+", "-")')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

export const sambaSection = z.strictObject({
  user: linuxUsername.optional().meta({ description: 'Samba account (and Linux user) owning the shares; its password comes from the worker' }),
  workgroup: z.string().regex(/^[A-Za-z0-9_-]{1,15}$/, 'must be a NetBIOS workgroup name').optional(),
  shares: z.array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/, 'must be a share name (letters, digits, ".", "_", "-")'),
      path: sharePath,
      valid_users: z.array(linuxUsername).optional(),
      browsable: z.boolean().optional(),
      read_only: z.boolean().optional(),
      guest_ok: z.boolean().optional(),
    }),
  ),
});

/**
 * The host's GPUs by the index nvidia-smi gives them. `use: "vm"` GPUs are bound to vfio-pci for
 * passthrough to a VM (so the host driver never claims them); `use: "host"` GPUs get the host driver
 * and can be shared into containers with `gpu_assignment`.
 */
export const gpuInventory = z.array(
  z.strictObject({
    index: z.number().int().min(0).max(63),
    pci_address: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, 'must be a PCI address such as 0000:01:00.0 (lspci -D)'),
    vendor_device: z
      .array(z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, 'must be a vendor:device id such as 10de:2204 (lspci -nn)'))
      .min(1)
      .optional()
      .meta({ description: 'PCI ids of the GPU and its functions (audio), for vfio-pci ids= (use "vm" only)' }),
    use: z.enum(['host', 'vm']).default('host'),
  }),
);

export const setupSection = z.strictObject({
  packages: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name'))
    .optional()
    .meta({ description: 'Extra Debian packages setup installs on the host' }),
  reboot_timeout_minutes: z.number().int().min(1).max(240).optional().meta({ description: 'How long setup waits for the host to come back from a reboot (default 20)' }),
  apparmor_nesting_profile: z.boolean().optional().meta({ description: 'Install the AppArmor profile for nested containers (default true)' }),
});

export type ZfsPoolEntry = z.output<typeof zfsPool>;
export type ZfsDatasetEntry = z.output<typeof zfsDataset>;
export type GpuEntry = z.output<typeof gpuInventory>[number];
