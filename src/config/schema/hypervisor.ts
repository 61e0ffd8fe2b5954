/**
 * Schema of `phoenix_hypervisor_config.json`: host-wide settings (storage, ZFS, networks, users, shared
 * volumes, NVIDIA driver) and the `proxmox` connection block. Everything is optional: guests are built
 * on a host that is already set up; `phoenix-client setup` applies the host sections (host-setup.ts).
 */
import { z } from 'zod';
import { absolutePath, cidrV4, httpUrl, interfaceName, ipv4, storageId } from '../formats';
import { firewallSection, gpuInventory, nfsSection, sambaSection, setupSection, zfsSection } from './host-setup';
import { guestIdKey, linuxUsername, passwordHash, schemaRef, sshPublicKey } from './common';
import { proxmoxBlockSchema } from './proxmox';

export const sharedVolume = z.strictObject({
  host_path: absolutePath.meta({ description: 'Host directory bind-mounted into the containers' }),
  mounts: z.record(guestIdKey, absolutePath).meta({ description: 'CTID → mount point inside that container' }),
});

export const hypervisorFileSchema = z.strictObject({
  $schema: schemaRef,
  version: z.string().optional(),
  author: z.string().optional(),
  timezone: z.string().regex(/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, 'must be a time zone such as "Europe/Berlin" (timedatectl list-timezones)').optional(),
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
  zfs: zfsSection.optional(),
  firewall: firewallSection.optional().meta({ description: 'Proxmox firewall policy, applied by setup' }),
  nfs: nfsSection.optional(),
  samba: sambaSection.optional(),
  gpus: gpuInventory.optional().meta({ description: "The host's GPUs (nvidia-smi index) and who uses them" }),
  setup: setupSection.optional(),
  proxmox_storage_ids: z.record(z.string(), storageId).optional(),
  mount_point_base: absolutePath.optional(),
  nvidia_driver: z
    .strictObject({
      install: z.boolean().optional(),
      version: z.string().regex(/^[0-9]+(\.[0-9]+)+$/, 'must be a driver version such as "580.76.05"').optional(),
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
