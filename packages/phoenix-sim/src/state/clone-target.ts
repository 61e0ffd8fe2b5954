import { fail } from './errors';
import type { SimContext } from './context';
import type { MountPoint } from './mountpoints';

/**
 * The `target` rule of `pct clone` / `qm clone` (pve-container API2/LXC.pm and qemu-server
 * API2/Qemu.pm, `clone_vm`): a target equal to the local node (or `localhost`) is dropped; an
 * unknown node is refused; with `storage` the target storage must be enabled on the target node
 * and be shared; and any volume of the source on a storage that is not shared refuses the clone
 * to another node ("uses local storage"), linked or full alike. Returns the node the clone ends
 * on (its config is moved there after the copy).
 */
export function cloneTargetNode(
  ctx: SimContext,
  kind: 'CT' | 'VM',
  node: string,
  target: string | undefined,
  storage: string | undefined,
  volumes: MountPoint[],
): string {
  if (!target || target === node || target === 'localhost') return node;
  if (!ctx.nodes.includes(target)) throw fail(`no such cluster node '${target}'`);
  if (storage !== undefined) {
    const spec = ctx.storages.get(storage);
    if (!spec) throw fail(`storage '${storage}' does not exist`);
    if (!ctx.storages.onNode(storage, target)) throw fail(`storage '${storage}' is not available on node '${target}'`);
    if (!spec.shared) throw fail(`can't clone to non-shared storage '${storage}'`);
  }
  const local = volumes.some((mp) => !mp.storage || !ctx.storages.get(mp.storage)?.shared);
  if (local) throw fail(`can't clone ${kind} to node '${target}' (${kind} uses local storage)`);
  return target;
}
