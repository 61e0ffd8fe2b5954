import type { VmPlan } from '../../shared/vm-plan';
import { buildVmPlan, type VmPlanOptions } from '../../planning/vm';
import { classified } from '../common/classify';
import { guestNode } from '../placement/guest-node';
import type { ProvisioningDeps } from '../common/provisioning-deps';

/** Reads the configuration on the worker and resolves one VM's plan. */
export function createLoadVmPlan(deps: ProvisioningDeps, options: VmPlanOptions) {
  return async function loadVmPlan({ vmid }: { vmid: number }): Promise<VmPlan> {
    return classified('load the plan', `VM ${vmid}`, async () => {
      const config = await deps.loadConfig();
      // Several nodes: its own node, or where placement puts it (with its template).
      const { node } = await guestNode(deps, config, { id: vmid });
      const plan = buildVmPlan(config, vmid, node, options);
      return {
        ...plan,
        ...(deps.heartbeatTimeout ? { heartbeatTimeout: deps.heartbeatTimeout } : {}),
        ...(deps.retryDeadline ? { retryDeadline: deps.retryDeadline } : {}),
      };
    });
  };
}
