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
import { pollDelayMs, tightPollDelayMs } from '../../shared/poll-delay';

/** A guest PVE knows, by kind, node and id. */
function guestOf(pve: Pick<PveClient, 'node'>, guest: CloneTarget) {
  const node = pve.node(guest.node);
  return guest.kind === 'lxc' ? node.lxc(guest.id) : node.qemu(guest.id);
}

/** Where the clone making `made` is, as PVE shows it: not begun, running, or ended (the source unlocked too). */
async function cloneState(pve: Pick<PveClient, 'node'>, source: CloneTarget, made: CloneTarget): Promise<'absent' | 'running' | 'ended'> {
  const presence = await guestOf(pve, made).presence();
  if (presence.state === 'absent') return 'absent';
  if (presence.state === 'creating' || presence.config.lock) return 'running';
  return (await guestOf(pve, source).config()).lock ? 'running' : 'ended';
}

/** How often to look at most before the clone is seen running: a fast clone may end between two looks, and its end is then noticed this late at most. */
const BEFORE_CLONE_MAX_POLL_MS = 100;

/**
 * Resolves once the clone making `made` from `source` has ended on PVE (rejects only when `signal`
 * aborts). One read a look; as tight as a clone's own wait for its task once the clone is seen
 * running (the delay grows with the time since then, not since this wait began: a successor may
 * wait long for the holder to send its request, and should not then notice the end late).
 */
export async function waitForCloneToEnd(pve: Pick<PveClient, 'node'>, source: CloneTarget, made: CloneTarget, signal: AbortSignal): Promise<void> {
  let running: number | undefined;
  for (let looks = 1; ; looks++) {
    const state = await cloneState(pve, source, made).catch(() => undefined);
    if (state === 'ended') return;
    if (state === 'running') running ??= Date.now();
    const delay = running === undefined ? Math.min(BEFORE_CLONE_MAX_POLL_MS, pollDelayMs(looks)) : tightPollDelayMs(Date.now() - running);
    await sleep(delay, signal);
  }
}
