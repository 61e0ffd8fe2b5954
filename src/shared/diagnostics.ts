/**
 * Input/output types of the diagnostics workflow, shared by the workflow, the
 * activity and `phoenix-client doctor`.
 *
 * Bundled into workflow code: types only, no I/O.
 */

/** What the worker that ran the activity reports about itself. */
export interface WorkerDescription {
  hostname: string;
  pid: number;
  phoenixVersion: string;
  nodeVersion: string;
  /** The task queue and namespace the worker polls, as it was configured. */
  taskQueue: string;
  namespace: string;
  /** ISO-8601 time the worker process started. */
  startedAt: string;
}

export interface WorkerDiagnostics {
  worker: WorkerDescription;
  workflow: {
    workflowId: string;
    runId: string;
    taskQueue: string;
    namespace: string;
  };
}
