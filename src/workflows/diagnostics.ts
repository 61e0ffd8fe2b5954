import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PhoenixActivities } from '../activities';
import type { WorkerDiagnostics } from '../shared/diagnostics';
import { PhoenixKind, PhoenixStep } from '../shared/search-attributes';
import { quickStep } from './activity-presets';

const { describeWorker } = proxyActivities<PhoenixActivities>(quickStep);

/**
 * Round trip through the task queue: proves a worker polls it, can run workflow
 * and activity tasks, and says which worker answered (`phoenix-client doctor`).
 */
export async function workerDiagnosticsWorkflow(): Promise<WorkerDiagnostics> {
  upsertSearchAttributes([
    { key: PhoenixKind, value: 'diagnostics' },
    { key: PhoenixStep, value: 'describe-worker' },
  ]);
  const worker = await describeWorker();
  upsertSearchAttributes([{ key: PhoenixStep, value: 'done' }]);

  const { workflowId, runId, taskQueue, namespace } = workflowInfo();
  return { worker, workflow: { workflowId, runId, taskQueue, namespace } };
}
