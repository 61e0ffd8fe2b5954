/** create_template_snapshot: for templates, the named snapshot clones are made from, if missing. */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createCreateTemplateSnapshot(deps: ProvisioningDeps) {
  return async function createTemplateSnapshot(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const name = plan.templateSnapshot;
    if (!name) return { changed: false, summary: 'not a template' };
    return classified(`create the template snapshot '${name}'`, guest, async () => {
      const pve = await deps.pve();
      const ct = pve.node(plan.node).lxc(plan.ctid);
      const wait = (upid: string) =>
        pve.tasks.wait(upid, { what: `snapshot '${name}' of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });
      const earlier = previousHeartbeat()?.upid;
      if (earlier) await wait(earlier).catch(() => undefined);
      if ((await ct.snapshots()).some((s) => s.name === name)) return { changed: false, summary: `snapshot '${name}' exists` };
      const upid = await ct.createSnapshot(name, { description: 'Phoenix template snapshot: clones are made from it' });
      heartbeat({ upid });
      await wait(upid);
      return { changed: true, summary: `snapshot '${name}' taken` };
    });
  };
}
