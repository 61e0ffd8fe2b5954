/** Activities of the fleet workflows and lifecycle verbs (up, stop, delete, ...). */
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { createAwaitGuestRun } from './await-guest-run';

export function createLifecycleActivities(deps: ProvisioningDeps) {
  return {
    awaitGuestRun: createAwaitGuestRun(deps),
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
