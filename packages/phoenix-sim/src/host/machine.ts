/**
 * The simulated hypervisor as a machine: disks and pools, packages, users, the kernel command line
 * and modules the next boot will use, the NVIDIA driver on disk and in the kernel, transient
 * systemd units, and the boot itself. `reboot` takes the host away (SSH stops answering), stops
 * every guest, and brings the host back with a new boot id, the command line GRUB was last told
 * about, the driver that was installed, and the `onboot` guests started again. Every effect is
 * a ledger entry; the state survives a simulator restart (`<stateDir>/host-machine.json`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SimState } from '../state';
import type { StorageSpec } from '../state/types';
import { DEFAULT_HOST_PROFILE, type HostProfile, type SimDisk, type SimGpu } from './profile';

const CLI_OP = { user: 'root@pam', via: 'ssh' } as const;
const KERNEL = 'BOOT_IMAGE=/boot/vmlinuz-6.14.8-2-pve';

export interface SimPool {
  name: string;
  vdev: 'stripe' | 'mirror' | 'raidz1' | 'raidz2' | 'raidz3';
  disks: string[];
}

export interface SimUnit {
  name: string;
  argv: string[];
  state: 'running' | 'exited' | 'failed';
  exitStatus?: number;
  log: string[];
}

export interface SimUser {
  name: string;
  uid: number;
  gid: number;
  groups: string[];
  home: string;
  shell: string;
  passwordSet: boolean;
}

interface MachineState {
  version: 1;
  disks: SimDisk[];
  pools: SimPool[];
  packages: string[];
  timezone: string;
  bootId: string;
  bootCount: number;
  /** What `update-grub` last wrote: the command line of the next boot. */
  nextCmdline: string;
  cmdline: string;
  /** What `update-initramfs` last packed: vfio-pci ids bound at boot, nouveau blacklisted. */
  initramfs: { vfioIds: string[]; nouveauBlacklisted: boolean };
  driver: { installed?: string; loaded?: string };
  units: Record<string, SimUnit>;
  enabledUnits: string[];
  users: SimUser[];
  sambaUsers: string[];
  pveUsers: string[];
  acls: Array<{ path: string; ugid: string; roleid: string }>;
  storages: StorageSpec[];
  /** PCI addresses vfio-pci claimed at this boot. */
  vfioBound: string[];
}

export class HostMachine {
  private s: MachineState;
  private readonly file: string;
  private down = false;
  private rebooting = false;
  private pveproxyReadyAt = 0;
  private readonly downListeners = new Set<() => void>();
  private readonly upListeners = new Set<() => void>();

  constructor(
    readonly state: SimState,
    readonly node: string,
    readonly profile: HostProfile = DEFAULT_HOST_PROFILE,
  ) {
    // Each node is its own machine (disks, driver, units); the first keeps the historical file name.
    this.file = join(state.stateDir, node === state.nodes[0] ? 'host-machine.json' : `host-machine.${node}.json`);
    if (existsSync(this.file)) {
      this.s = JSON.parse(readFileSync(this.file, 'utf8')) as MachineState;
      for (const spec of this.s.storages) this.attachStorage(spec);
      // A simulator stopped mid-reboot comes back up.
      this.s.units = Object.fromEntries(Object.entries(this.s.units).map(([k, u]) => [k, u.state === 'running' ? { ...u, state: 'failed', exitStatus: 143, log: [...u.log, 'phoenix-sim: the simulator stopped while the unit ran'] } : u]));
    } else {
      this.s = this.fresh();
      for (const [path, content] of Object.entries(profile.files)) {
        const real = state.hostPath(path);
        if (existsSync(real)) continue;
        mkdirSync(dirname(real), { recursive: true });
        writeFileSync(real, content);
      }
    }
    mkdirSync(state.hostPath('/etc/pve/firewall'), { recursive: true });
    mkdirSync(state.hostPath('/etc/systemd/system'), { recursive: true });
    this.writeBootFiles();
    this.save();
  }

  private fresh(): MachineState {
    const cmdline = `${KERNEL} root=ZFS=rpool/ROOT/pve-1 boot=zfs quiet`;
    return {
      version: 1,
      disks: structuredClone(this.profile.disks),
      pools: [{ name: 'rpool', vdev: 'stripe', disks: this.profile.disks.filter((d) => d.partitions?.some((p) => p.label === 'rpool')).map((d) => d.id) }],
      packages: [...this.profile.packages],
      timezone: this.profile.timezone,
      bootId: randomUUID(),
      bootCount: 1,
      nextCmdline: cmdline,
      cmdline,
      initramfs: { vfioIds: [], nouveauBlacklisted: false },
      driver: {},
      units: {},
      enabledUnits: [],
      users: [],
      sambaUsers: [],
      pveUsers: ['root@pam'],
      acls: [],
      storages: [],
      vfioBound: [],
    };
  }

