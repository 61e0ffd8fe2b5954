/**
 * Settings written to the container's config file (raw lxc.* lines, mount points set
 * over SSH) take effect at the next start. A running container is restarted so the live
 * container matches its configuration; a stopped one simply picks them up when started.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { PveClient } from '../../proxmox/client';
import { cancellation, heartbeatingProgress } from '../common/heartbeat';

export async function restartIfRunning(pve: PveClient, plan: LxcPlan): Promise<boolean> {
  const ct = pve.node(plan.node).lxc(plan.ctid);
  if ((await ct.status()).status !== 'running') return false;
  const progress = { signal: cancellation(), onProgress: heartbeatingProgress({ state: 'restarting' }) };
  await ct.ensureStopped({ graceful: { timeoutS: 60 } }, progress);
  await ct.ensureRunning(progress);
  return true;
}
