import { validatorFor, type PveRelease, type SchemaValidator } from '../pve-schema';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SimClock } from './clock';
import { ClusterViews } from './cluster';
import { parseConfigFile } from './config-file';
import { DEFAULT_DURATIONS, type Durations, type SimContext } from './context';
import { fail } from './errors';
import { Faults, type FaultSpec } from './faults';
import { FlockTable } from './flocks';
import { GuestStore } from './guests';
import { Ledger, type LedgerFields } from './ledger';
import { LxcOps } from './lxc';
import { parseMountPoint } from './mountpoints';
import { loadState, saveState } from './persistence';
import { QemuOps } from './qemu';
import { NoopGuestAgentRuntime, noopGuestFilesystems, type GuestAgentRuntime, type GuestFilesystems } from './runtimes';
import { DEFAULT_STORAGES, DEFAULT_TEMPLATES, Storages } from './storage';
import { TaskManager } from './tasks';
import { freeVolume } from './volumes';
import { ZfsPool } from './zfs';
import type { GuestType, OpContext, StorageSpec } from './types';

export * from './types';
export * from './errors';
export type { FaultSpec, FaultTarget, FaultEffect } from './faults';
export { validateFault } from './faults';
export type { GuestFilesystems, GuestAgentRuntime, FirstBoot, AgentExecStatus } from './runtimes';
export { noopGuestFilesystems, NoopGuestAgentRuntime } from './runtimes';
export type { TaskHandle, TaskContext } from './tasks';
export type { Durations } from './context';
export { DEFAULT_DURATIONS } from './context';
export type { LedgerFilter, LedgerFields } from './ledger';
export { DEFAULT_STORAGES, DEFAULT_TEMPLATES } from './storage';
export { renderConfigFile, parseConfigFile, configDigest } from './config-file';

export interface SimStateOptions {
  /** Folder holding state.json, ledger.jsonl, guest-events.jsonl and `host/` (the host's files). */
  stateDir: string;
  nodes?: string[];
  storages?: StorageSpec[];
  /** Files present in the first dir storage (`local`): `vztmpl/...`, `iso/...`, `import/...`. */
  templates?: string[];
  timeScale?: number;
  faults?: FaultSpec[];
  faultSeed?: number;
  durations?: Partial<Durations>;
  /** PVE time before a new guest shows its status in /cluster/resources (default 0: no lag). */
  rrdLagMs?: number;
  nextIdRange?: [number, number];
  guestFilesystems?: GuestFilesystems;
  guestAgent?: GuestAgentRuntime;
  /** The PVE release simulated (its API schema, defaults and wordings); default 8.2. */
  pveVersion?: PveRelease;
}

/**
 * The single state root of phoenix-sim: cluster, guests, ZFS, tasks, ledger
 * and faults, with PVE's operations as methods. The HTTP API and the SSH
 * `pct`/`qm`/`zfs` commands both call these, so both paths behave alike.
 *
 * Containers: `state.lxc.*` (create, clone, getConfig, setConfig, status,
 * start, stop, snapshot, deleteSnapshot, rollback, listSnapshots, template,
 * destroy, resize). VMs: `state.qemu.*` (the same plus agent*). Operations
 * that are tasks in PVE return a `TaskHandle` (`upid`, `done`).
 */
export class SimState {
  readonly stateDir: string;
  readonly clock: SimClock;
  readonly guests = new GuestStore();
  readonly zfs = new ZfsPool();
  readonly storages: Storages;
  readonly tasks: TaskManager;
  readonly flocks: FlockTable;
  readonly ledger: Ledger;
  readonly faults: Faults;
  readonly lxc: LxcOps;
  readonly qemu: QemuOps;
  readonly cluster: ClusterViews;
  readonly nodes: string[];
  readonly durations: Durations;
  readonly release: PveRelease;
  /** The release's API schema, compiled once: both the HTTP API and the SSH commands validate with it. */
  readonly schema: SchemaValidator;
  /** Guest processes append JSON lines here (`PHOENIX_SIM_EVENTS`); the ledger merges them. */
  readonly guestEventsFile: string;
  /** Real folder standing for the host's `/` (storage dirs, snippets, uploaded files). */
  readonly hostRoot: string;
  /** Upids of tasks that were running when the previous simulator process stopped. */
  readonly interruptedTasks: string[] = [];
  private fs: GuestFilesystems;
  private agent: GuestAgentRuntime;
  private readonly ctx: SimContext;
  private saveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly opts: SimStateOptions;

