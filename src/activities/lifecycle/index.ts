/** Activities of the fleet workflows and lifecycle verbs (up, stop, delete, ...). */
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { createAwaitGuestRun } from './await-guest-run';
import { createCloneInSlot } from './clone-in-slot';
import { createGuestVerbs } from './guest-verbs';
import { createProvisioningInProgress } from './provisioning-in-progress';
import { createRequestCloneSlot } from './request-clone-slot';

export function createLifecycleActivities(deps: ProvisioningDeps) {
  return {
    awaitGuestRun: createAwaitGuestRun(deps),
    provisioningInProgress: createProvisioningInProgress(deps),
    requestCloneSlot: createRequestCloneSlot(deps),
    ...createCloneInSlot(deps),
    ...createGuestVerbs(deps),
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
