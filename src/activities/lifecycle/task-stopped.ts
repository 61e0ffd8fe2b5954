/**
 * A clone granted ahead (clone-lock-grants-ahead) waits for the holder's clone task to stop on
 * PVE before it clones: the source is free again once that task has ended, whatever its exit
 * status (a failed clone unlocks the source too), so this wait reads the task's status and never
 * throws on a failed task as `tasks.wait` does.
 */
import type { PveClient } from '../../proxmox/client';
import { PveBadRequest, PveError, PveNotFound } from '../../proxmox/errors';
import { abortError, sleep } from '../../shared/abort';
import { tightPollDelayMs } from '../../shared/poll-delay';

/** PVE may not list a task handed out a moment ago (another node, slow /var/log/pve); past this it is gone. */
const NOT_FOUND_GRACE_MS = 10_000;
/** Reads failing with transient errors (network, 5xx) are retried this long in a row. */
const UNREACHABLE_MS = 60_000;

/** Resolves once PVE reports `upid` stopped (or no longer knows it: its worker is gone with the API process). */
export async function waitForTaskToStop(pve: Pick<PveClient, 'tasks'>, upid: string, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  let failingSince: number | undefined;
  for (;;) {
    if (signal.aborted) throw abortError(signal);
    try {
      if ((await pve.tasks.status(upid)).status === 'stopped') return;
      failingSince = undefined;
    } catch (err) {
      const unknownTask = (err instanceof PveBadRequest || err instanceof PveNotFound) && /no such task/i.test(err.pveSaid || err.message);
      if (unknownTask) {
        if (Date.now() - started > NOT_FOUND_GRACE_MS) return;
      } else if (err instanceof PveError && err.transient) {
        failingSince ??= Date.now();
        if (Date.now() - failingSince > UNREACHABLE_MS) throw err;
      } else {
        throw err;
      }
    }
    // The source's next clone waits on this: notice the end promptly, as the holder's own wait does.
    await sleep(tightPollDelayMs(Date.now() - started), signal);
  }
}
