import { SCHEMA_MISSING, TaskError, fail, paramError } from './errors';
import { CONFIG_LOCK_TIMEOUT_MS, type Durations, type SimContext } from './context';
import { FlockTable } from './flocks';
import { GuestStore } from './guests';
import { parseMountPoint, type MountPoint } from './mountpoints';
import { formatSize, parseSize } from './property-string';
import { checkSnapname, checkVmid, single } from './schema';
import { checkSnapshotNameUsable, createSnapshot, deleteSnapshot, listSnapshots, rollbackSnapshot } from './snapshots';
import { allocVolume, datasetOf, freeVolume, guestDisks, volumeHasFeature, zfsCall } from './volumes';
import type { TaskContext, TaskHandle } from './tasks';
import type { GuestRecord, OpContext, Params } from './types';

/** Verbs whose task type and duration are the kind's prefix and the verb (`vzstop`, `qmstop`). */
type TimedVerb = 'stop' | 'shutdown' | 'snapshot' | 'delsnapshot' | 'rollback' | 'template' | 'destroy' | 'resize';

/**
 * What pve-container and qemu-server name or order differently in the lifecycle steps both
 * kinds share. Everything else about stop, reboot, snapshots, rollback, template conversion,
 * destroy, resize and clone volumes is one code path (`GuestOps`).
 */
export interface GuestKind {
  /** Config type, ledger prefix (`lxc.stop`, `qemu.stop`) and config lock file. */
  type: GuestRecord['type'];
  /** How PVE names the guest in its messages. */
  label: 'CT' | 'VM';
  /** Task type prefix (`vzsnapshot`, `qmsnapshot`), also the durations' keys. */
  taskPrefix: 'vz' | 'qm';
  /** Volume names: a guest's disks (`subvol-N-disk-0`, `vm-N-disk-0`) and a template's (`basevol-`, `base-`). */
  volumePrefix: 'subvol' | 'vm';
  baseVolumePrefix: 'basevol' | 'base';
  /** Writes a volume and its options back as a config value (mount point or drive syntax). */
  printVolume(volume: string, props: Map<string, string>): string;
  /** pve-container logs `create snapshot 'NAME'` first; qemu-server does not. */
  logsSnapshotCreate: boolean;
  /** pve-container logs `stopping container N` when a rollback or a forced destroy stops it. */
  stoppingLog?: (vmid: number) => string;
  /**
   * `stop`/`shutdown` of a guest that is not running: pve-container refuses the call;
   * qemu-server starts the task, where stop is a no-op and shutdown fails.
   */
  notRunningStop: 'refused' | 'in-task';
  /**
   * Template conversion: pve-container sets the `disk` lock in the call and clears it when the
   * task ends; qemu-server takes the config flock inside the task.
   */
  templateGuard: 'disk-lock' | 'config-flock';
  templateWhileRunning: string;
  /** `destroy` of a running guest: pve-container stops it with `force=1`; qemu-server always refuses. */
  destroyRunning: (vmid: number) => string;
  destroyForceStops: boolean;
  /** pve-container marks a guest being destroyed with the `destroyed` lock. */
  destroyLock: boolean;
  /** `resize`: a `disk` value the schema refuses (pve-container enumerates its keys), if any. */
  resizeDiskError?: (disk: string) => string | undefined;
  /** `resize`: the volume behind `disk` in `config`, or PVE's refusal (missing disk, bind mount, cdrom). */
  resizableVolume(config: Record<string, string>, disk: string): MountPoint;
  resizeShrinkRefused: string;
  /**
   * The volumes destroy frees: `disks` are checked for linked clones and freed with a warning
   * on failure, `unused` freed quietly (pve-container); qemu-server treats its unused volumes as disks.
   */
  destroyVolumes(config: Record<string, string>): { disks: MountPoint[]; unused: MountPoint[] };
}

const truthy = (value: string | undefined): boolean => /^(1|true|yes|on)$/i.test(value ?? '');

