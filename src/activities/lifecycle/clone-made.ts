/**
 * A clone granted before the holder's task started (clone-lock-grants-before-task) learns that
 * the holder's clone has ended from PVE itself: the holder's guest is there, unlocked (PVE drops
 * its `create`/`clone` lock as the clone finishes), and the source carries no lock (an LXC clone
 * locks its source `disk` until the very end). Under load this is seen well before the lock's
 * word, which costs a signal and a workflow task of the lock.
 *
 * Never a reason to fail: an error reading PVE counts as "not yet", and the lock's word
 * (awaitCloneTurn), awaited beside this, decides if PVE stays unreadable.
 */
import type { PveClient } from '../../proxmox/client';
import { sleep } from '../../shared/abort';
import type { CloneTarget } from '../../shared/clone-lock';
import { tightPollDelayMs } from '../../shared/poll-delay';

/** A guest PVE knows, by kind, node and id. */
function guestOf(pve: Pick<PveClient, 'node'>, guest: CloneTarget) {
  const node = pve.node(guest.node);
  return guest.kind === 'lxc' ? node.lxc(guest.id) : node.qemu(guest.id);
}

/** Whether `made` is there, unlocked, and `source` is unlocked: the clone that made it has ended. */
async function cloneHasEnded(pve: Pick<PveClient, 'node'>, source: CloneTarget, made: CloneTarget): Promise<boolean> {
  const presence = await guestOf(pve, made).presence();
  if (presence.state !== 'present' || presence.config.lock) return false;
  return !(await guestOf(pve, source).config()).lock;
}

/**
 * Resolves once the clone making `made` from `source` has ended on PVE (rejects only when `signal`
 * aborts). Looks as tightly as a clone's own wait for its task.
 */
export async function waitForCloneToEnd(pve: Pick<PveClient, 'node'>, source: CloneTarget, made: CloneTarget, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await cloneHasEnded(pve, source, made).catch(() => false)) return;
    await sleep(tightPollDelayMs(Date.now() - started), signal);
  }
}
