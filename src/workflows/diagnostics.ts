import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PhoenixActivities } from '../activities';
import type { WorkerDiagnostics } from '../shared/diagnostics';
import { PhoenixKind, PhoenixStep } from '../shared/search-attributes';
import { quickLocal } from './activity-options';

const { describeWorker } = proxyActivities<PhoenixActivities>(quickLocal);

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
