import type { LxcPlan } from '../../shared/lxc-plan';
import { buildLxcPlan } from '../../planning/lxc';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { guestNode } from '../placement/guest-node';
import type { LoadLxcPlanInput } from './types';

/**
 * Reads the configuration on the worker and resolves one container's plan: on its node (given,
 * or placed), cloning from its source by the route PVE allows. A per-node copy of a template
 * (`copyOf`) is that template's plan under the copy's ID, on DHCP with a fresh MAC (the template
 * keeps its own address on its own node).
 */
export function createLoadLxcPlan(deps: ProvisioningDeps) {
  return async function loadLxcPlan(input: LoadLxcPlanInput): Promise<LxcPlan> {
    const { ctid } = input;
    return classified('load the plan', `CT ${ctid}`, async () => {
      const config = await deps.loadConfig();
      const where = await guestNode(deps, config, { id: ctid, ...(input.node ? { node: input.node } : {}), ...(input.copyOf !== undefined ? { copyOf: input.copyOf } : {}) });
      let plan = buildLxcPlan(config, input.copyOf ?? ctid, where.node);
      if (input.copyOf !== undefined) {
        const { hwaddr: _mac, gw: _gw, ...net0 } = plan.net0;
        plan = { ...plan, ctid, net0: { ...net0, ip: 'dhcp' }, copyOf: input.copyOf };
      }
      if (where.source && plan.source.kind === 'clone') {
        plan = { ...plan, source: {
            ...plan.source,
            parentCtid: where.source.id,
            parentNode: where.source.node,
            route: where.source.route,
            ...(where.source.route === 'per-node-chain-copy' ? { parentCopyOf: plan.source.parentCtid } : {}),
          },
        };
      }
      return {
        ...plan,
        ...(deps.heartbeatTimeout ? { heartbeatTimeout: deps.heartbeatTimeout } : {}),
        ...(deps.retryDeadline ? { retryDeadline: deps.retryDeadline } : {}),
      };
    });
  };
}