  constructor(opts: SimStateOptions) {
    this.opts = opts;
    this.stateDir = opts.stateDir;
    mkdirSync(this.stateDir, { recursive: true });
    this.nodes = opts.nodes?.length ? [...opts.nodes] : ['pve'];
    this.clock = new SimClock(opts.timeScale ?? 1);
    this.durations = { ...DEFAULT_DURATIONS, ...opts.durations };
    this.release = opts.pveVersion ?? '8.2';
    this.schema = validatorFor(this.release);
    this.faults = new Faults(opts.faults ?? [], opts.faultSeed ?? 1);
    this.tasks = new TaskManager(this.clock, this.faults);
    this.flocks = new FlockTable(this.clock);
    this.hostRoot = join(this.stateDir, 'host');
    this.guestEventsFile = join(this.stateDir, 'guest-events.jsonl');
    this.ledger = new Ledger(join(this.stateDir, 'ledger.jsonl'), this.guestEventsFile);
    this.fs = opts.guestFilesystems ?? noopGuestFilesystems;
    this.agent = opts.guestAgent ?? new NoopGuestAgentRuntime();
    this.storages = new Storages(opts.storages ?? DEFAULT_STORAGES, this.nodes, this.hostRoot, this.zfs);
    const self = this;
    this.ctx = {
      nodes: this.nodes,
      clock: this.clock,
      guests: this.guests,
      zfs: this.zfs,
      storages: this.storages,
      tasks: this.tasks,
      flocks: this.flocks,
      ledger: this.ledger,
      faults: this.faults,
      get fs() {
        return self.fs;
      },
      get agent() {
        return self.agent;
      },
      durations: this.durations,
      release: this.release,
      schema: this.schema,
      changed: () => this.changed(),
    };
    this.lxc = new LxcOps(this.ctx);
    this.qemu = new QemuOps(this.ctx);
    this.cluster = new ClusterViews(this.ctx, { rrdLagMs: opts.rrdLagMs ?? 0, nextIdRange: opts.nextIdRange ?? [100, 1_000_000] }, Date.now());
    this.tasks.onChange = () => this.changed();
    this.placeTemplates();
    this.restore();
  }

  /** Plugs the guest side in (the simulator's constructor options do this). */
  setGuestRuntimes(runtimes: { filesystems?: GuestFilesystems; agent?: GuestAgentRuntime }): void {
    if (runtimes.filesystems) this.fs = runtimes.filesystems;
    if (runtimes.agent) this.agent = runtimes.agent;
  }

  private placeTemplates(): void {
    const dir = this.storages.specs.find((s) => s.type === 'dir');
    if (!dir) return;
    for (const t of this.opts.templates ?? DEFAULT_TEMPLATES) this.storages.addFile(dir.id, t, `phoenix-sim placeholder for ${t}\n`);
  }

  /**
   * Loads state.json. Tasks that were running when the last process stopped
   * end as `unexpected status` (what PVE shows for a vanished worker); their
   * half-made guests (`lock: create`/`clone`) are removed like the worker's
   * own failure cleanup would, and other task locks are released.
   */
  private restore(): void {
    const saved = loadState(this.stateDir);
    if (!saved) {
      for (const s of this.storages.specs) if (s.pool) this.zfs.ensureFilesystem(s.pool);
      return;
    }
    this.guests.load(saved.guests);
    this.zfs.load(saved.zfs);
    for (const s of this.storages.specs) if (s.pool) this.zfs.ensureFilesystem(s.pool);
    this.interruptedTasks.push(...this.tasks.load(saved.tasks));
    if (this.interruptedTasks.length === 0) return;
    for (const g of this.guests.all()) {
      const lock = g.config.lock;
      if (lock === 'create' || lock === 'clone') {
        for (const [k, v] of Object.entries(g.config)) if (/^(rootfs|mp\d+|scsi\d+|virtio\d+|sata\d+|ide\d+|efidisk0|tpmstate0)$/.test(k)) freeVolume(this.ctx, parseMountPoint(v), g.vmid);
        this.guests.delete(g.vmid);
      } else if (lock && ['disk', 'snapshot', 'snapshot-delete', 'rollback', 'destroyed'].includes(lock)) {
        delete g.config.lock;
      }
    }
    this.saveNow();
  }

