/**
 * How long a "wait until" loop sleeps before its next look: tens of milliseconds at first,
 * growing geometrically to a cap of seconds. Most Proxmox tasks, config unlocks and guest jobs
 * Phoenix waits for end within a fraction of a second on a fast host, and a fixed 1-2 s poll
 * made each of them cost a whole interval; a long wait (a clone of a big disk, a driver
 * build) still costs one request every couple of seconds.
 *
 * Pure: used by the Proxmox client, the SSH job helpers and activities alike.
 */
export const FIRST_POLL_MS = 25;
export const MAX_POLL_MS = 2_000;
const GROWTH = 1.6;

/** The delay after the `polls`-th look (1-based): 25, 40, 64, 102, ... ms, at most `maxMs`. */
export function pollDelayMs(polls: number, maxMs: number = MAX_POLL_MS): number {
  const n = Math.max(1, Math.floor(polls));
  return Math.min(maxMs, Math.round(FIRST_POLL_MS * GROWTH ** (n - 1)));
}

/**
 * A delay that keeps a wait's overshoot to `fraction` of the time waited so far (at most 10 %
 * by default), from FIRST_POLL_MS up to `maxMs`. For waits that hold something others queue
 * for (a clone holding its source's clone slot): every millisecond between the task's end and
 * our noticing it is a millisecond every queued sibling waits too. Costs more looks than
 * pollDelayMs early on (about 25 for a 1 s task against 7), the same one every 2 s later.
 */
export function tightPollDelayMs(elapsedMs: number, fraction = 0.1, maxMs: number = MAX_POLL_MS): number {
  return Math.min(maxMs, Math.max(FIRST_POLL_MS, Math.round(elapsedMs * fraction)));
}
