/** Takes a named snapshot of a container once: present → nothing; a retry re-attaches to its task. */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export interface SnapshotRequest {
  name: string;
  description: string;
  /**
   * What to do when the container has bind mounts, which PVE cannot snapshot ("snapshot feature
   * is not available"): undefined lets PVE refuse; a string is returned as the step's summary
   * and nothing is taken (the original Phoenix only warned there).
   */
  bindMountsSummary?: string;
}

export async function ensureLxcSnapshot(deps: ProvisioningDeps, plan: LxcPlan, guest: string, req: SnapshotRequest): Promise<StepOutcome> {
  const pve = await deps.pve();
  const ct = pve.node(plan.node).lxc(plan.ctid);
  const wait = (upid: string) =>
    pve.tasks.wait(upid, { what: `snapshot '${req.name}' of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });
  const earlier = previousHeartbeat()?.upid;
  if (earlier) await wait(earlier).catch(() => undefined);
  if ((await ct.snapshots()).some((s) => s.name === req.name)) return { changed: false, summary: `snapshot '${req.name}' exists` };
  if (req.bindMountsSummary !== undefined) {
    const live = await ct.config();
    const bindMounts = Object.entries(live).filter(([key, value]) => /^mp\d+$/.test(key) && String(value).startsWith('/'));
    if (bindMounts.length > 0) return { changed: false, summary: req.bindMountsSummary };
  }
  const upid = await ct.createSnapshot(req.name, { description: req.description });
  heartbeat({ upid });
  await wait(upid);
  return { changed: true, summary: `snapshot '${req.name}' taken` };
}
