/** create_template_snapshot: for templates, the named snapshot clones are made from, if missing. */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { ensureLxcSnapshot } from './ensure-snapshot';

export function createCreateTemplateSnapshot(deps: ProvisioningDeps) {
  return async function createTemplateSnapshot(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const name = plan.templateSnapshot;
    if (!name) return { changed: false, summary: 'not a template' };
    return classified(`create the template snapshot '${name}'`, guest, () =>
      ensureLxcSnapshot(deps, plan, guest, { name, description: 'Phoenix template snapshot: clones are made from it' }),
    );
  };
}
