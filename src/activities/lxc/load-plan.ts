import type { LxcPlan } from '../../shared/lxc-plan';
import { buildLxcPlan } from '../../planning/lxc';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';

/** Reads the configuration on the worker and resolves one container's plan. */
export function createLoadLxcPlan(deps: ProvisioningDeps) {
  return async function loadLxcPlan({ ctid }: { ctid: number }): Promise<LxcPlan> {
    return classified('load the plan', `CT ${ctid}`, async () => {
      const config = await deps.loadConfig();
      const { api } = await deps.connection();
      const plan = buildLxcPlan(config, ctid, api.node);
      return {
        ...plan,
        ...(deps.heartbeatTimeout ? { heartbeatTimeout: deps.heartbeatTimeout } : {}),
        ...(deps.retryDeadline ? { retryDeadline: deps.retryDeadline } : {}),
      };
    });
  };
}
