import { TaskError, fail } from './errors';
import { GuestStore } from './guests';
import { datasetOf, guestDisks, volumeHasFeature, zfsCall } from './volumes';
import type { SimContext } from './context';
import type { TaskContext } from './tasks';
import type { GuestRecord, SnapshotRecord } from './types';

/**
 * Snapshot rules shared by containers and VMs (PVE's AbstractConfig): the
 * checks in their order and wording, the `[snapname]` config sections with
 * `parent`/`snaptime`, and the matching ZFS snapshots of every volume.
 */
const RESERVED = ['current', 'vzdump', 'pending'];

export function checkSnapshotNameUsable(g: GuestRecord, snapname: string): void {
  const reserved = g.type === 'lxc' ? ['current', 'vzdump'] : ['current', 'pending', 'vzdump'];
  if (reserved.includes(snapname) && RESERVED.includes(snapname)) throw fail(`unable to use snapshot name '${snapname}' (reserved name)`);
}

export function findSnapshot(g: GuestRecord, name: string): SnapshotRecord | undefined {
  return g.snapshots.find((s) => s.name === name);
}

/** Section copied from the current config (without snapshot bookkeeping keys). */
function sectionFrom(g: GuestRecord): Record<string, string> {
  const { lock: _lock, description: _d, ...rest } = g.config;
  return { ...rest };
}

export async function createSnapshot(ctx: SimContext, g: GuestRecord, snapname: string, description: string | undefined, task: TaskContext, workMs: number): Promise<void> {
  const what = g.type === 'lxc' ? 'CT' : 'VM';
  if (GuestStore.isTemplate(g)) throw new TaskError("you can't take a snapshot if it's a template");
  GuestStore.checkLock(g);
  if (findSnapshot(g, snapname)) throw new TaskError(`snapshot name '${snapname}' already used`);
  const disks = guestDisks(g.type, g.config);
  if (disks.some((d) => !volumeHasFeature(ctx, 'snapshot', d.mp))) throw new TaskError('snapshot feature is not available');
  g.config.lock = 'snapshot';
  ctx.changed();
  try {
    if (g.status === 'running' && g.type === 'lxc') task.log(`suspend ${what.toLowerCase() === 'ct' ? 'container' : 'vm'} ...`);
    await task.work(workMs);
    const taken: string[] = [];
    try {
      for (const d of disks) {
        const ds = datasetOf(ctx, d.mp)!;
        zfsCall(() => ctx.zfs.snapshot(`${ds}@${snapname}`));
        taken.push(`${ds}@${snapname}`);
      }
    } catch (e) {
      for (const t of taken) ctx.zfs.destroy(t);
      throw e;
    }
    const section: Record<string, string> = { ...sectionFrom(g), snaptime: String(Math.floor(ctx.clock.now() / 1000)) };
    const record: SnapshotRecord = { name: snapname, config: section, lxc: g.lxc.map(([k, v]) => [k, v]) };
    if (description) record.description = description;
    g.snapshots.push(record);
    g.config.parent = snapname;
    await ctx.fs.snapshot(g.vmid, snapname);
  } finally {
    delete g.config.lock;
    ctx.changed();
  }
}

export async function deleteSnapshot(ctx: SimContext, g: GuestRecord, snapname: string, force: boolean, task: TaskContext, workMs: number): Promise<void> {
  const snap = findSnapshot(g, snapname);
  if (!snap) throw new TaskError(`snapshot '${snapname}' does not exist`);
  if (GuestStore.isTemplate(g)) throw new TaskError("you can't delete a snapshot if vm is a template");
  GuestStore.checkLock(g);
  g.config.lock = 'snapshot-delete';
  ctx.changed();
  try {
    await task.work(workMs);
    for (const d of guestDisks(g.type, snap.config)) {
      const ds = datasetOf(ctx, d.mp);
      if (!ds) continue;
      if (!ctx.zfs.exists(`${ds}@${snapname}`)) {
        if (!force) throw new TaskError(`zfs error: could not find any snapshots to destroy; check snapshot names.`);
        continue;
      }
      zfsCall(() => ctx.zfs.destroy(`${ds}@${snapname}`));
    }
    // Children of the deleted snapshot now hang off its parent, as PVE rewrites them.
    const parent = snap.config.parent;
    for (const s of g.snapshots) if (s.config.parent === snapname) setParent(s.config, parent);
    if (g.config.parent === snapname) setParent(g.config, parent);
    g.snapshots = g.snapshots.filter((s) => s !== snap);
    await ctx.fs.deleteSnapshot(g.vmid, snapname);
  } finally {
    delete g.config.lock;
    ctx.changed();
  }
}

function setParent(section: Record<string, string>, parent: string | undefined): void {
  if (parent) section.parent = parent;
  else delete section.parent;
}

export async function rollbackSnapshot(ctx: SimContext, g: GuestRecord, snapname: string, task: TaskContext, workMs: number, stop: () => Promise<void>): Promise<void> {
  const snap = findSnapshot(g, snapname);
  if (!snap) throw new TaskError(`snapshot '${snapname}' does not exist`);
  if (GuestStore.isTemplate(g)) throw new TaskError("you can't rollback if vm is a template");
  GuestStore.checkLock(g);
  // ZFS rolls back only to the newest snapshot of each volume (PVE lists every ZFS snapshot, not only its own).
  for (const d of guestDisks(g.type, snap.config)) {
    const ds = datasetOf(ctx, d.mp);
    if (!ds) continue;
    const snaps = ctx.zfs.snapshotsOf(ds);
    const last = snaps.at(-1);
    if (last && last.name !== `${ds}@${snapname}`) throw new TaskError(`can't rollback, '${snapname}' is not most recent snapshot on '${d.mp.volume}'`);
  }
  g.config.lock = 'rollback';
  ctx.changed();
  try {
    if (g.status === 'running') await stop();
    await task.work(workMs);
    for (const d of guestDisks(g.type, snap.config)) {
      const ds = datasetOf(ctx, d.mp);
      if (ds) zfsCall(() => ctx.zfs.rollback(`${ds}@${snapname}`));
    }
    const { snaptime: _t, ...restored } = snap.config;
    const description = g.config.description;
    g.config = { ...restored, parent: snapname, lock: 'rollback' };
    if (description !== undefined) g.config.description = description;
    g.lxc = snap.lxc.map(([k, v]) => [k, v]);
    await ctx.fs.rollback(g.vmid, snapname);
  } finally {
    delete g.config.lock;
    ctx.changed();
  }
}

/** `GET .../snapshot`: the sections plus the `current` entry. */
export function listSnapshots(g: GuestRecord): Array<Record<string, string | number>> {
  const out: Array<Record<string, string | number>> = g.snapshots.map((s) => {
    const e: Record<string, string | number> = { name: s.name, description: s.description ?? '' };
    if (s.config.snaptime) e.snaptime = Number(s.config.snaptime);
    if (s.config.parent) e.parent = s.config.parent;
    if (g.type === 'qemu') e.vmstate = s.config.vmstate ? 1 : 0;
    return e;
  });
  const current: Record<string, string | number> = { name: 'current', description: 'You are here!', running: g.status === 'running' ? 1 : 0, digest: GuestStore.digest(g) };
  if (g.config.parent) current.parent = g.config.parent;
  out.push(current);
  return out;
}
