import { join } from 'node:path';

/**
 * Where a guest's files live on the simulator host. Every guest (LXC or QEMU) owns one folder:
 *   <stateDir>/guests/<vmid>/rootfs             the live root the sandbox binds as `/`
 *   <stateDir>/guests/<vmid>/snapshots/<name>   frozen copies taken by snapshot()
 * Keeping both under one folder makes destroy a single recursive removal.
 */
export interface GuestPaths {
  guestDir(vmid: number): string;
  rootfs(vmid: number): string;
  snapshotDir(vmid: number, name: string): string;
}

export function guestPaths(stateDir: string): GuestPaths {
  const guestDir = (vmid: number) => join(stateDir, 'guests', String(vmid));
  return {
    guestDir,
    rootfs: (vmid) => join(guestDir(vmid), 'rootfs'),
    snapshotDir: (vmid, name) => join(guestDir(vmid), 'snapshots', name),
  };
}

/** Joins a guest-absolute path onto a root folder, refusing to climb above the root. */
export function insideRoot(root: string, guestPath: string): string {
  const parts: string[] = [];
  for (const part of guestPath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return join(root, ...parts);
}
