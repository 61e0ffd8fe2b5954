import { rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { copyTree } from './copy-tree';
import { populateRootfs } from './rootfs-layout';
import type { GuestPaths } from './paths';

/**
 * The files behind every guest: a root folder per guest and a frozen copy per snapshot.
 * A clone copies the source's snapshot (or its live root), so whatever a feature installed
 * in a template is present in every clone made from it, as with ZFS clones on a real host.
 * Rolling back replaces the live root with a copy of the snapshot.
 */
export class GuestFilesystemStore {
  constructor(
    private readonly paths: GuestPaths,
    /** Kills a guest's processes before its files are replaced or removed. */
    private readonly stopProcesses: (vmid: number) => Promise<void>,
  ) {}

  async create(vmid: number): Promise<void> {
    const root = this.paths.rootfs(vmid);
    await rm(this.paths.guestDir(vmid), { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    await populateRootfs(root, `CT${vmid}`);
  }

  async clone(fromVmid: number, toVmid: number, snapname?: string): Promise<void> {
    const source = snapname ? this.paths.snapshotDir(fromVmid, snapname) : this.paths.rootfs(fromVmid);
    if (!existsSync(source)) {
      throw new Error(`phoenix-sim: no files for guest ${fromVmid}${snapname ? ` snapshot '${snapname}'` : ''}`);
    }
    await rm(this.paths.guestDir(toVmid), { recursive: true, force: true });
    await copyTree(source, this.paths.rootfs(toVmid));
  }

  /** A stopped container keeps its files; its processes (detached jobs too) are gone. */
  async stopped(vmid: number): Promise<void> {
    await this.stopProcesses(vmid);
  }

  async snapshot(vmid: number, name: string): Promise<void> {
    await copyTree(this.paths.rootfs(vmid), this.paths.snapshotDir(vmid, name));
  }

  async rollback(vmid: number, name: string): Promise<void> {
    const snapshot = this.paths.snapshotDir(vmid, name);
    if (!existsSync(snapshot)) throw new Error(`phoenix-sim: no files for guest ${vmid} snapshot '${name}'`);
    await this.stopProcesses(vmid);
    await copyTree(snapshot, this.paths.rootfs(vmid));
  }

  async deleteSnapshot(vmid: number, name: string): Promise<void> {
    await rm(this.paths.snapshotDir(vmid, name), { recursive: true, force: true });
  }

  async destroy(vmid: number): Promise<void> {
    await this.stopProcesses(vmid);
    await rm(this.paths.guestDir(vmid), { recursive: true, force: true });
  }

  exists(vmid: number): boolean {
    return existsSync(this.paths.rootfs(vmid));
  }
}
