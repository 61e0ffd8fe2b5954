import { hostname } from 'node:os';
import type { WorkerDescription } from '../shared/diagnostics';

export interface DescribeWorkerDeps {
  taskQueue: string;
  namespace: string;
  phoenixVersion: string;
}

// Captured once when the module loads, which is when the worker process starts.
const processStartedAt = new Date(Date.now() - process.uptime() * 1000).toISOString();

/** Reports which worker process picked the task up: proof of a live, correctly configured worker. */
export function createDescribeWorker(deps: DescribeWorkerDeps) {
  return async function describeWorker(): Promise<WorkerDescription> {
    return {
      hostname: hostname(),
      pid: process.pid,
      phoenixVersion: deps.phoenixVersion,
      nodeVersion: process.version,
      taskQueue: deps.taskQueue,
      namespace: deps.namespace,
      startedAt: processStartedAt,
    };
  };
}
