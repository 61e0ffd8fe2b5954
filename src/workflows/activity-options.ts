import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Named activity option presets. Workflows pick one per kind of work instead of
 * setting numbers ad hoc, so a timeout is tuned in one place.
 */

/**
 * Answers from the worker's own memory (diagnostics): a second is plenty, so
 * 10 s only absorbs a busy event loop. Few retries: if the worker cannot answer
 * this three times, something is wrong that the operator must see quickly.
 */
export const quickLocal: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumAttempts: 3 },
};
