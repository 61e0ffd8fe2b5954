import { createDescribeWorker, type DescribeWorkerDeps } from './describe-worker';

/**
 * Everything activities need from the outside world, injected by the worker so
 * tests and the demo can hand in their own (a phoenix-sim backed Proxmox client,
 * an SSH client trusting the simulator's host key, ...). Provisioning activities
 * add their dependencies here (`pve`, `ssh`, `config`).
 */
export type ActivityDeps = DescribeWorkerDeps;

/** One factory for every activity the worker registers; one file per activity or step. */
export function createActivities(deps: ActivityDeps) {
  return {
    describeWorker: createDescribeWorker(deps),
  };
}

/** What workflows proxy, imported by them as a type only. */
export type PhoenixActivities = ReturnType<typeof createActivities>;
