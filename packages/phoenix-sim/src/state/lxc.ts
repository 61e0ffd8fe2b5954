import { SCHEMA_MISSING, TaskError, fail, paramError, permError } from './errors';
import { CONFIG_LOCK_TIMEOUT_MS, type SimContext } from './context';
import { FlockTable } from './flocks';
import { normalizeLxcNet, printMount } from './formats';
import { GuestStore } from './guests';
import { parseMountPoint, MOUNT_KEY } from './mountpoints';
import { parsePropertyString, parseSize, formatSize } from './property-string';
import { checkDeleteRevert, checkVmid, configToJson, single, validateConfigParams } from './schema';
import { findSnapshot } from './snapshots';
import { cloneTargetNode } from './clone-target';
import { allocVolume, freeVolume, guestDisks, volumeHasFeature } from './volumes';
import type { TaskContext, TaskHandle } from './tasks';
import type { GuestRecord, OpContext, Params } from './types';
import { GuestOps, type GuestKind } from './guest-kind';

/** pve-container's names and habits where they differ from qemu-server's (see `GuestKind`). */
export const LXC_KIND: GuestKind = {
  type: 'lxc',
  label: 'CT',
  taskPrefix: 'vz',
  volumePrefix: 'subvol',
  baseVolumePrefix: 'basevol',
  printVolume: printMount,
  logsSnapshotCreate: true,
  stoppingLog: (vmid) => `stopping container ${vmid}`,
  notRunningStop: 'refused',
  templateGuard: 'disk-lock',
  templateWhileRunning: "you can't convert a CT to template if the CT is running",
  destroyRunning: (vmid) => `unable to destroy CT ${vmid} - container is running`,
  destroyForceStops: true,
  destroyLock: true,
  resizeDiskError: (disk) => (MOUNT_KEY.test(disk) ? undefined : `value '${disk}' does not have a value in the enumeration 'rootfs, mp0, mp1, ...'`),
  resizableVolume: (config, disk) => {
    const value = config[disk];
    if (!value) throw fail(`unable to parse config line: ${disk}`);
    const mp = parseMountPoint(value);
    if (mp.type !== 'volume') throw fail(`you can't resize a ${mp.type} mount point`);
    return mp;
  },
  resizeShrinkRefused: 'unable to shrink disk size',
  destroyVolumes: (config) => ({
    disks: guestDisks('lxc', config).map((d) => d.mp),
    unused: Object.entries(config).filter(([k]) => /^unused\d+$/.test(k)).map(([, v]) => parseMountPoint(v)),
  }),
};

/**
 * Container operations with pve-container's rules: the synchronous checks
 * that fail the HTTP call, the task phases that follow, the locks held in
 * between, and the ledger entry once the host has changed. Stop, reboot,
 * snapshots, template, destroy and resize are the shared guest core.
 */
export class LxcOps extends GuestOps {
  constructor(ctx: SimContext) {
    super(ctx, LXC_KIND);
  }

  /** `check_ct_modify_config_perm`: settings only `root@pam` (a ticket login or the CLI) may touch. */
  private checkRootOnly(op: OpContext, config: Record<string, string>, unprivileged: boolean): void {
    if (op.user === 'root@pam') return;
    for (const [key, value] of Object.entries(config)) {
      if (MOUNT_KEY.test(key)) {
        const mp = parseMountPoint(value);
        if (mp.type !== 'volume') throw permError(`mount point type ${mp.type} is only allowed for root@pam`);
      } else if (/^dev\d+$/.test(key)) {
        throw permError('configuring device passthrough is only allowed for root@pam');
      } else if (key === 'features') {
        if (!unprivileged) throw permError('changing feature flags for privileged container is only allowed for root@pam');
        const flags = [...parsePropertyString(value).props.keys()].filter((f) => f !== 'nesting');
        if (flags.length) throw permError('changing feature flags (except nesting) is only allowed for root@pam');
      } else if (key === 'hookscript') {
        throw permError('changing the hookscript is only allowed for root@pam');
      }
    }
  }

