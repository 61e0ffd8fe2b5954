/**
 * Schema of `phoenix_hypervisor_config.json`: host-wide settings (storage, ZFS, networks, users, shared
 * volumes, NVIDIA driver) and the `proxmox` connection block. Everything is optional: Phoenix builds
 * guests on a host that is already set up, so these describe the host rather than configure it.
 */
import { z } from 'zod';
import { absolutePath, cidrV4, httpUrl, interfaceName, ipv4, storageId } from '../formats';
import { guestIdKey, linuxUsername, passwordHash, schemaRef, sshPublicKey } from './common';
import { proxmoxBlockSchema } from './proxmox';

const PVE_CONTENT_TYPES = ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'] as const;

const contentTypes = z
  .string()
  .refine(
    (s) => s.split(',').every((t) => (PVE_CONTENT_TYPES as readonly string[]).includes(t)),
    `must be a comma-separated list of ${PVE_CONTENT_TYPES.join(', ')}`,
  );

export const sharedVolume = z.strictObject({
  host_path: absolutePath.meta({ description: 'Host directory bind-mounted into the containers' }),
  mounts: z.record(guestIdKey, absolutePath).meta({ description: 'CTID → mount point inside that container' }),
});

export const hypervisorFileSchema = z.strictObject({
  $schema: schemaRef,
  version: z.string().optional(),
  author: z.string().optional(),
  timezone: z.string().optional(),
  users: z
    .strictObject({
      username: linuxUsername,
      // Not a secret for config purposes, but never log it (see common.ts).
      password_hash: passwordHash.optional(),
      sudo_access: z.boolean().optional(),
      ssh_public_key: sshPublicKey.optional(),
    })
    .optional(),
  network: z
    .strictObject({
      interfaces: z
        .strictObject({
          name: interfaceName,
          address: cidrV4,
          gateway: ipv4,
          dns_nameservers: z.union([ipv4, z.array(ipv4)]).optional(),
        })
        .optional(),
      default_subnet: cidrV4.optional(),
      hostname: z.string().optional(),
      workgroup: z.string().optional(),
    })
    .optional(),
  zfs: z
    .strictObject({
      arc_max_gb: z.number().min(0).optional(),
      settings: z.strictObject({ allow_destructive_operations: z.boolean().optional() }).optional(),
      pools: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, 'must be a ZFS pool name'),
            raid_level: z.enum(['single', 'mirror', 'RAIDZ1', 'RAIDZ2', 'RAIDZ3']),
            disks: z.array(absolutePath),
          }),
        )
        .optional(),
      datasets: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'must be a ZFS dataset name'),
            pool: z.string(),
            properties: z.string().optional().meta({ description: 'ZFS properties "k=v,k=v"' }),
            proxmox_storage_type: z.enum(['zfspool', 'dir']).optional(),
            proxmox_content_type: contentTypes.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  proxmox_storage_ids: z.record(z.string(), storageId).optional(),
  mount_point_base: absolutePath.optional(),
  nvidia_driver: z
    .strictObject({
      install: z.boolean().optional(),
      version: z.string().optional(),
      runfile_url: httpUrl.optional(),
    })
    .optional(),
  shared_volumes: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'volume names may contain letters, digits, ".", "_" and "-"'), sharedVolume)
    .optional(),
  proxmox: proxmoxBlockSchema.optional(),
});

export type HypervisorFile = z.output<typeof hypervisorFileSchema>;
export type SharedVolume = z.output<typeof sharedVolume>;
