/** start_container: start if not running, and wait until it runs. */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createStartContainer(deps: ProvisioningDeps) {
  return async function startContainer(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    return classified('start the container', guest, async () => {
      const pve = await deps.pve();
      const ct = pve.node(plan.node).lxc(plan.ctid);
      const earlier = previousHeartbeat()?.upid;
      if (earlier) await pve.tasks.wait(earlier, { what: `start of ${guest}`, signal: cancellation() }).catch(() => undefined);
      const result = await ct.start();
      if (result.alreadyRunning) return { changed: false, summary: 'already running' };
      if (result.upid) {
        heartbeat({ upid: result.upid });
        await pve.tasks.wait(result.upid, { what: `start of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid: result.upid }) });
      }
      return { changed: true, summary: 'started' };
    });
  };
}
