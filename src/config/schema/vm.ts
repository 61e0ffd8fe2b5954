/**
 * Schema of `phoenix_vm_configs.json`: `vm_defaults` plus a `vms` list. Each VM is shallowly merged
 * over `vm_defaults` (as the original's `(.vm_defaults) + (.vms[] | select(.vmid==X))`), so resource
 * fields are optional here and checked after the merge in `resolve.ts`.
 */
import { z } from 'zod';
import { VM_FEATURES } from '../features';
import { cidrOrDhcp, guestIdRef, hostname, interfaceName, ipv4, plainFileName, snapshotName, storageId, vmid } from '../formats';
import { nodeName } from './addresses';
import { cores, linuxUsername, memoryMb, passwordHash, schemaRef, sizeGb, sshPublicKey } from './common';

export const vmNetworkConfig = z.strictObject({
  ip: cidrOrDhcp,
  gw: ipv4.optional(),
  nameservers: z.array(ipv4).optional(),
});

export const vmUserConfig = z.strictObject({
  username: linuxUsername,
  // Not a secret for config purposes, but never log it (see common.ts).
  password_hash: passwordHash.optional(),
  ssh_public_key: sshPublicKey.optional(),
});

/** Keys `vm_defaults` may provide for every VM. */
export const vmDefaultableShape = {
  cores: cores.optional(),
  memory_mb: memoryMb.optional(),
  disk_size_gb: sizeGb.optional(),
  storage_pool: storageId.optional().meta({ description: 'Proxmox storage for the VM disk and cloud-init drive' }),
  network_bridge: interfaceName.optional(),
  user_config: vmUserConfig.optional(),
  features: z.array(z.enum(VM_FEATURES)).optional().meta({ description: 'Feature scripts run by cloud-init at first boot' }),
};

export const vmEntrySchema = z.strictObject({
  vmid,
  name: hostname.meta({ description: 'VM name (PVE dns-name format); also the cloud-init hostname' }),
  clone_from_vmid: guestIdRef.optional().meta({ description: 'Full clone of this template VM' }),
  is_template: z.boolean().optional().meta({ description: 'Convert this VM to a Proxmox template when built' }),
  template_image: plainFileName
    .optional()
    .meta({ description: 'Cloud image file name, e.g. noble-server-cloudimg-amd64.img' }),
  template_snapshot_name: snapshotName
    .optional()
    .meta({ description: 'Snapshot taken once after the first boot (not on templates); reconfigure returns to it' }),
  reconfigure_snapshot_name: snapshotName.optional().meta({
    description: "Snapshot 'reconfigure' returns to when template_snapshot_name is unset (default pre-configured; not on templates)",
  }),
  network_config: vmNetworkConfig.optional(),
  node: nodeName.optional().meta({ description: 'PVE node the VM lives on; absent: placed by free memory and cores' }),
  ...vmDefaultableShape,
});

export const vmDefaultsSchema = z.strictObject(vmDefaultableShape);

export const vmFileSchema = z.strictObject({
  $schema: schemaRef,
  vm_defaults: vmDefaultsSchema.optional(),
  vms: z.array(vmEntrySchema),
});

export type VmEntry = z.output<typeof vmEntrySchema>;
export type VmDefaults = z.output<typeof vmDefaultsSchema>;
export type VmFile = z.output<typeof vmFileSchema>;
