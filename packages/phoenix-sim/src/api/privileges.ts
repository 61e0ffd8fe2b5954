import type { PveRelease } from '../pve-schema';

/**
 * Privileges root@pam holds (all of them), and the `cap` object of a ticket as
 * PVE's compute_api_permission groups them. PVE 9.0 replaced VM.Monitor by the
 * VM.GuestAgent.* privileges and added Sys.AccessNetwork and VM.Replicate.
 */
const COMMON = [
  'VM.Allocate', 'VM.Audit', 'VM.Backup', 'VM.Clone', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit', 'VM.Config.Disk',
  'VM.Config.HWType', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options', 'VM.Console', 'VM.Migrate', 'VM.PowerMgmt',
  'VM.Snapshot', 'VM.Snapshot.Rollback', 'Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit',
  'Sys.Audit', 'Sys.Console', 'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog', 'User.Modify', 'Group.Allocate',
  'Realm.Allocate', 'Realm.AllocateUser', 'Permissions.Modify', 'SDN.Allocate', 'SDN.Audit', 'SDN.Use', 'Mapping.Audit',
  'Mapping.Modify', 'Mapping.Use', 'Pool.Allocate', 'Pool.Audit',
];
const BY_RELEASE: Record<PveRelease, string[]> = {
  '8.2': [...COMMON, 'VM.Monitor'],
  '9.0': [...COMMON, 'VM.GuestAgent.Audit', 'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileWrite', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.Unrestricted', 'VM.Replicate', 'Sys.AccessNetwork'],
};

const GROUPS: Record<string, RegExp> = {
  vms: /^VM\.|^Permissions\.Modify$/,
  access: /^(User|Group)\.|^Permissions\.Modify$/,
  storage: /^Datastore\.|^Permissions\.Modify$/,
  nodes: /^Sys\.|^Permissions\.Modify$/,
  sdn: /^SDN\.|^Permissions\.Modify$/,
  dc: /^Sys\.Audit$|^Sys\.Modify$|^SDN\./,
  mapping: /^Mapping\.|^Permissions\.Modify$/,
};

export function rootCap(release: PveRelease): Record<string, Record<string, 1>> {
  const privs = [...BY_RELEASE[release]].sort();
  return Object.fromEntries(Object.entries(GROUPS).map(([group, re]) => [group, Object.fromEntries(privs.filter((p) => re.test(p)).map((p) => [p, 1 as const]))]));
}