/**
 * The lifecycle core both guest kinds share: guest lookup, tasks and ledger entries, stop,
 * reboot, snapshots, rollback, template conversion, destroy, resize and clone volumes, each
 * with PVE's checks in PVE's order. `LxcOps` and `QemuOps` add what only their kind has
 * (create, clone and config rules, start, status, the guest agent).
 */
export abstract class GuestOps {
  constructor(
    protected readonly ctx: SimContext,
    protected readonly kind: GuestKind,
  ) {}

  /** Starts the guest inside a task (the start, reboot and `start=1` paths). */
  protected abstract runStart(op: OpContext, g: GuestRecord, t: TaskContext): Promise<void>;
  /** Marks a guest stopped and stops what runs in it. */
  protected abstract markStopped(g: GuestRecord): Promise<void>;

  protected requireNode(node: string): void {
    if (!this.ctx.nodes.includes(node)) throw fail(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  }

  protected guest(node: string, vmid: number | string): GuestRecord {
    this.requireNode(node);
    return this.ctx.guests.require(this.kind.type, node, Number(vmid));
  }

  protected task(op: OpContext, node: string, type: string, id: number, run: (t: TaskContext) => Promise<void>): TaskHandle {
    return this.ctx.tasks.start({ node, type, id: String(id), user: op.user, run });
  }

  /** A task of the kind's own type for `verb` (`vzreboot`, `qmreboot`). */
  protected kindTask(op: OpContext, node: string, verb: string, id: number, run: (t: TaskContext) => Promise<void>): TaskHandle {
    return this.task(op, node, `${this.kind.taskPrefix}${verb}`, id, run);
  }

  protected duration(verb: TimedVerb): number {
    const key = `${this.kind.taskPrefix}${verb}` as const satisfies keyof Durations;
    return this.ctx.durations[key];
  }

  /** A ledger entry `<kind>.<event>` (`lxc.stop`). */
  protected record(event: string, op: OpContext, g: { node: string; vmid: number }, details: Record<string, unknown> = {}, upid?: string): void {
    this.recordAs(`${this.kind.type}.${event}`, op, g, details, upid);
  }

  protected recordAs(kind: string, op: OpContext, g: { node: string; vmid: number }, details: Record<string, unknown> = {}, upid?: string): void {
    this.ctx.ledger.record(kind, { node: g.node, vmid: g.vmid, via: op.via, ...(upid ? { upid } : {}), ...details });
  }

  protected checkSkiplock(op: OpContext, params: Params): void {
    if (single(params, 'skiplock') !== undefined && op.user !== 'root@pam') throw paramError({ skiplock: 'Only root may use this option.' });
  }

  /**
   * `status/current`: the kind's own figures (name, memory, disk), then what PVE reports alike for
   * both: zero counters, uptime, the process id of a running guest (`pidBase` + vmid), lock,
   * template and tags.
   */
  protected statusOf(g: GuestRecord, pidBase: number, figures: Record<string, unknown>): Record<string, unknown> {
    const running = g.status === 'running';
    const out: Record<string, unknown> = {
      ...figures,
      disk: 0,
      cpu: 0,
      uptime: running && g.startedAt ? Math.floor((this.ctx.clock.now() - g.startedAt) / 1000) : 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
      ha: { managed: 0 },
    };
    if (running) out.pid = pidBase + g.vmid;
    if (g.config.lock) out.lock = g.config.lock;
    if (GuestStore.isTemplate(g)) out.template = 1;
    if (g.config.tags) out.tags = g.config.tags;
    return out;
  }

  // ------------------------------------------------------------ stop/reboot

  async stop(op: OpContext, node: string, vmid: number | string, params: Params = {}, how: 'stop' | 'shutdown' = 'stop'): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    this.checkSkiplock(op, params);
    const notRunning = `${this.kind.label} ${g.vmid} not running`;
    if (this.kind.notRunningStop === 'refused' && g.status !== 'running') throw fail(notRunning);
    return this.kindTask(op, node, how, g.vmid, async (t) => {
      GuestStore.checkLock(g);
      if (this.kind.notRunningStop === 'in-task' && g.status !== 'running') {
        if (how === 'shutdown') throw new TaskError(notRunning);
        return;
      }
      await t.work(this.duration(how));
      await this.markStopped(g);
      this.record(how, op, g, {}, t.upid);
    });
  }