  /** Marks the state dirty; it is written on the next turn of the event loop (coalescing bursts). */
  changed(): void {
    if (this.closed || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveNow();
    }, 20);
  }

  saveNow(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    saveState(this.stateDir, { version: 1, guests: this.guests.all(), zfs: this.zfs.dump(), tasks: this.tasks.all() });
  }

  /** Empties the cluster (guests, datasets, tasks, ledger, faults), keeping storages and template files. */
  reset(): void {
    this.guests.reset();
    this.zfs.reset();
    for (const s of this.storages.specs) if (s.pool) this.zfs.ensureFilesystem(s.pool);
    this.tasks.reset();
    this.flocks.clear();
    this.ledger.reset();
    this.faults.clear();
    this.saveNow();
  }

  /** Waits for running tasks, writes the state, stops timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.saveNow();
    this.closed = true;
    this.clock.close();
    await this.tasks.settle();
    this.closed = false;
    this.saveNow();
    this.closed = true;
  }

  // ------------------------------------------------------ config files

  /** `/etc/pve/lxc/<id>.conf` or `/etc/pve/qemu-server/<id>.conf` of a guest. */
  confPath(vmid: number): string | undefined {
    const g = this.guests.get(vmid);
    return g ? GuestStore.confPath(g.type, vmid) : undefined;
  }

  /** The config file text exactly as PVE would have it on disk, or undefined if there is no such guest. */
  readConfFile(vmid: number, type?: GuestType): string | undefined {
    const g = this.guests.get(vmid);
    if (!g || (type && g.type !== type)) return undefined;
    return GuestStore.render(g);
  }

  /** Conf files a node shows under `/etc/pve/lxc` or `/etc/pve/qemu-server` (`<id>.conf`). */
  listConfFiles(type: GuestType, node = this.nodes[0]!): string[] {
    return this.guests
      .all()
      .filter((g) => g.type === type && g.node === node)
      .map((g) => `${g.vmid}.conf`);
  }

  /**
   * A rewritten config file (sed -i, echo >>, tee over SSH): parsed back and
   * taken as the guest's config, as pmxcfs would. Writing a file for an
   * unknown vmid creates that (stopped, diskless) guest. Recorded as `file.write`.
   */
  writeConfFile(vmid: number, type: GuestType, text: string, op: OpContext, node = this.nodes[0]!): void {
    const existing = this.guests.get(vmid);
    if (existing && existing.type !== type) throw fail(`CT/VM ${vmid} is a ${existing.type === 'lxc' ? 'container' : 'VM'}`);
    const parsed = parseConfigFile(text);
    if (existing) {
      existing.config = parsed.config;
      existing.lxc = parsed.lxc;
      existing.snapshots = parsed.snapshots;
    } else {
      this.guests.put({ vmid, type, node, config: parsed.config, lxc: parsed.lxc, snapshots: parsed.snapshots, status: 'stopped' });
    }
    this.changed();
    this.ledger.record('file.write', { node: existing?.node ?? node, vmid, via: op.via, path: GuestStore.confPath(type, vmid), bytes: Buffer.byteLength(text), ignoredLines: parsed.ignored });
  }

  /** Removes a guest's config file (`rm /etc/pve/lxc/<id>.conf`): the guest disappears, its volumes stay. */
  deleteConfFile(vmid: number, op: OpContext): void {
    const g = this.guests.get(vmid);
    if (!g) return;
    this.guests.delete(vmid);
    this.changed();
    this.ledger.record('file.write', { node: g.node, vmid, via: op.via, path: GuestStore.confPath(g.type, vmid), deleted: true });
  }

  /** `pct unlock` / `qm unlock`. */
  unlock(type: GuestType, vmid: number, node = this.nodes[0]!): void {
    const g = this.guests.require(type, node, vmid);
    delete g.config.lock;
    this.changed();
  }

  // ------------------------------------------------------ host files

  /** Real path of a host path (`/var/lib/vz/snippets/x.yml`). */
  hostPath(path: string): string {
    return this.storages.hostPath(path);
  }

  /** Writes a host file (snippets etc.) and records `file.write`. Conf paths go through writeConfFile. */
  writeHostFile(path: string, content: string | Buffer, op: OpContext, node = this.nodes[0]!): void {
    const conf = /^\/etc\/pve\/(?:nodes\/[^/]+\/)?(lxc|qemu-server)\/(\d+)\.conf$/.exec(path);
    if (conf) {
      this.writeConfFile(Number(conf[2]), conf[1] === 'lxc' ? 'lxc' : 'qemu', content.toString(), op, node);
      return;
    }
    const real = this.hostPath(path);
    mkdirSync(dirname(real), { recursive: true });
    writeFileSync(real, content);
    this.ledger.record('file.write', { node, via: op.via, path, bytes: Buffer.byteLength(content) });
  }

  readHostFile(path: string): Buffer | undefined {
    const conf = /^\/etc\/pve\/(?:nodes\/[^/]+\/)?(lxc|qemu-server)\/(\d+)\.conf$/.exec(path);
    if (conf) {
      const text = this.readConfFile(Number(conf[2]), conf[1] === 'lxc' ? 'lxc' : 'qemu');
      return text === undefined ? undefined : Buffer.from(text);
    }
    const real = this.hostPath(path);
    return existsSync(real) ? readFileSync(real) : undefined;
  }

  listHostDir(path: string): string[] | undefined {
    const m = /^\/etc\/pve\/(?:nodes\/([^/]+)\/)?(lxc|qemu-server)\/?$/.exec(path);
    if (m) return this.listConfFiles(m[2] === 'lxc' ? 'lxc' : 'qemu', m[1] ?? this.nodes[0]);
    const real = this.hostPath(path);
    return existsSync(real) ? readdirSync(real).sort() : undefined;
  }

  /** Records a ledger entry (also used by the SSH side: `job.start`, `installer.run`, ...). */
  record(kind: string, fields: LedgerFields = {}): void {
    this.ledger.record(kind, fields);
  }

  /** Persisted state for diagnostics (`GET /sim/state`). */
  snapshot(): { guests: unknown; zfs: unknown } {
    return { guests: this.guests.all(), zfs: this.zfs.dump() };
  }
}
