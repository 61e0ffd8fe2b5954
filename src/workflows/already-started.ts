import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

/**
 * True when starting a child failed because a run of that workflow id is already in progress
 * (someone else's `start`, or a template build). The SDK's instanceof is symbol-based, so it
 * holds across the workflow sandbox's copies of @temporalio/common; no name check is needed.
 */
export function isAlreadyStarted(err: unknown): boolean {
  return err instanceof WorkflowExecutionAlreadyStartedError;
}
