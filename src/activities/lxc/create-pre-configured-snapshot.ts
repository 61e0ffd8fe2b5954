/**
 * create_pre_configured_snapshot: for a leaf container, the snapshot `reconfigure` returns to
 * (the original's `pre-configured`), taken once, after the container is defined and its
 * configuration applied and before shared volumes, features and the application script.
 * Taken before the bind mounts, since PVE cannot snapshot a container that has them.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { ensureLxcSnapshot } from './ensure-snapshot';

export function createCreatePreConfiguredSnapshot(deps: ProvisioningDeps) {
  return async function createPreConfiguredSnapshot(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const name = plan.reconfigureSnapshot;
    if (!name) return { changed: false, summary: 'a template: reconfigure returns to its template snapshot' };
    return classified(`create the snapshot '${name}'`, guest, () =>
      ensureLxcSnapshot(deps, plan, guest, {
        name,
        description: 'Phoenix pre-configured snapshot: reconfigure returns to it',
        // A container provisioned before this step existed already has its bind mounts.
        bindMountsSummary: `snapshot '${name}' not taken: PVE cannot snapshot a container with bind mounts (reconfigure needs it; delete and start the container to get one)`,
      }),
    );
  };
}