  // ---------------------------------------------------------------- create

  async create(op: OpContext, node: string, params: Params): Promise<TaskHandle> {
    this.requireNode(node);
    const vmidErr = checkVmid(single(params, 'vmid'));
    const { config, extra } = validateConfigParams(this.ctx.schema, 'lxc', params, ['vmid'], 'create');
    const errors: Record<string, string> = {};
    if (vmidErr) errors.vmid = vmidErr;
    if (!extra.ostemplate) errors.ostemplate = SCHEMA_MISSING;
    if (Object.keys(errors).length) throw paramError(errors);
    const vmid = Number(single(params, 'vmid'));
    // pve-container checks the VMID is free before the template and the storages.
    this.ctx.guests.checkUnused(vmid);
    // pve-container 6.0 (PVE 9.0) made unprivileged the default; 5.x (PVE 8.2) created privileged containers.
    const unprivileged = (config.unprivileged ?? (this.ctx.release === '9.0' ? '1' : '0')) === '1';
    if (unprivileged) config.unprivileged = '1';
    else delete config.unprivileged;
    this.checkRootOnly(op, config, unprivileged);
    const ostemplate = String(extra.ostemplate);
    const storage = String(extra.storage ?? 'local');
    if (!config.rootfs) {
      if (Object.keys(config).some((k) => /^mp\d+$/.test(k))) throw fail("mount points configured, but 'rootfs' not set - aborting");
      config.rootfs = `${storage}:4`;
    }
    for (const key of Object.keys(config).filter((k) => MOUNT_KEY.test(k))) {
      const mp = parseMountPoint(config[key]!);
      if (mp.type === 'volume' && mp.storage) this.ctx.storages.requireContent(mp.storage, node, 'rootdir', key === 'rootfs' && !params.rootfs ? 'storage' : key);
    }
    if (!this.ctx.storages.fileExists(ostemplate)) throw fail(`can't find file '${ostemplate}'`);
    for (const key of Object.keys(config).filter((k) => /^net\d+$/.test(k))) config[key] = normalizeLxcNet(key, config[key]!);

    const g = this.newGuest(vmid, node, { ...config, lock: 'create' });
    return this.createTask(
      op,
      g,
      extra.start === '1',
      async (t, allocated) => {
        const file = this.ctx.storages.filePath(ostemplate)!;
        t.log(`extracting archive '${file.path}'`);
        await t.work(this.ctx.durations.vzcreate);
        for (const key of Object.keys(g.config).filter((k) => MOUNT_KEY.test(k))) {
          const mp = parseMountPoint(g.config[key]!);
          if (mp.type !== 'volume' || mp.allocate === undefined) continue;
          const spec = this.ctx.storages.require(mp.storage!);
          const volname = allocVolume(this.ctx, spec, vmid, 'subvol', mp.allocate);
          allocated.push(`${mp.storage}:${volname}`);
          mp.props.set('size', formatSize(mp.allocate));
          g.config[key] = printMount(`${mp.storage}:${volname}`, mp.props);
        }
        t.log('Total bytes read: 528916480 (505MiB, 1.1MiB/s)');
        const osType = /(ubuntu|debian|alpine|centos|fedora|archlinux|opensuse|rockylinux|almalinux)/.exec(ostemplate)?.[1] ?? 'unmanaged';
        t.log(`Detected container architecture: amd64`);
        g.config.arch ??= 'amd64';
        g.config.ostype ??= osType;
        g.config.hostname ??= `CT${vmid}`;
        g.config.memory ??= '512';
        g.config.swap ??= '512';
      },
      () => ({ ostemplate, config: { ...g.config } }),
    );
  }

  // ----------------------------------------------------------------- clone

