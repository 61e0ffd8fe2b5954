/**
 * A clone needs its parent's template snapshot. When it is missing, the parent's own
 * workflow (`phoenix-lxc-<parent>`) builds it: started with USE_EXISTING, so two leaves
 * asking at once join one build instead of racing two. This activity waits for that run,
 * heartbeating; a retry after a worker crash joins the same run again.
 *
 * `afterItsRun`: `up` started this guest while the template's run (its sibling child) was still
 * going, so the wait is for that run whatever the snapshot (the run may still change the
 * template, or be re-snapshotting it), and nothing new is started: a run that failed or was
 * cancelled fails this wait, as a dependant of a failed guest must not build it again.
 */
import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { lxcWorkflowId } from '../../shared/workflow-ids';
import type { StepOutcome } from '../../shared/progress';
import { PhoenixId, PhoenixKind } from '../../shared/search-attributes';
import { classified, permanent } from '../common/classify';
import { awaitWorkflowRun } from '../common/await-workflow';
import { cancellation } from '../common/heartbeat';
import { readWithRetry } from '../common/read-retry';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import type { TemplateReadyInput } from './types';

export function createEnsureLxcTemplateReady(deps: ProvisioningDeps) {
  // Retried in place: these reads frame a long wait (see read-retry.ts).
  const snapshotExists = (ctid: number, snapshot: string, node?: string) => readWithRetry(() => readSnapshotExists(ctid, snapshot, node), cancellation());

  async function readSnapshotExists(ctid: number, snapshot: string, node: string | undefined): Promise<boolean> {
    const pve = await deps.pve();
    const { api } = await deps.connection();
    const ct = pve.node(node ?? api.node).lxc(ctid);
    const presence = await ct.presence();
    if (presence.state !== 'present') return false;
    return (await ct.snapshots()).some((s) => s.name === snapshot);
  }

  return async function ensureLxcTemplateReady({ ctid, snapshot, node, copyOf, afterItsRun }: TemplateReadyInput): Promise<StepOutcome> {
    return classified('ensure the template is built', `template CT ${ctid}`, async () => {
      if (afterItsRun) return afterRunInProgress(ctid, snapshot, node);
      if (await snapshotExists(ctid, snapshot, node)) return { changed: false, summary: `template ${ctid}@${snapshot} is ready` };

      // One workflow id per template and node (a copy has its own ID): racing leaves join one build.
      const workflowId = lxcWorkflowId(ctid);
      const handle = await deps.temporal().workflow.start('provisionLxc', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [copyOf !== undefined && node !== undefined ? { ctid, node, copyOf } : { ctid }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: PhoenixId, value: String(ctid) },
          { key: PhoenixKind, value: 'lxc' },
        ],
        staticSummary: copyOf !== undefined ? `Copy ${ctid} of template CT ${copyOf} on ${node} (needed by a clone)` : `Template CT ${ctid} (needed by a clone)`,
      });
      await awaitBuild(handle, `waiting for ${workflowId} (${handle.firstExecutionRunId})`, 'failed', ctid, snapshot, node);
      return { changed: true, summary: `built template ${ctid}@${snapshot} (${workflowId})` };
    });
  };

  /** Waits for the template's build run, then wants its snapshot; a run that did not succeed is PhoenixTemplateFailed. */
  async function awaitBuild(handle: WorkflowHandle, state: string, failedWord: string, ctid: number, snapshot: string, node: string | undefined): Promise<void> {
    try {
      // The template build is shared: cancelling this wait must not cancel it.
      await awaitWorkflowRun(handle, state);
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        throw permanent(`the build of template CT ${ctid} (${handle.workflowId}) ${failedWord}: ${err.cause?.message ?? err.message}`, 'PhoenixTemplateFailed');
      }
      throw err;
    }
    if (!(await snapshotExists(ctid, snapshot, node))) {
      throw permanent(`${handle.workflowId} finished but CT ${ctid} has no snapshot '${snapshot}'`);
    }
  }

  /** Waits for the template's latest run (the one `up` started, never a new one), then wants its snapshot. */
  async function afterRunInProgress(ctid: number, snapshot: string, node: string | undefined): Promise<StepOutcome> {
    const workflowId = lxcWorkflowId(ctid);
    await awaitBuild(deps.temporal().workflow.getHandle(workflowId), `waiting for ${workflowId}`, 'did not succeed', ctid, snapshot, node);
    return { changed: false, summary: `template ${ctid}@${snapshot} is ready (after ${workflowId})` };
  }
}