  /** `POST status/reboot`: a reboot task (shutdown, then start); refused at once when the guest is not running. */
  async reboot(op: OpContext, node: string, vmid: number | string): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    if (g.status !== 'running') throw fail(`${this.kind.label} ${g.vmid} not running`);
    return this.kindTask(op, node, 'reboot', g.vmid, async (t) => {
      GuestStore.checkLock(g);
      await t.work(this.duration('shutdown'));
      await this.markStopped(g);
      await this.runStart(op, g, t);
      this.record('reboot', op, g, {}, t.upid);
    });
  }

  // ------------------------------------------------------------- snapshots

  listSnapshots(node: string, vmid: number | string): Array<Record<string, string | number>> {
    return listSnapshots(this.guest(node, vmid));
  }

  async snapshot(op: OpContext, node: string, vmid: number | string, params: Params): Promise<TaskHandle> {
    const snapname = single(params, 'snapname');
    const err = checkSnapname(snapname);
    if (err) throw paramError({ snapname: err });
    const g = this.guest(node, vmid);
    checkSnapshotNameUsable(g, snapname!);
    const description = single(params, 'description');
    return this.kindTask(op, node, 'snapshot', g.vmid, async (t) => {
      if (this.kind.logsSnapshotCreate) t.log(`create snapshot '${snapname}'`);
      await createSnapshot(this.ctx, g, snapname!, description, t, this.duration('snapshot'));
      this.record('snapshot', op, g, { snapname, description }, t.upid);
    });
  }

  async deleteSnapshot(op: OpContext, node: string, vmid: number | string, snapname: string, params: Params = {}): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    const force = truthy(single(params, 'force'));
    return this.kindTask(op, node, 'delsnapshot', g.vmid, async (t) => {
      await deleteSnapshot(this.ctx, g, snapname, force, t, this.duration('delsnapshot'));
      this.record('snapshot.delete', op, g, { snapname }, t.upid);
    });
  }

  async rollback(op: OpContext, node: string, vmid: number | string, snapname: string, params: Params = {}): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    const start = truthy(single(params, 'start'));
    return this.kindTask(op, node, 'rollback', g.vmid, async (t) => {
      await rollbackSnapshot(this.ctx, g, snapname, t, this.duration('rollback'), () => this.stopForChange(g, t));
      this.record('rollback', op, g, { snapname }, t.upid);
      if (start) await this.runStart(op, g, t);
    });
  }

  private async stopForChange(g: GuestRecord, t: TaskContext): Promise<void> {
    if (this.kind.stoppingLog) t.log(this.kind.stoppingLog(g.vmid));
    await this.markStopped(g);
  }

  // -------------------------------------------------------------- template

  /** `POST template`: answers at once while a template task renames the disks to base volumes. */
  async template(op: OpContext, node: string, vmid: number | string): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    GuestStore.checkLock(g);
    if (g.snapshots.length) throw fail(`unable to create template, because ${this.kind.label} contains snapshots`);
    if (GuestStore.isTemplate(g)) throw fail("you can't convert a template to a template");
    if (g.status === 'running') throw fail(this.kind.templateWhileRunning);
    const diskLock = this.kind.templateGuard === 'disk-lock';
    if (diskLock) {
      g.config.lock = 'disk';
      this.ctx.changed();
    }
    return this.kindTask(op, node, 'template', g.vmid, async (t) => {
      const release = diskLock ? undefined : await this.ctx.flocks.acquire(FlockTable.configLockFile(this.kind.type, g.vmid), CONFIG_LOCK_TIMEOUT_MS);
      try {
        const disks = guestDisks(this.kind.type, g.config);
        for (const d of disks) if (!volumeHasFeature(this.ctx, 'template', d.mp)) throw new TaskError(`Template feature is not available for '${d.mp.volume}'`);
        await t.work(this.duration('template'));
        for (const d of disks) {
          const spec = this.ctx.storages.require(d.mp.storage!);
          const oldDs = datasetOf(this.ctx, d.mp)!;
          const baseName = d.mp.volname!.replace(new RegExp(`^${this.kind.volumePrefix}-`), `${this.kind.baseVolumePrefix}-`);
          zfsCall(() => this.ctx.zfs.rename(oldDs, `${spec.pool}/${baseName}`));
          zfsCall(() => this.ctx.zfs.snapshot(`${spec.pool}/${baseName}@__base__`));
          g.config[d.key] = this.kind.printVolume(`${spec.id}:${baseName}`, d.mp.props);
        }
        g.config.template = '1';
        if (diskLock) delete g.config.lock;
        this.ctx.changed();
        this.record('template', op, g, {}, t.upid);
      } finally {
        release?.();
        if (diskLock && g.config.lock === 'disk') {
          delete g.config.lock;
          this.ctx.changed();
        }
      }
    });
  }

  // --------------------------------------------------------------- destroy

  async destroy(op: OpContext, node: string, vmid: number | string, params: Params = {}): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    const force = this.kind.destroyForceStops && truthy(single(params, 'force'));
    if (g.config.protection === '1') throw fail(`can't remove ${this.kind.label} ${g.vmid} - protection mode enabled`);
    GuestStore.checkLock(g);
    if (g.status === 'running' && !force) throw fail(this.kind.destroyRunning(g.vmid));
    return this.kindTask(op, node, 'destroy', g.vmid, async (t) => {
      GuestStore.checkLock(g);
      if (g.status === 'running') {
        if (!force) throw new TaskError(this.kind.destroyRunning(g.vmid));
        await this.stopForChange(g, t);
      }
      const { disks, unused } = this.kind.destroyVolumes(g.config);
      for (const mp of disks) {
        const ds = datasetOf(this.ctx, mp);
        if (ds && this.ctx.zfs.get(`${ds}@__base__`) && this.ctx.zfs.clonesOf(`${ds}@__base__`).length) {
          throw new TaskError(`base volume '${mp.volname}' is still in use by linked clones`);
        }
      }
      if (this.kind.destroyLock) g.config.lock = 'destroyed';
      await t.work(this.duration('destroy'));
      for (const mp of disks) {
        const warning = freeVolume(this.ctx, mp, g.vmid);
        if (warning) t.log(`WARN: ${warning}`);
      }
      for (const mp of unused) freeVolume(this.ctx, mp, g.vmid);
      this.ctx.guests.delete(g.vmid);
      await this.ctx.fs.destroy(g.vmid);
      this.ctx.changed();
      this.record('destroy', op, g, {}, t.upid);
    });
  }

  // ---------------------------------------------------------------- resize

  async resize(op: OpContext, node: string, vmid: number | string, params: Params): Promise<TaskHandle> {
    const disk = single(params, 'disk');
    const size = single(params, 'size');
    const errors: Record<string, string> = {};
    const diskError = disk ? this.kind.resizeDiskError?.(disk) : SCHEMA_MISSING;
    if (diskError) errors.disk = diskError;
    if (!size) errors.size = SCHEMA_MISSING;
    else if (!/^\+?\d+(\.\d+)?[KMGT]?$/.test(size)) errors.size = 'value does not match the regex pattern';
    if (Object.keys(errors).length) throw paramError(errors);
    const g = this.guest(node, vmid);
    GuestStore.checkLock(g);
    const mp = this.kind.resizableVolume(g.config, disk!);
    // `+2G` grows by, `10G` sets; never smaller.
    const current = parseSize(mp.props.get('size') ?? '') ?? 0;
    const requested = parseSize(size!.replace(/^\+/, ''), 'G')!;
    const newSize = size!.startsWith('+') ? current + requested : requested;
    if (newSize < current) throw fail(this.kind.resizeShrinkRefused);
    return this.resizeTask(op, g, disk!, mp, newSize);
  }

  /** The `resize` task (PVE names it so for both kinds): the dataset grows, the config records the size. */
  private resizeTask(op: OpContext, g: GuestRecord, disk: string, mp: MountPoint, newSize: number): TaskHandle {
    return this.task(op, g.node, 'resize', g.vmid, async (t) => {
      await t.work(this.duration('resize'));
      const ds = datasetOf(this.ctx, mp);
      const d = ds ? this.ctx.zfs.get(ds) : undefined;
      if (d) d.size = newSize;
      mp.props.set('size', formatSize(newSize));
      g.config[disk] = this.kind.printVolume(mp.volume, mp.props);
      this.ctx.changed();
      this.record('resize', op, g, { disk, size: formatSize(newSize) }, t.upid);
    });
  }

  // ---------------------------------------------------------- create/clone

  /** A stopped guest of this kind with `config`, not yet in the store. */
  protected newGuest(vmid: number, node: string, config: Record<string, string>): GuestRecord {
    return { vmid, type: this.kind.type, node, config, lxc: [], snapshots: [], status: 'stopped' };
  }

  /**
   * Puts the new guest `g` (holding the `create` lock) in the store and starts the create
   * task: `build` lays the guest down (pushing each volume it allocates onto `allocated`),
   * then the guest's files exist and the `create` lock goes. On failure the allocated volumes
   * and the half-made guest are removed, as PVE does. `start=1` starts it in the same task.
   */
  protected createTask(
    op: OpContext,
    g: GuestRecord,
    start: boolean,
    build: (t: TaskContext, allocated: string[]) => Promise<void>,
    details: () => Record<string, unknown>,
  ): TaskHandle {
    this.ctx.guests.put(g);
    this.ctx.changed();
    return this.kindTask(op, g.node, 'create', g.vmid, async (t) => {
      const allocated: string[] = [];
      try {
        await build(t, allocated);
        await this.ctx.fs.create(g.vmid);
        delete g.config.lock;
        this.ctx.changed();
        this.record('create', op, g, details(), t.upid);
      } catch (err) {
        for (const v of allocated) freeVolume(this.ctx, parseMountPoint(v), g.vmid);
        this.ctx.guests.delete(g.vmid);
        this.ctx.changed();
        throw new TaskError(`unable to create ${this.kind.label} ${g.vmid} - ${(err as Error).message}`);
      }
      if (start) await this.runStart(op, g, t);
    });
  }

  /** `clone`'s parameter checks both kinds share: only `allowed` keys, a valid `newid` and `snapname`. */
  protected cloneParamErrors(params: Params, allowed: string[]): Record<string, string> {
    const errors: Record<string, string> = {};
    for (const k of Object.keys(params)) if (!allowed.includes(k) && params[k] !== undefined && k !== 'node' && k !== 'vmid') errors[k] = 'property is not defined in schema and the schema does not allow additional properties';
    const newidErr = checkVmid(single(params, 'newid'));
    if (newidErr) errors.newid = newidErr;
    const snapname = single(params, 'snapname');
    const snapnameErr = snapname === undefined ? undefined : checkSnapname(snapname);
    if (snapnameErr) errors.snapname = snapnameErr;
    return errors;
  }

  /**
   * One disk of a clone: a full copy on `storage` (or the source's), sized like the source
   * (`defaultSize` when neither config nor dataset says), or a linked clone of the base volume.
   * Returns the new volume id.
   */
  protected cloneVolume(mp: MountPoint, newid: number, full: boolean, storage: string | undefined, defaultSize: number): string {
    const srcSpec = this.ctx.storages.require(mp.storage!);
    const srcDs = datasetOf(this.ctx, mp)!;
    if (full) {
      const spec = this.ctx.storages.require(storage ?? mp.storage!);
      const size = parseSize(mp.props.get('size') ?? '') ?? this.ctx.zfs.get(srcDs)?.size ?? defaultSize;
      return `${spec.id}:${allocVolume(this.ctx, spec, newid, this.kind.volumePrefix, size)}`;
    }
    const last = this.ctx.storages.freeVolname(srcSpec, newid, this.kind.volumePrefix);
    zfsCall(() => this.ctx.zfs.clone(`${srcDs}@__base__`, `${srcSpec.pool}/${last}`));
    return `${srcSpec.id}:${mp.volname}/${last}`;
  }
}
