import { ZfsError, fail } from './errors';
import { parseMountPoint, type MountPoint } from './mountpoints';
import { Storages } from './storage';
import type { SimContext } from './context';
import type { GuestRecord, StorageSpec } from './types';

/**
 * Guest volumes on storage: which config keys hold disks, where their data
 * lives in the ZFS model, and which storage features (snapshot, clone, copy,
 * template) apply — PVE's `volume_has_feature` for `zfspool`, none for raw files.
 */
export interface GuestDisk {
  key: string;
  mp: MountPoint;
}

const QEMU_DISK = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;

/** Disks of a guest config section; QEMU cdroms and the cloud-init drive are not disks. */
export function guestDisks(type: GuestRecord['type'], config: Record<string, string>): GuestDisk[] {
  const out: GuestDisk[] = [];
  for (const key of Object.keys(config).sort()) {
    if (type === 'lxc' ? !/^(rootfs|mp\d+)$/.test(key) : !QEMU_DISK.test(key)) continue;
    const mp = parseMountPoint(config[key]!);
    if (type === 'qemu' && (mp.props.get('media') === 'cdrom' || /cloudinit/.test(mp.volume) || mp.volume === 'none')) continue;
    out.push({ key, mp });
  }
  return out;
}

export type Feature = 'snapshot' | 'clone' | 'copy' | 'template';

/** ZFSPoolPlugin: snapshot {current, snap}, clone {base}, template {current}, copy {base, current}. */
export function volumeHasFeature(ctx: SimContext, feature: Feature, mp: MountPoint, snapname?: string): boolean {
  if (mp.type !== 'volume' || !mp.storage || !mp.volname) return false;
  const spec = ctx.storages.get(mp.storage);
  if (!spec || spec.type !== 'zfspool') return false;
  const isBase = /^(basevol|base)-\d+-disk-\d+$/.test(mp.volname.split('/').at(-1)!) && !mp.volname.includes('/');
  const state = snapname ? 'snap' : isBase ? 'base' : 'current';
  const table: Record<Feature, string[]> = { snapshot: ['current', 'snap'], clone: ['base'], template: ['current'], copy: ['base', 'current'] };
  return table[feature].includes(state);
}

export function datasetOf(ctx: SimContext, mp: MountPoint): string | undefined {
  if (!mp.storage || !mp.volname) return undefined;
  const spec = ctx.storages.get(mp.storage);
  return spec?.type === 'zfspool' ? ctx.storages.datasetOf(spec, mp.volname) : undefined;
}

/** Allocates a new guest volume on a zfspool; returns its volname. */
export function allocVolume(ctx: SimContext, spec: StorageSpec, vmid: number, kind: 'subvol' | 'vm', size: number): string {
  if (spec.type !== 'zfspool') throw fail(`storage '${spec.id}' does not support ${kind === 'subvol' ? 'container directories' : 'vm images'} in the simulator (use a zfspool storage)`);
  const volname = ctx.storages.freeVolname(spec, vmid, kind);
  zfsCall(() => ctx.zfs.create(ctx.storages.datasetOf(spec, volname), kind === 'subvol' ? 'filesystem' : 'volume', size));
  return volname;
}

/** Frees a volume owned by `vmid` (and its snapshots); volumes of other guests are skipped, as PVE does. */
export function freeVolume(ctx: SimContext, mp: MountPoint, vmid: number): string | undefined {
  const ds = datasetOf(ctx, mp);
  if (!ds || !ctx.zfs.exists(ds)) return undefined;
  // PVE's volume names carry their owner: vm-/base-/subvol-/basevol-<vmid>-disk-N, vm-<vmid>-cloudinit.
  const owner = /(?:^|\/)(?:vm|base|subvol|basevol)-(\d+)-(?:disk-\d+|cloudinit)$/.exec(ds)?.[1];
  if (owner !== String(vmid)) return `volume '${mp.volume}' not owned by guest ${vmid}, skipped`;
  zfsCall(() => ctx.zfs.destroy(ds, { recursive: true }));
  return undefined;
}

/** Runs a ZFS model call, turning its error into PVE's `zfs error: <last line>`. */
export function zfsCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ZfsError) throw fail(`zfs error: ${e.stderr.split('\n')[0]}`);
    throw e;
  }
}

export function volid(storage: string, volname: string): string {
  return `${storage}:${volname}`;
}

export { Storages };
