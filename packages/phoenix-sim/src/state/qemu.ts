import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { SCHEMA_MISSING, TaskError, fail, paramError } from './errors';
import { checkCicustom, checkIpConfig, checkSshKeys, firstBootUserData, hashPassword } from './cloudinit';
import { CONFIG_LOCK_TIMEOUT_MS, type SimContext } from './context';
import { FlockTable, type Release } from './flocks';
import { normalizeQemuNet, printDrive } from './formats';
import { GuestStore } from './guests';
import { parseMountPoint } from './mountpoints';
import { formatSize, parsePropertyString, parseSize } from './property-string';
import { checkDeleteRevert, checkVmid, configToJson, single, validateConfigParams } from './schema';
import { findSnapshot } from './snapshots';
import { cloneTargetNode } from './clone-target';
import { allocVolume, freeVolume, guestDisks, volumeHasFeature, zfsCall } from './volumes';
import type { TaskContext, TaskHandle } from './tasks';
import type { GuestRecord, OpContext, Params } from './types';
import { GuestOps, type GuestKind } from './guest-kind';

const DRIVE_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;
/** Size PVE's import gives a cloud image disk (the image's virtual size). */
const IMPORTED_IMAGE_SIZE = 3.5 * 1024 ** 3;
/** Clone waits this long for the config locks of source and target (qemu-server uses 1 s). */
const CLONE_LOCK_TIMEOUT_MS = 1000;

/** qemu-server's names and habits where they differ from pve-container's (see `GuestKind`). */
export const QEMU_KIND: GuestKind = {
  type: 'qemu',
  label: 'VM',
  taskPrefix: 'qm',
  volumePrefix: 'vm',
  baseVolumePrefix: 'base',
  printVolume: printDrive,
  logsSnapshotCreate: false,
  notRunningStop: 'in-task',
  templateGuard: 'config-flock',
  templateWhileRunning: "you can't convert a VM to template if VM is running",
  destroyRunning: (vmid) => `VM ${vmid} is running - destroy failed`,
  destroyForceStops: false,
  destroyLock: false,
  resizableVolume: (config, disk) => {
    const value = config[disk];
    if (!value || !DRIVE_KEY.test(disk)) throw fail(`disk '${disk}' does not exist`);
    const mp = parseMountPoint(value);
    if (mp.props.get('media') === 'cdrom') throw fail(`you can't resize a cdrom`);
    return mp;
  },
  resizeShrinkRefused: 'shrinking disks is not supported',
  destroyVolumes: (config) => ({
    disks: Object.entries(config).filter(([k]) => DRIVE_KEY.test(k) || /^unused\d+$/.test(k)).map(([, v]) => parseMountPoint(v)),
    unused: [],
  }),
};

/**
 * VM operations with qemu-server's rules: cloud-init options, clones that
 * hold the new VM's config flock for their whole task, start errors as task
 * errors, and the guest agent's readiness. Stop, reboot, snapshots, template,
 * destroy and resize are the shared guest core.
 */
export class QemuOps extends GuestOps {
  constructor(ctx: SimContext) {
    super(ctx, QEMU_KIND);
  }

  /** `$check_vm_modify_config_perm` and friends: what only `root@pam` may set. */
  private checkRootOnly(op: OpContext, config: Record<string, string>): void {
    if (op.user === 'root@pam') return;
    for (const [key, value] of Object.entries(config)) {
      if (/^hostpci\d+$/.test(key) && !parsePropertyString(value).props.has('mapping')) throw fail(`only root can set '${key}' config for non-mapped devices`);
      if (/^usb\d+$/.test(key) && !/^(spice|mapping=)/.test(value)) throw fail(`only root can set '${key}' config for real devices`);
      if (/^serial\d+$/.test(key) && value !== 'socket') throw fail(`only root can set '${key}' config for real devices`);
      if (key === 'args' || key === 'lock' || key === 'hookscript') throw fail(`only root can set '${key}' config`);
    }
  }

