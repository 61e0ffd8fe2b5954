/**
 * A clone granted ahead (clone-lock-grants-ahead) waits for the holder's clone task to stop on
 * PVE before it clones: the source is free again once that task has ended, whatever its exit
 * status (a failed clone unlocks the source too). So this is `tasks.wait`, polled as tightly as
 * the holder's own wait, with a failed or lost task taken for stopped rather than thrown.
 */
import type { PveClient } from '../../proxmox/client';
import { PveError, PveTaskLost } from '../../proxmox/errors';
import { tightPollDelayMs } from '../../shared/poll-delay';

/** Resolves once PVE reports `upid` stopped (or no longer knows it: its worker is gone with the API process). */
export async function waitForTaskToStop(pve: Pick<PveClient, 'tasks'>, upid: string, signal: AbortSignal): Promise<void> {
  try {
    // The source's next clone waits on this: notice the end promptly, as the holder's own wait does.
    await pve.tasks.wait(upid, { signal, pollDelay: (_polls, elapsedMs) => tightPollDelayMs(elapsedMs), logTailLines: 0 });
  } catch (err) {
    // Stopped with an error exit status (the error carries the task), or lost with its API process.
    if (err instanceof PveTaskLost || (err instanceof PveError && err.task !== undefined)) return;
    throw err;
  }
}