  async clone(op: OpContext, node: string, vmid: number | string, params: Params): Promise<TaskHandle> {
    const errors = this.cloneParamErrors(params, ['newid', 'hostname', 'description', 'pool', 'snapname', 'storage', 'full', 'target', 'bwlimit']);
    const snapname = single(params, 'snapname');
    const fullRaw = single(params, 'full');
    if (fullRaw !== undefined && !/^(0|1|true|false|yes|no|on|off)$/i.test(fullRaw)) errors.full = `type check ('boolean') failed - got '${fullRaw}'`;
    if (Object.keys(errors).length) throw paramError(errors);
    const src = this.guest(node, vmid);
    const newid = Number(single(params, 'newid'));
    const storage = single(params, 'storage');
    const target = single(params, 'target');
    // The target and storage checks PVE makes before it takes any lock.
    if (target && target !== node && target !== 'localhost') cloneTargetNode(this.ctx, 'CT', node, target, storage, []);

    // set_lock(disk): a second clone from the same source fails here, synchronously.
    GuestStore.checkLock(src);
    src.config.lock = 'disk';
    let created = false;
    try {
      this.ctx.guests.checkUnused(newid);
      const running = src.status === 'running';
      const full = fullRaw !== undefined ? /^(1|true|yes|on)$/i.test(fullRaw) : !GuestStore.isTemplate(src);
      let base = { config: src.config, lxc: src.lxc };
      if (snapname !== undefined) {
        const snap = findSnapshot(src, snapname);
        if (!snap) throw fail(`snapshot '${snapname}' does not exist`);
        base = { config: snap.config, lxc: snap.lxc };
      }
      if (storage !== undefined && !full) throw fail("parameter 'storage' not allowed for linked clones");
      if (running && snapname === undefined && full) throw fail('Cannot do full clones on a running container without snapshots');
      const disks = Object.keys(base.config).filter((k) => MOUNT_KEY.test(k)).sort();
      for (const key of disks) {
        const mp = parseMountPoint(base.config[key]!);
        if (mp.type !== 'volume') throw fail(`unable to clone mountpoint '${key}' (type ${mp.type})`);
        if (!full && !volumeHasFeature(this.ctx, 'clone', mp, snapname)) throw fail(`Linked clone feature for '${mp.volume}' is not available`);
      }
      const ownerNode = cloneTargetNode(this.ctx, 'CT', node, target, undefined, disks.map((k) => parseMountPoint(base.config[k]!)));
      if (storage !== undefined) this.ctx.storages.requireContent(storage, node, 'rootdir');

      const { snapshots: _s, parent: _p, snaptime: _t, template: _tp, lock: _l, ...copied } = base.config;
      const config: Record<string, string> = { ...copied, lock: 'create' };
      for (const k of Object.keys(config).filter((k) => /^net\d+$/.test(k))) {
        const ps = parsePropertyString(config[k]!);
        ps.props.delete('hwaddr');
        config[k] = normalizeLxcNet(k, [...ps.props].map(([a, b]) => `${a}=${b}`).join(','));
      }
      const hostname = single(params, 'hostname');
      const description = single(params, 'description');
      if (hostname !== undefined) config.hostname = hostname;
      if (description !== undefined) config.description = description;
      const g: GuestRecord = { ...this.newGuest(newid, ownerNode, config), lxc: base.lxc.map(([k, v]) => [k, v]) };
      this.ctx.guests.put(g);
      created = true;
      this.ctx.changed();

      return this.task(op, node, 'vzclone', src.vmid, async (t) => {
        t.log(`creating a clone of container ${src.vmid} with ID ${newid}`);
        const made: string[] = [];
        try {
          t.log(`create ${full ? 'full' : 'linked'} clone of mountpoint rootfs (${parseMountPoint(base.config.rootfs ?? '').volume})`);
          await t.work(this.ctx.durations.vzclone);
          for (const key of disks) {
            const mp = parseMountPoint(base.config[key]!);
            const volume = this.cloneVolume(mp, newid, full, storage, 4 * 1024 ** 3);
            made.push(volume);
            g.config[key] = printMount(volume, mp.props);
          }
          await this.ctx.fs.clone(src.vmid, newid, snapname);
          delete g.config.lock;
          if (src.config.lock === 'disk') delete src.config.lock;
          this.ctx.changed();
          this.record('clone', op, src, { newid, snapname, full, hostname: g.config.hostname }, t.upid);
        } catch (err) {
          for (const v of made) freeVolume(this.ctx, parseMountPoint(v), newid);
          this.ctx.guests.delete(newid);
          if (src.config.lock === 'disk') delete src.config.lock;
          this.ctx.changed();
          throw new TaskError(`clone failed: ${(err as Error).message}`);
        }
      });
    } catch (err) {
      if (created) this.ctx.guests.delete(newid);
      if (src.config.lock === 'disk') delete src.config.lock;
      this.ctx.changed();
      throw err;
    }
  }

