/**
 * The VM's feature scripts as they go into the guest: `features/vm/<name>.sh` with the
 * feature's values prepended as quoted assignments (composeScript), so the text and its
 * hash are the same on every run for the same config.
 */
import type { VmPlan } from '../../shared/vm-plan';
import { composeScript, type ComposedScript } from '../common/guest-scripts';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export interface VmFeatureScript extends ComposedScript {
  name: string;
}

export async function composeVmFeatures(deps: ProvisioningDeps, plan: VmPlan): Promise<VmFeatureScript[]> {
  const out: VmFeatureScript[] = [];
  for (const f of plan.cloudInit.features) {
    const composed = await composeScript(deps.scriptsRoot, 'features/vm', f.name, f.env, `Phoenix feature ${f.name} for VM ${plan.vmid}`);
    out.push({ name: f.name, ...composed });
  }
  return out;
}
