import type { ProvisioningDeps } from '../common/provisioning-deps';
import { createApplyConfigurations } from './apply-configurations';
import { createApplyFeature } from './apply-feature';
import { createApplySharedVolumes } from './apply-shared-volumes';
import { createCreatePreConfiguredSnapshot } from './create-pre-configured-snapshot';
import { createCreateTemplateSnapshot } from './create-template-snapshot';
import { createEnsureContainerDefined } from './ensure-container-defined';
import { createEnsureLxcTemplateReady } from './ensure-template-ready';
import { createInspectContainer } from './inspect-container';
import { createLoadLxcPlan } from './load-plan';
import { createRefreshTemplateSnapshot } from './refresh-template-snapshot';
import { createRunApplicationScript } from './run-application-script';
import { createRunHealthCheck } from './run-health-check';
import { createStartContainer } from './start-container';
import type { LxcActivities } from './types';

/** The LXC steps, one activity each, named after the original Phoenix's steps. */
export function createLxcActivities(deps: ProvisioningDeps): LxcActivities {
  return {
    loadLxcPlan: createLoadLxcPlan(deps),
    ensureLxcTemplateReady: createEnsureLxcTemplateReady(deps),
    ensureContainerDefined: createEnsureContainerDefined(deps),
    applyConfigurations: createApplyConfigurations(deps),
    applySharedVolumes: createApplySharedVolumes(deps),
    startContainer: createStartContainer(deps),
    applyFeature: createApplyFeature(deps),
    runApplicationScript: createRunApplicationScript(deps),
    runHealthCheck: createRunHealthCheck(deps),
    createPreConfiguredSnapshot: createCreatePreConfiguredSnapshot(deps),
    createTemplateSnapshot: createCreateTemplateSnapshot(deps),
    refreshTemplateSnapshot: createRefreshTemplateSnapshot(deps),
    inspectContainer: createInspectContainer(deps),
  };
}