  /** Value checks of cloud-init and NIC keys; returns the values to store. */
  private normalize(config: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
      if (key === 'sshkeys') checkSshKeys(value);
      if (/^ipconfig\d+$/.test(key)) checkIpConfig(key, value);
      if (key === 'cicustom') checkCicustom(value, this.ctx.storages);
      if (key === 'citype' && !['nocloud', 'configdrive2', 'opennebula'].includes(value))
        throw paramError({ citype: `value '${value}' does not have a value in the enumeration 'configdrive2, nocloud, opennebula'` });
      out[key] = key === 'cipassword' ? hashPassword(value) : /^net\d+$/.test(key) ? normalizeQemuNet(key, value) : value;
    }
    return out;
  }

  /** Allocates `storage:size`, `storage:0,import-from=...` and `storage:cloudinit` drives. */
  private allocateDrives(g: GuestRecord, node: string, keys: string[]): string[] {
    const allocated: string[] = [];
    for (const key of keys) {
      const mp = parseMountPoint(g.config[key]!);
      if (!mp.storage) continue;
      const parts = mp.volume.split(':');
      if (parts[1] === 'cloudinit') {
        const spec = this.ctx.storages.requireContent(mp.storage, node, 'images', key);
        const volname = `vm-${g.vmid}-cloudinit`;
        zfsCall(() => this.ctx.zfs.create(this.ctx.storages.datasetOf(spec, volname), 'volume', 4 * 1024 ** 2));
        allocated.push(`${spec.id}:${volname}`);
        mp.props.set('media', 'cdrom');
        g.config[key] = printDrive(`${spec.id}:${volname}`, mp.props);
        continue;
      }
      if (mp.allocate === undefined) continue;
      const spec = this.ctx.storages.requireContent(mp.storage, node, 'images', key);
      const importFrom = mp.props.get('import-from');
      const size = importFrom ? Math.max(mp.allocate, IMPORTED_IMAGE_SIZE) : mp.allocate;
      const volname = allocVolume(this.ctx, spec, g.vmid, 'vm', size);
      allocated.push(`${spec.id}:${volname}`);
      mp.props.delete('import-from');
      mp.props.set('size', formatSize(size));
      g.config[key] = printDrive(`${spec.id}:${volname}`, mp.props);
    }
    return allocated;
  }

  private checkImportSources(config: Record<string, string>): void {
    for (const [key, value] of Object.entries(config)) {
      if (!DRIVE_KEY.test(key)) continue;
      const from = parseMountPoint(value).props.get('import-from');
      if (!from) continue;
      const exists = from.startsWith('/') ? fileExists(this.ctx.storages.hostPath(from)) : this.ctx.storages.fileExists(from);
      if (!exists) throw fail(`volume '${from}' does not exist`);
    }
  }

  // ---------------------------------------------------------------- create

  async create(op: OpContext, node: string, params: Params): Promise<TaskHandle> {
    this.requireNode(node);
    const vmidErr = checkVmid(single(params, 'vmid'));
    const { config: raw, extra } = validateConfigParams(this.ctx.schema, 'qemu', params, ['vmid'], 'create');
    if (vmidErr) throw paramError({ vmid: vmidErr });
    const vmid = Number(single(params, 'vmid'));
    // qemu-server checks the VMID is free before cloud-init values, storages and import sources.
    this.ctx.guests.checkUnused(vmid);
    this.checkRootOnly(op, raw);
    const config = this.normalize(raw);
    this.checkImportSources(config);
    const g = this.newGuest(vmid, node, { ...config, lock: 'create' });
    g.config.smbios1 ??= `uuid=${randomUUID()}`;
    g.config.vmgenid ??= randomUUID();
    g.config.meta ??= `creation-qemu=9.0.2,ctime=${Math.floor(this.ctx.clock.now() / 1000)}`;
    return this.createTask(
      op,
      g,
      extra.start === '1',
      async (t, allocated) => {
        await t.work(this.ctx.durations.qmcreate);
        allocated.push(...this.allocateDrives(g, node, Object.keys(g.config).filter((k) => DRIVE_KEY.test(k))));
      },
      () => {
        const { cipassword: _p, ...shown } = g.config;
        return { config: shown };
      },
    );
  }

  // ----------------------------------------------------------------- clone

  async clone(op: OpContext, node: string, vmid: number | string, params: Params): Promise<TaskHandle> {
    const errors = this.cloneParamErrors(params, ['newid', 'name', 'description', 'pool', 'snapname', 'storage', 'format', 'full', 'target', 'bwlimit']);
    const snapname = single(params, 'snapname');
    if (Object.keys(errors).length) throw paramError(errors);
    const src = this.guest(node, vmid);
    const newid = Number(single(params, 'newid'));
    const storage = single(params, 'storage');
    const format = single(params, 'format');
    const fullRaw = single(params, 'full');
    const target = single(params, 'target');
    if (target && target !== node && target !== 'localhost') cloneTargetNode(this.ctx, 'VM', node, target, storage, []);
    GuestStore.checkLock(src);
    let base = src.config;
    if (snapname !== undefined) {
      const snap = findSnapshot(src, snapname);
      if (!snap) throw fail(`snapshot '${snapname}' does not exist`);
      base = snap.config;
    }
    const full = fullRaw !== undefined ? /^(1|true|yes|on)$/i.test(fullRaw) : !GuestStore.isTemplate(src);
    if (!full && storage !== undefined) throw fail("parameter 'storage' not allowed for linked clones");
    if (!full && format !== undefined) throw fail("parameter 'format' not allowed for linked clones");
    const disks = guestDisks('qemu', base);
    for (const d of disks) {
      if (full) {
        if (snapname !== undefined && !volumeHasFeature(this.ctx, 'copy', d.mp, snapname)) throw fail(`Full clone feature is not supported for a snapshot of '${d.mp.volume}' (${d.key})`);
      } else if (snapname !== undefined) {
        throw fail(`Linked clone feature is not supported for a snapshot of '${d.mp.volume}' (${d.key})`);
      } else if (!volumeHasFeature(this.ctx, 'clone', d.mp)) {
        throw fail(`Linked clone feature is not supported for '${d.mp.volume}' (${d.key})`);
      }
    }
    const ownerNode = cloneTargetNode(this.ctx, 'VM', node, target, undefined, disks.map((d) => d.mp));
    if (storage !== undefined) this.ctx.storages.requireContent(storage, node, 'images');
    // Source shared (stopped) / exclusive (running), target exclusive — both for the whole clone task.
    const releases: Release[] = [];
    releases.push(await this.ctx.flocks.acquire(FlockTable.configLockFile('qemu', src.vmid), CLONE_LOCK_TIMEOUT_MS, src.status === 'running' ? 'exclusive' : 'shared'));
    try {
      releases.push(await this.ctx.flocks.acquire(FlockTable.configLockFile('qemu', newid), CLONE_LOCK_TIMEOUT_MS));
      if (this.ctx.guests.get(newid)) throw fail(`unable to create VM ${newid}: config file already exists`);
    } catch (err) {
      releases.forEach((r) => r());
      throw err;
    }
    const g = this.newGuest(newid, ownerNode, { description: 'qmclone temporary file', lock: 'clone' });
    this.ctx.guests.put(g);
    this.ctx.changed();
    const name = single(params, 'name');
    const description = single(params, 'description');
    return this.task(op, node, 'qmclone', src.vmid, async (t) => {
      const made: string[] = [];
      try {
        t.log(`create ${full ? 'full' : 'linked'} clone of drive ${disks[0]?.key ?? 'scsi0'} (${disks[0]?.mp.volume ?? ''})`);
        await t.work(full ? this.ctx.durations.qmcloneFull : this.ctx.durations.qmclone);
        const { parent: _p, snaptime: _s, template: _t, lock: _l, vmstate: _v, description: _d, ...copied } = base;
        const config: Record<string, string> = { ...copied, lock: 'clone' };
        config.smbios1 = `uuid=${randomUUID()}`;
        if (config.vmgenid) config.vmgenid = randomUUID();
        config.name = name ?? `Copy-of-VM-${base.name ?? src.vmid}`;
        if (description !== undefined) config.description = description;
        for (const k of Object.keys(config).filter((k) => /^net\d+$/.test(k))) {
          const ps = parsePropertyString(config[k]!);
          const model = [...ps.props.keys()][0]!;
          ps.props.set(model, '');
          config[k] = normalizeQemuNet(k, [...ps.props].map(([a, b]) => (b === '' ? a : `${a}=${b}`)).join(','));
        }
        for (const d of disks) {
          const volume = this.cloneVolume(d.mp, newid, full, storage, IMPORTED_IMAGE_SIZE);
          made.push(volume);
          config[d.key] = printDrive(volume, d.mp.props);
        }
        // The cloud-init drive is always regenerated for the new VM.
        for (const [k, v] of Object.entries(config)) {
          if (!/cloudinit/.test(v) || !DRIVE_KEY.test(k)) continue;
          const mp = parseMountPoint(v);
          const spec = this.ctx.storages.require(storage ?? mp.storage!);
          const volname = `vm-${newid}-cloudinit`;
          zfsCall(() => this.ctx.zfs.create(this.ctx.storages.datasetOf(spec, volname), 'volume', 4 * 1024 ** 2));
          made.push(`${spec.id}:${volname}`);
          config[k] = printDrive(`${spec.id}:${volname}`, mp.props);
        }
        g.config = config;
        await this.ctx.fs.clone(src.vmid, newid, snapname);
        delete g.config.lock;
        this.ctx.changed();
        this.record('clone', op, src, { newid, snapname, full, name: config.name }, t.upid);
      } catch (err) {
        for (const v of made) freeVolume(this.ctx, parseMountPoint(v), newid);
        this.ctx.guests.delete(newid);
        this.ctx.changed();
        throw new TaskError(`clone failed: ${(err as Error).message}`);
      } finally {
        releases.forEach((r) => r());
      }
    });
  }

  // ---------------------------------------------------------------- config

  getConfig(node: string, vmid: number | string, opts: { snapshot?: string; current?: boolean } = {}): Record<string, unknown> {
    const g = this.guest(node, vmid);
    let section = g.config;
    if (opts.snapshot !== undefined) {
      const snap = findSnapshot(g, opts.snapshot);
      if (!snap) throw fail(`snapshot '${opts.snapshot}' does not exist`);
      section = snap.config;
    }
    const out: Record<string, unknown> = { ...configToJson(this.ctx.schema, 'qemu', section), digest: GuestStore.digest(g) };
    if (out.cipassword !== undefined) out.cipassword = '**********';
    return out;
  }

  /** `PUT config` (sync, returns null) and `POST config` (a `qmconfig` task): both take the config flock first. */
  async setConfig(op: OpContext, node: string, vmid: number | string, params: Params, mode: 'sync' | 'async'): Promise<TaskHandle | undefined> {
    const { config: raw, extra } = validateConfigParams(this.ctx.schema, 'qemu', params, ['delete', 'revert', 'digest', 'skiplock', 'force', 'background_delay', 'vmid'], 'set');
    this.requireNode(node);
    if (extra.skiplock !== undefined && op.user !== 'root@pam') throw paramError({ skiplock: 'Only root may use this option.' });
    if (Object.keys(raw).length === 0 && !extra.delete && !extra.revert) throw fail('no options specified');
    const deletes = checkDeleteRevert(this.ctx.schema, 'qemu', raw, extra);
    this.checkRootOnly(op, raw);
    const release = await this.ctx.flocks.acquire(FlockTable.configLockFile('qemu', Number(vmid)), CONFIG_LOCK_TIMEOUT_MS);
    let handedOff = false;
    try {
      const g = this.guest(node, vmid);
      if (extra.digest !== undefined && extra.digest !== GuestStore.digest(g)) throw fail('detected modified configuration - file changed by other user? Try again.');
      if (extra.skiplock === undefined) GuestStore.checkLock(g);
      const config = this.normalize(raw);
      const apply = (): void => {
        const changed: string[] = [];
        const newDrives: string[] = [];
        for (const [key, value] of Object.entries(config)) {
          if (g.config[key] === value) continue;
          // A changed password is a new hash every time; compare against the stored hash's password is impossible, so it counts.
          g.config[key] = value;
          changed.push(key);
          if (DRIVE_KEY.test(key)) newDrives.push(key);
        }
        this.allocateDrives(g, node, newDrives);
        const deleted: string[] = [];
        for (const d of deletes) {
          if (!(d in g.config)) continue;
          delete g.config[d];
          deleted.push(d);
        }
        if (changed.length || deleted.length) {
          this.ctx.changed();
          this.record('config', op, g, { changed, deleted, values: Object.fromEntries(changed.filter((k) => k !== 'cipassword').map((k) => [k, g.config[k]])) });
        }
      };
      if (mode === 'sync') {
        apply();
        return undefined;
      }
      handedOff = true;
      return this.task(op, node, 'qmconfig', g.vmid, async (t) => {
        try {
          await t.work(this.ctx.durations.qmconfig);
          apply();
        } finally {
          release();
        }
      });
    } finally {
      if (!handedOff) release();
    }
  }

  // ---------------------------------------------------------------- status

  status(node: string, vmid: number | string): Record<string, unknown> {
    const g = this.guest(node, vmid);
    const memory = Number(parsePropertyString(g.config.memory ?? '2048', 'current').props.get('current') ?? 2048);
    const disk = guestDisks('qemu', g.config)[0];
    const running = g.status === 'running';
    return this.statusOf(g, 200000, {
      vmid: g.vmid,
      status: g.status,
      qmpstatus: g.status,
      name: g.config.name ?? `VM ${g.vmid}`,
      cpus: Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1),
      maxmem: memory * 1024 * 1024,
      mem: running ? Math.floor((memory * 1024 * 1024) / 4) : 0,
      maxdisk: parseSize(disk?.mp.props.get('size') ?? '') ?? 0,
      ...(agentEnabled(g) ? { agent: 1 } : {}),
    });
  }

  async start(op: OpContext, node: string, vmid: number | string, params: Params = {}): Promise<TaskHandle> {
    const g = this.guest(node, vmid);
    this.checkSkiplock(op, params);
    return this.kindTask(op, node, 'start', g.vmid, (t) => this.runStart(op, g, t));
  }

  /** `vm_start`: already-running, template and lock are task errors for VMs. */
  protected async runStart(op: OpContext, g: GuestRecord, t: TaskContext): Promise<void> {
    const release = await this.ctx.flocks.acquire(FlockTable.configLockFile('qemu', g.vmid), CONFIG_LOCK_TIMEOUT_MS);
    try {
      if (g.status === 'running') throw new TaskError(`VM ${g.vmid} already running`);
      if (GuestStore.isTemplate(g)) throw new TaskError("you can't start a vm if it's a template");
      GuestStore.checkLock(g);
      const firstBoot = g.firstBootDone ? undefined : firstBootUserData(g.config, this.ctx.storages, (p) => readFileSync(this.ctx.storages.hostPath(p), 'utf8'));
      await t.work(this.ctx.durations.qmstart);
      g.status = 'running';
      g.startedAt = this.ctx.clock.now();
      g.firstBootDone = true;
      this.ctx.changed();
      this.record('start', op, g, { firstBoot: !!firstBoot }, t.upid);
      await this.ctx.agent.onVmStart(g.vmid, firstBoot);
    } finally {
      release();
    }
  }

  protected async markStopped(g: GuestRecord): Promise<void> {
    g.status = 'stopped';
    delete g.startedAt;
    this.ctx.changed();
    await this.ctx.agent.onVmStop(g.vmid);
  }

  // ----------------------------------------------------------------- agent

  /** `assert_agent_available`, in PVE's order. */
  agentReady(node: string, vmid: number | string): GuestRecord {
    const g = this.guest(node, vmid);
    if (!agentEnabled(g)) throw fail('No QEMU guest agent configured');
    if (g.status !== 'running') throw fail(`VM ${g.vmid} is not running`);
    const readyAt = (g.startedAt ?? 0) + this.ctx.clock.scaled(this.ctx.durations.agentBoot);
    if (this.ctx.clock.now() < readyAt) throw fail('QEMU guest agent is not running');
    return g;
  }

  agentPing(node: string, vmid: number | string): { result: Record<string, never> } {
    this.agentReady(node, vmid);
    return { result: {} };
  }

  agentNetworkInterfaces(node: string, vmid: number | string): { result: unknown[] } {
    const g = this.agentReady(node, vmid);
    const result: unknown[] = [
      { name: 'lo', 'hardware-address': '00:00:00:00:00:00', 'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 }, { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 }] },
    ];
    for (const key of Object.keys(g.config).filter((k) => /^net\d+$/.test(k)).sort()) {
      const n = Number(key.slice(3));
      const mac = ([...parsePropertyString(g.config[key]!).props.values()][0] ?? '').toLowerCase();
      const ip = parsePropertyString(g.config[`ipconfig${n}`] ?? 'ip=dhcp').props.get('ip') ?? 'dhcp';
      const [addr, prefix] = ip === 'dhcp' ? [`10.${(g.vmid >> 8) & 255}.${g.vmid & 255}.${10 + n}`, '24'] : ip.split('/');
      result.push({
        name: `eth${n}`,
        'hardware-address': mac,
        'ip-addresses': [{ 'ip-address': addr, 'ip-address-type': 'ipv4', prefix: Number(prefix) }],
        statistics: { 'rx-bytes': 0, 'rx-packets': 0, 'rx-errs': 0, 'rx-dropped': 0, 'tx-bytes': 0, 'tx-packets': 0, 'tx-errs': 0, 'tx-dropped': 0 },
      });
    }
    return { result };
  }

  async agentExec(op: OpContext, node: string, vmid: number | string, params: Params): Promise<{ pid: number }> {
    const raw = params.command;
    if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) throw paramError({ command: SCHEMA_MISSING });
    const argv = Array.isArray(raw) ? raw : [raw];
    const input = single(params, 'input-data');
    if (input !== undefined && input.length > 64 * 1024) throw paramError({ 'input-data': 'value may only be 65536 characters long' });
    const g = this.agentReady(node, vmid);
    const pid = await this.ctx.agent.exec(g.vmid, argv, input);
    this.recordAs('agent.exec', op, g, { argv, pid });
    return { pid };
  }

  async agentExecStatus(node: string, vmid: number | string, params: Params): Promise<Record<string, unknown>> {
    const pidRaw = single(params, 'pid');
    if (pidRaw === undefined) throw paramError({ pid: SCHEMA_MISSING });
    if (!/^\d+$/.test(pidRaw)) throw paramError({ pid: `type check ('integer') failed - got '${pidRaw}'` });
    const g = this.agentReady(node, vmid);
    let status;
    try {
      status = await this.ctx.agent.execStatus(g.vmid, Number(pidRaw));
    } catch (e) {
      throw fail((e as Error).message.startsWith('Agent error') ? (e as Error).message : `Agent error: ${(e as Error).message}`);
    }
    // PVE turns the agent's JSON booleans into 1/0.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(status)) if (v !== undefined) out[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    return out;
  }
}

export function agentEnabled(g: GuestRecord): boolean {
  const v = g.config.agent;
  if (!v) return false;
  const { props, head } = parsePropertyString(v);
  return (props.get('enabled') ?? head ?? '0') === '1';
}

function fileExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
