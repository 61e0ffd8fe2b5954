import { readdir, readFile } from 'node:fs/promises';

/**
 * Finds a guest's processes without cgroups or pid namespaces. Every process started in a
 * sandbox inherits the environment variable PHOENIX_SIM_GUEST=<instance>:<vmid>, including
 * jobs that detached with setsid/nohup, so scanning /proc/<pid>/environ finds them all. The
 * instance part keeps two simulators on one machine (parallel tests) from touching each
 * other's guests. A guest program that deliberately clears its environment escapes the list;
 * that is acceptable for a simulator whose sandbox is not a security boundary.
 */
export const GUEST_MARKER_VARIABLE = 'PHOENIX_SIM_GUEST';

export function guestMarker(instanceId: string, vmid: number): string {
  return `${instanceId}:${vmid}`;
}

export async function findProcessesWithMarker(markerPrefix: string): Promise<number[]> {
  const needle = `${GUEST_MARKER_VARIABLE}=${markerPrefix}`;
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let environ: string;
    try {
      environ = await readFile(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // exited meanwhile, or a kernel thread
    }
    for (const entry of environ.split('\0')) {
      if (entry === needle || (markerPrefix.endsWith(':') && entry.startsWith(needle))) {
        pids.push(Number(name));
        break;
      }
    }
  }
  return pids;
}

/**
 * Kills every process carrying the marker. Repeats because a process may fork between the
 * scan and the signal; gives up after a few rounds rather than spinning on a fork bomb.
 */
export async function killProcessesWithMarker(markerPrefix: string): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 5; round++) {
    const pids = await findProcessesWithMarker(markerPrefix);
    if (pids.length === 0) return killed;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return killed;
}
