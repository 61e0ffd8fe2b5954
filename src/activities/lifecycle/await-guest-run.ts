/**
 * `phoenixUp` starts each guest's workflow as a child; when a run of that id is already in
 * progress (a `start` began it), a child cannot join it, so the parent waits for that run here,
 * like ensureLxcTemplateReady does for a template build. `rebuildTemplates` waits the same way for
 * a template whose run is busy. Cancelling the wait does not cancel the run: it belongs to whoever
 * started it.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { awaitWorkflowRun } from '../common/await-workflow';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { failedStepOf } from '../../shared/step-failure';

export interface AwaitGuestRunInput {
  workflowId: string;
}

export function createAwaitGuestRun(deps: Pick<ProvisioningDeps, 'temporal'>) {
  return async function awaitGuestRun({ workflowId }: AwaitGuestRunInput): Promise<{ workflowId: string }> {
    return classified('wait for the run in progress', workflowId, async () => {
      try {
        await awaitWorkflowRun(deps.temporal().workflow.getHandle(workflowId), `waiting for ${workflowId}`);
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          const step = failedStepOf(err.cause);
          throw ApplicationFailure.create({
            type: 'PhoenixStepFailed',
            nonRetryable: true,
            message: err.cause?.message ?? err.message,
            details: step ? [{ step }] : [],
          });
        }
        throw err;
      }
      return { workflowId };
    });
  };
}
