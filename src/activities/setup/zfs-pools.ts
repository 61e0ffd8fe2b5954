/**
 * Step 2, ZFS pools. A pool that exists is left as it is. A missing pool is created only on disks
 * that are empty; when any disk of any missing pool holds something (a filesystem, a partition
 * table, another pool's label) the step refuses before touching anything and names what is on
 * each disk, unless setup runs with `--wipe-disks --yes`.
 */
import { permanent } from '../common/classify';
import { checked, ensureHostFile, type SetupStep, type StepRun } from './step-run';

interface BlockDevice {
  path: string;
  size: number;
  fstype: string | null;
  label: string | null;
  children?: BlockDevice[];
}

/** What is on a disk, in words, or undefined when it is empty. */
function contents(dev: BlockDevice): string | undefined {
  const describe = (d: BlockDevice) => `${d.fstype}${d.label ? ` "${d.label}"` : ''}`;
  const parts = (dev.children ?? []).filter((c) => c.fstype);
  const found = [...(dev.fstype ? [describe(dev)] : []), ...parts.map((p) => `${p.path}: ${describe(p)}`)];
  if (found.length === 0 && dev.children?.length) return `${dev.children.length} partition(s)`;
  return found.length ? found.join(', ') : undefined;
}

async function inspectDisks(s: StepRun, disks: string[]): Promise<Map<string, string | undefined>> {
  const r = await s.run.exec(['lsblk', '--json', '--bytes', '--output', 'PATH,SIZE,TYPE,FSTYPE,LABEL,MOUNTPOINT', ...disks]);
  if (r.code !== 0) throw permanent(`cannot inspect the disks ${disks.join(', ')}: ${r.stderr.trim()} (check zfs.pools[].disks in the hypervisor file)`, 'PhoenixInvalidConfig');
  const devices = (JSON.parse(r.stdout) as { blockdevices: BlockDevice[] }).blockdevices;
  return new Map(disks.map((d, i) => [d, contents(devices[i]!)]));
}

export const zfsPools: SetupStep = async (s) => {
  const existing = new Set((await checked(s, ['zpool', 'list', '-H', '-o', 'name'])).split('\n').filter(Boolean));
  const missing = s.plan.pools.filter((p) => !existing.has(p.name));
  const contentsByDisk = missing.length ? await inspectDisks(s, missing.flatMap((p) => p.disks)) : new Map<string, string | undefined>();
  const occupied = [...contentsByDisk].filter(([, what]) => what !== undefined);
  if (occupied.length > 0 && !s.wipeDisks) {
    const list = occupied.map(([disk, what]) => `${disk} holds ${what}`).join('; ');
    const message = `refusing to create pool(s) ${missing.map((p) => p.name).join(', ')}: ${list}. Nothing was changed. To erase these disks, run setup with --wipe-disks --yes`;
    if (s.apply) throw permanent(message, 'PhoenixDisksHoldData');
    s.changes.push(message);
    return;
  }
  for (const pool of missing) {
    for (const disk of pool.disks.filter((d) => contentsByDisk.get(d) !== undefined)) {
      await s.change(`erase ${disk} (held ${contentsByDisk.get(disk)}) for pool ${pool.name}`, () => checked(s, ['wipefs', '--all', '--force', disk]));
    }
    const vdev = pool.vdev === 'stripe' ? [] : [pool.vdev];
    await s.change(`create pool ${pool.name} (${pool.vdev} of ${pool.disks.length} disk(s))`, () =>
      checked(s, ['zpool', 'create', '-o', 'ashift=12', '-o', 'autotrim=on', '-O', 'compression=lz4', '-O', 'atime=off', '-m', `/${pool.name}`, pool.name, ...vdev, ...pool.disks]),
    );
  }
  if (s.plan.arcMaxBytes !== undefined) {
    await ensureHostFile(s, '/etc/modprobe.d/zfs.conf', `options zfs zfs_arc_max=${s.plan.arcMaxBytes}\n`, `limit the ZFS ARC to ${s.plan.arcMaxBytes} bytes (next boot)`);
  }
};
