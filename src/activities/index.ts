import { provisioningDepsFromEnv, type ProvisioningDeps } from './common/provisioning-deps';
import { createDescribeWorker, type DescribeWorkerDeps } from './describe-worker';
import { createLifecycleActivities } from './lifecycle';
import { createLxcActivities } from './lxc';
import { createVerifyTrust } from './preflight/verify-trust';
import { createPlaceFleet } from './placement/place-fleet';
import { createSetupActivities } from './setup';
import { createVmActivities } from './vm';
import { vmPlanOptionsFromEnv } from '../planning/vm';

/**
 * Everything activities need from the outside world, injected by the worker so
 * tests and the demo can hand in their own (a phoenix-sim backed Proxmox client,
 * an SSH client trusting the simulator's host key, ...). Provisioning activities
 * add their dependencies here (`pve`, `ssh`, `config`).
 */
export type ActivityDeps = DescribeWorkerDeps & {
  /** Proxmox, SSH, configuration; built from the worker's environment when not given. */
  provisioning?: ProvisioningDeps;
};

/** One factory for every activity the worker registers; one file per activity or step. */
export function createActivities(deps: ActivityDeps) {
  const provisioning = deps.provisioning ?? provisioningDepsFromEnv({ env: process.env, taskQueue: deps.taskQueue });
  return {
    describeWorker: createDescribeWorker(deps),
    verifyTrust: createVerifyTrust(provisioning),
    placeFleet: createPlaceFleet(provisioning),
    ...createLxcActivities(provisioning),
    ...createVmActivities(provisioning, vmPlanOptionsFromEnv(process.env)),
    ...createLifecycleActivities(provisioning),
    ...createSetupActivities(provisioning),
  };
}

/** What workflows proxy, imported by them as a type only. */
export type PhoenixActivities = ReturnType<typeof createActivities>;
