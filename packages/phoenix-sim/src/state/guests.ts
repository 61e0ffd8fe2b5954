import { randomBytes } from 'node:crypto';
import { configDigest, renderConfigFile } from './config-file';
import { fail } from './errors';
import type { GuestRecord, GuestType } from './types';

/**
 * The guests of the cluster (pmxcfs's vmlist plus each guest's config), with
 * PVE's lookups and their error texts.
 */
export class GuestStore {
  private readonly guests = new Map<number, GuestRecord>();

  load(list: GuestRecord[]): void {
    this.guests.clear();
    for (const g of list) this.guests.set(g.vmid, g);
  }

  all(): GuestRecord[] {
    return [...this.guests.values()].sort((a, b) => a.vmid - b.vmid);
  }

  get(vmid: number): GuestRecord | undefined {
    return this.guests.get(vmid);
  }

  put(g: GuestRecord): void {
    this.guests.set(g.vmid, g);
  }

  delete(vmid: number): void {
    this.guests.delete(vmid);
  }

  reset(): void {
    this.guests.clear();
  }

  /** `load_config`: the guest of this type on this node, or PVE's "does not exist". */
  require(type: GuestType, node: string, vmid: number): GuestRecord {
    const g = this.guests.get(vmid);
    if (!g || g.type !== type || g.node !== node) throw fail(`Configuration file '${GuestStore.relativeConfPath(type, node, vmid)}' does not exist`);
    return g;
  }

  /** `check_vmid_unused`: cluster-wide. */
  checkUnused(vmid: number): void {
    const g = this.guests.get(vmid);
    if (g) throw fail(`${g.type === 'lxc' ? 'CT' : 'VM'} ${vmid} already exists on node '${g.node}'`);
  }

  static relativeConfPath(type: GuestType, node: string, vmid: number): string {
    return `nodes/${node}/${type === 'lxc' ? 'lxc' : 'qemu-server'}/${vmid}.conf`;
  }

  /** The path the host shows (`/etc/pve/lxc/900.conf` is the local node's view). */
  static confPath(type: GuestType, vmid: number): string {
    return type === 'lxc' ? `/etc/pve/lxc/${vmid}.conf` : `/etc/pve/qemu-server/${vmid}.conf`;
  }

  static render(g: GuestRecord): string {
    return renderConfigFile(g.config, g.lxc, g.snapshots);
  }

  static digest(g: GuestRecord): string {
    return configDigest(GuestStore.render(g));
  }

  static isTemplate(g: GuestRecord): boolean {
    return g.config.template === '1';
  }

  /** `check_lock`. */
  static checkLock(g: GuestRecord): void {
    const lock = g.config.lock;
    if (lock) throw fail(`${g.type === 'lxc' ? 'CT' : 'VM'} is locked (${lock})`);
  }
}

/** A MAC from Proxmox's OUI `BC:24:11`, as PVE generates for new NICs. */
export function randomMac(): string {
  const b = randomBytes(3);
  return ['BC', '24', '11', ...[...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0'))].join(':');
}
