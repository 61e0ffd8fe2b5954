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
