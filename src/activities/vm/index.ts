import { createInspectVm } from './inspect-vm';
import type { VmPlanOptions } from '../../planning/vm';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { createApplyVmConfigurations } from './apply-configurations';
import { createConvertVmToTemplate } from './convert-to-template';
import { createCreateVmSnapshot } from './create-snapshot';
import { createEnsureVmDefined } from './ensure-vm-defined';
import { createEnsureVmTemplateReady } from './ensure-template-ready';
import { createLoadVmPlan } from './load-plan';
import { createStartVm } from './start-vm';
import type { VmActivities } from './types';
import { createWaitForCloudInit } from './wait-for-cloud-init';
import { createWaitForGuestAgent } from './wait-for-guest-agent';

/**
 * The VM steps, one activity each, named after the original's VM flow. `planOptions` are
 * the worker's timeouts (PHOENIX_AGENT_TIMEOUT, PHOENIX_CLOUD_INIT_TIMEOUT) put into plans.
 */
export function createVmActivities(deps: ProvisioningDeps, planOptions: VmPlanOptions = {}): VmActivities {
  return {
    inspectVm: createInspectVm(deps),
    loadVmPlan: createLoadVmPlan(deps, planOptions),
    ensureVmTemplateReady: createEnsureVmTemplateReady(deps),
    ensureVmDefined: createEnsureVmDefined(deps),
    applyVmConfigurations: createApplyVmConfigurations(deps),
    startVm: createStartVm(deps),
    waitForGuestAgent: createWaitForGuestAgent(deps),
    waitForCloudInit: createWaitForCloudInit(deps),
    createVmSnapshot: createCreateVmSnapshot(deps),
    convertVmToTemplate: createConvertVmToTemplate(deps),
  };
}