  // ---------------------------------------------------------------- config

  getConfig(node: string, vmid: number | string, opts: { snapshot?: string; current?: boolean } = {}): Record<string, unknown> {
    const g = this.guest(node, vmid);
    if (opts.snapshot !== undefined && opts.current) throw paramError({ snapshot: "cannot use 'snapshot' parameter with 'current'", current: "cannot use 'snapshot' parameter with 'current'" });
    let section = g.config;
    let lxc = g.lxc;
    if (opts.snapshot !== undefined) {
      const snap = findSnapshot(g, opts.snapshot);
      if (!snap) throw fail(`snapshot '${opts.snapshot}' does not exist`);
      section = { ...snap.config, ...(snap.description ? { description: snap.description } : {}) };
      lxc = snap.lxc;
    }
    const out: Record<string, unknown> = { ...configToJson(this.ctx.schema, 'lxc', section), digest: GuestStore.digest(g) };
    if (lxc.length) out.lxc = lxc.map(([k, v]) => [k, v]);
    return out;
  }

  /** `PUT config`: synchronous; only keys whose value differs count as changes. */
  async setConfig(op: OpContext, node: string, vmid: number | string, params: Params): Promise<void> {
    const { config, extra } = validateConfigParams(this.ctx.schema, 'lxc', params, ['delete', 'revert', 'digest', 'vmid'], 'set');
    const g = this.guest(node, vmid);
    if (Object.keys(config).length === 0 && extra.delete === undefined && extra.revert === undefined) throw fail('no options specified');
    const deletes = checkDeleteRevert(this.ctx.schema, 'lxc', config, extra);
    this.checkRootOnly(op, config, g.config.unprivileged === '1');
    for (const d of deletes) if (/^(mp\d+|dev\d+)$/.test(d) && op.user !== 'root@pam' && g.config[d]) this.checkRootOnly(op, { [d]: g.config[d]! }, g.config.unprivileged === '1');
    const release = await this.ctx.flocks.acquire(FlockTable.configLockFile('lxc', g.vmid), CONFIG_LOCK_TIMEOUT_MS);
    try {
      const fault = this.ctx.faults.match('task', `vzconfig:${g.vmid}`);
      if (fault?.kind === 'task-fail') throw fail(fault.message ?? 'simulated failure of config update');
      GuestStore.checkLock(g);
      if (extra.digest !== undefined && extra.digest !== GuestStore.digest(g)) throw fail('detected modified configuration - file changed by other user? Try again.');
      if (deletes.includes('rootfs')) throw fail("unable to delete required option 'rootfs'");
      const changed: string[] = [];
      for (const [key, raw] of Object.entries(config)) {
        let value = raw;
        if (key === 'unprivileged') throw fail("unable to modify read-only option: 'unprivileged'");
        if (/^net\d+$/.test(key)) {
          const current = g.config[key];
          const hw = current ? parsePropertyString(current).props.get('hwaddr') : undefined;
          const ps = parsePropertyString(value);
          if (!ps.props.has('hwaddr') && hw) value = `${value},hwaddr=${hw}`;
          value = normalizeLxcNet(key, value);
        }
        if (MOUNT_KEY.test(key)) {
          const mp = parseMountPoint(value);
          if (key === 'rootfs' && mp.allocate !== undefined) throw fail('unable to change rootfs volume with a size allocation; use resize');
          if (mp.type === 'volume' && mp.allocate !== undefined) {
            const spec = this.ctx.storages.requireContent(mp.storage!, node, 'rootdir', key);
            const volname = allocVolume(this.ctx, spec, g.vmid, 'subvol', mp.allocate);
            mp.props.set('size', formatSize(mp.allocate));
            value = printMount(`${spec.id}:${volname}`, mp.props);
          } else if (mp.type !== 'volume' || key !== 'rootfs') {
            value = printMount(mp.volume, mp.props);
          }
        }
        if (g.config[key] === value) continue;
        g.config[key] = value;
        changed.push(key);
      }
      const deleted: string[] = [];
      for (const d of deletes) {
        if (!(d in g.config)) continue;
        const old = g.config[d]!;
        delete g.config[d];
        deleted.push(d);
        // A deleted volume mount point becomes `unusedN`, as PVE keeps the data.
        if (/^mp\d+$/.test(d)) {
          const mp = parseMountPoint(old);
          if (mp.type === 'volume') {
            let n = 0;
            while (`unused${n}` in g.config) n++;
            g.config[`unused${n}`] = mp.volume;
          }
        }
      }
      if (changed.length || deleted.length) {
        this.ctx.changed();
        this.record('config', op, g, { changed, deleted, values: Object.fromEntries(changed.map((k) => [k, g.config[k]])) });
      }
    } finally {
      release();
    }
  }

