/**
 * `phoenixUp` starts each guest's workflow as a child; when a run of that id is already in
 * progress (a `start` began it), a child cannot join it, so the parent waits for that run here,
 * heartbeating, like ensureLxcTemplateReady does for a template build. Cancelling the wait does
 * not cancel the run: it belongs to whoever started it.
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { classified } from '../common/classify';
import { cancellation, heartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

const HEARTBEAT_EVERY_MS = 5_000;

export interface AwaitGuestRunInput {
  workflowId: string;
}

export function createAwaitGuestRun(deps: Pick<ProvisioningDeps, 'temporal'>) {
  return async function awaitGuestRun({ workflowId }: AwaitGuestRunInput): Promise<{ workflowId: string }> {
    return classified('wait for the run in progress', workflowId, async () => {
      const handle = deps.temporal().workflow.getHandle(workflowId);
      heartbeat({ state: `waiting for ${workflowId}` });
      const every = Math.min(HEARTBEAT_EVERY_MS, (Context.current().info.heartbeatTimeoutMs ?? Infinity) / 4);
      const ticker = setInterval(() => heartbeat({ state: `waiting for ${workflowId}` }), every);
      try {
        await Promise.race([handle.result(), cancelled(cancellation())]);
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          const cause = err.cause as (Error & { details?: unknown[] }) | undefined;
          const step = (cause?.details?.[0] as { step?: string } | undefined)?.step;
          throw ApplicationFailure.create({
            type: 'PhoenixStepFailed',
            nonRetryable: true,
            message: cause?.message ?? err.message,
            details: step ? [{ step }] : [],
          });
        }
        throw err;
      } finally {
        clearInterval(ticker);
      }
      return { workflowId };
    });
  };
}

function cancelled(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new CancelledFailure('waiting for the run was cancelled'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