  get data(): Readonly<MachineState> {
    return this.s;
  }

  /** Applies a change to the state, persists it and records it. */
  change(kind: string, details: Record<string, unknown>, mutate: (s: MachineState) => void): void {
    mutate(this.s);
    this.save();
    this.record(kind, details);
  }

  record(kind: string, details: Record<string, unknown> = {}): void {
    this.state.record(kind, { node: this.node, ...details, via: 'ssh' });
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.s));
    renameSync(tmp, this.file);
  }

  // ---------------------------------------------------------------- disks and storages

  disk(path: string): SimDisk | undefined {
    const byId = /^\/dev\/disk\/by-id\/(.+)$/.exec(path)?.[1];
    const kname = /^\/dev\/([a-z0-9]+)$/.exec(path)?.[1];
    return this.s.disks.find((d) => d.id === byId || d.kname === kname);
  }

  poolOf(disk: SimDisk): SimPool | undefined {
    return this.s.pools.find((p) => p.disks.includes(disk.id));
  }

  /** A storage added with `pvesm add`, visible to the API and `pvesm` alike. */
  addStorage(spec: StorageSpec): void {
    this.change('storage.add', { storage: spec.id, type: spec.type, content: spec.content, ...(spec.pool ? { pool: spec.pool } : { path: spec.path }) }, (s) => s.storages.push(spec));
    this.attachStorage(spec);
  }

  private attachStorage(spec: StorageSpec): void {
    const specs = this.state.storages.specs;
    const existing = specs.findIndex((x) => x.id === spec.id);
    if (existing >= 0) specs.splice(existing, 1, spec);
    else specs.push(spec);
    if (spec.type === 'dir' && spec.path) mkdirSync(this.state.hostPath(spec.path), { recursive: true });
  }

  setStorageContent(id: string, content: string): void {
    const spec = this.state.storages.get(id)!;
    this.change('storage.set', { storage: id, content }, (s) => {
      spec.content = content;
      const own = s.storages.find((x) => x.id === id);
      if (own) own.content = content;
      else s.storages.push(spec);
    });
  }

  /** `/etc/pve/storage.cfg` as pmxcfs shows it. */
  renderStorageCfg(): string {
    return this.state.storages.specs
      .map((s) => [`${s.type}: ${s.id}`, s.type === 'dir' ? `\tpath ${s.path ?? `/mnt/pve/${s.id}`}` : `\tpool ${s.pool}`, `\tcontent ${s.content}`, ...(s.type === 'zfspool' ? ['\tsparse 1'] : [])].join('\n'))
      .join('\n\n')
      .concat('\n');
  }

  // ---------------------------------------------------------------- GPUs and driver

  get gpus(): readonly SimGpu[] {
    return this.profile.nodeGpus?.[this.node] ?? this.profile.gpus;
  }

  /** GPUs the NVIDIA driver drives at this boot (vfio-pci claimed the others). */
  driverGpus(): SimGpu[] {
    if (!this.s.driver.loaded) return [];
    return this.gpus.filter((g) => !this.s.vfioBound.includes(g.pciAddress));
  }

  // ---------------------------------------------------------------- boot

  get isDown(): boolean {
    return this.down;
  }

  get bootId(): string {
    return this.s.bootId;
  }

  pveproxyState(): 'active' | 'activating' | 'inactive' {
    if (this.down) return 'inactive';
    return this.state.clock.now() >= this.pveproxyReadyAt ? 'active' : 'activating';
  }

  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Called when the host is back (sshd listens again). */
  onUp(listener: () => void): () => void {
    this.upListeners.add(listener);
    return () => this.upListeners.delete(listener);
  }

  /** `reboot` / `systemctl reboot`: answers at once; the host goes down a moment later. */
  reboot(): void {
    if (this.rebooting) return;
    this.rebooting = true;
    const d = this.profile.durations;
    this.record('host.reboot', { bootId: this.s.bootId });
    void (async () => {
      await this.state.clock.sleep(d.shutdownMs);
      this.down = true;
      for (const l of this.downListeners) l();
      await this.stopGuests();
      // Transient units and whatever they were doing die with the boot.
      this.s.units = {};
      this.save();
      this.record('host.down', { bootId: this.s.bootId });
      await this.state.clock.sleep(d.rebootDownMs);
      this.boot();
      this.pveproxyReadyAt = this.state.clock.now() + this.state.clock.scaled(d.pveproxyStartMs);
      this.down = false;
      this.rebooting = false;
      for (const l of this.upListeners) l();
      this.record('host.up', { bootId: this.s.bootId, cmdline: this.s.cmdline, nvidiaDriver: this.s.driver.loaded ?? null });
      await this.state.clock.sleep(d.pveproxyStartMs);
      await this.startOnbootGuests();
    })();
  }

  private boot(): void {
    const gpuIds = (g: SimGpu) => g.ids.some((id) => this.s.initramfs.vfioIds.includes(id));
    const iommu = /\b(intel_iommu=on|amd_iommu=on)\b/.test(this.s.nextCmdline) || this.s.nextCmdline.includes('iommu=pt');
    this.s.bootId = randomUUID();
    this.s.bootCount += 1;
    this.s.cmdline = this.s.nextCmdline;
    this.s.vfioBound = iommu ? this.gpus.filter(gpuIds).map((g) => g.pciAddress) : [];
    this.s.driver.loaded = this.s.driver.installed;
    this.save();
    this.writeBootFiles();
  }

  private writeBootFiles(): void {
    const put = (path: string, text: string | undefined) => {
      const real = this.state.hostPath(path);
      if (text === undefined) return rmSync(real, { force: true });
      mkdirSync(dirname(real), { recursive: true });
      writeFileSync(real, text);
    };
    put('/proc/sys/kernel/random/boot_id', `${this.s.bootId}\n`);
    put('/proc/cmdline', `${this.s.cmdline}\n`);
    put('/sys/module/nvidia/version', this.s.driver.loaded ? `${this.s.driver.loaded}\n` : undefined);
  }

  private async stopGuests(): Promise<void> {
    for (const g of this.state.guests.all().filter((x) => x.node === this.node && x.status === 'running')) {
      try {
        const ops = g.type === 'lxc' ? this.state.lxc : this.state.qemu;
        await (await ops.stop(CLI_OP, this.node, g.vmid)).done;
      } catch {
        g.status = 'stopped';
      }
    }
  }

  private async startOnbootGuests(): Promise<void> {
    for (const g of this.state.guests.all().filter((x) => x.node === this.node && x.status === 'stopped' && x.config.onboot === '1' && x.config.template !== '1')) {
      try {
        const ops = g.type === 'lxc' ? this.state.lxc : this.state.qemu;
        await (await ops.start(CLI_OP, this.node, g.vmid)).done;
        this.record('host.onboot-start', { vmid: g.vmid });
      } catch (err) {
        this.record('host.onboot-failed', { vmid: g.vmid, error: (err as Error).message });
      }
    }
  }

  // ---------------------------------------------------------------- transient units

  /** `systemd-run --unit NAME`: the NVIDIA runfile is the one program the simulated host runs this way. */
  startUnit(name: string, argv: string[], runfileVersion: string | undefined): void {
    const unit: SimUnit = { name, argv, state: 'running', log: [] };
    this.change('systemd.run', { unit: name, argv }, (s) => (s.units[name] = unit));
    const bootId = this.s.bootId;
    void (async () => {
      if (runfileVersion === undefined) return this.finishUnit(name, bootId, 203, `phoenix-sim: ${argv[0]} is not a program the simulated host can run`);
      this.record('nvidia.installer.start', { unit: name, version: runfileVersion, args: argv.slice(1) });
      unit.log.push(`Verifying archive integrity... OK`, `Uncompressing NVIDIA Accelerated Graphics Driver for Linux-x86_64 ${runfileVersion}`);
      await this.state.clock.sleep(this.profile.durations.nvidiaInstallMs);
      if (this.s.bootId !== bootId) return; // the host rebooted under it
      if (!this.s.packages.some((p) => p === 'proxmox-default-headers' || p.startsWith('pve-headers') || p.startsWith('proxmox-headers'))) {
        return this.finishUnit(name, bootId, 1, 'ERROR: Unable to find the kernel source tree for the currently running kernel. Please make sure you have installed the kernel source files for your kernel');
      }
      this.s.driver.installed = runfileVersion;
      this.finishUnit(name, bootId, 0, `Installation of the NVIDIA Accelerated Graphics Driver for Linux-x86_64 (version: ${runfileVersion}) is now complete.`);
      this.record('nvidia.installer.done', { unit: name, version: runfileVersion });
    })();
  }

  private finishUnit(name: string, bootId: string, status: number, line: string): void {
    const unit = this.s.units[name];
    if (!unit || this.s.bootId !== bootId) return;
    unit.log.push(line);
    unit.state = status === 0 ? 'exited' : 'failed';
    unit.exitStatus = status;
    this.save();
    this.record('systemd.unit-end', { unit: name, status });
  }
}