  // ---------------------------------------------------------------- status

  status(node: string, vmid: number | string): Record<string, unknown> {
    const g = this.guest(node, vmid);
    const maxmem = Number(g.config.memory ?? 512) * 1024 * 1024;
    const rootfs = parseMountPoint(g.config.rootfs ?? '');
    const running = g.status === 'running';
    return this.statusOf(g, 100000, {
      vmid: g.vmid,
      type: 'lxc',
      status: g.status,
      name: g.config.hostname ?? `CT${g.vmid}`,
      cpus: Number(g.config.cores ?? 1),
      maxmem,
      maxswap: Number(g.config.swap ?? 512) * 1024 * 1024,
      maxdisk: parseSize(rootfs.props.get('size') ?? '') ?? 0,
      mem: running ? Math.floor(maxmem / 8) : 0,
      swap: 0,
    });
  }

  async start(op: OpContext, node: string, vmid: number | string, params: Params = {}): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    this.checkSkiplock(op, params);
    if (g.status === 'running') throw fail(`CT ${g.vmid} already running`);
    return this.kindTask(op, node, 'start', g.vmid, (t) => this.runStart(op, g, t));
  }

  protected async runStart(op: OpContext, g: GuestRecord, t: TaskContext): Promise<void> {
    if (GuestStore.isTemplate(g)) throw new TaskError("you can't start a CT if it's a template");
    GuestStore.checkLock(g);
    await t.work(this.ctx.durations.vzstart);
    if (g.status === 'running') throw new TaskError(`CT ${g.vmid} already running`);
    g.status = 'running';
    g.startedAt = this.ctx.clock.now();
    this.ctx.changed();
    this.record('start', op, g, {}, t.upid);
  }

  /** A stopped container has no processes left, detached ones included (as with lxc-stop). */
  protected async markStopped(g: GuestRecord): Promise<void> {
    g.status = 'stopped';
    delete g.startedAt;
    this.ctx.changed();
    await this.ctx.fs.stopped?.(g.vmid);
  }
}
