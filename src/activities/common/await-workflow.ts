/**
 * Waiting, inside an activity, for another workflow run to close (a template build, a guest's
 * provisioning started elsewhere). One implementation for every such wait, so they heartbeat
 * and cancel alike:
 *
 * - heartbeats every min(5 s, heartbeat timeout / 4), so even a short PHOENIX_HEARTBEAT_TIMEOUT
 *   never times the wait out;
 * - a cancelled activity stops waiting at once (CancelledFailure) and leaves the awaited run
 *   alone: it belongs to whoever started it (a `start`, another clone), and cancelling this
 *   wait must not cancel a shared build;
 * - the awaited run's failure (or cancellation) comes back as `WorkflowFailedError`, for the
 *   caller to word.
 */
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { cancellation, heartbeat } from './heartbeat';

const HEARTBEAT_EVERY_MS = 5_000;

/** How often a wait heartbeats under the given heartbeat timeout. */
export function heartbeatInterval(heartbeatTimeoutMs: number | undefined): number {
  return Math.max(50, Math.min(HEARTBEAT_EVERY_MS, (heartbeatTimeoutMs ?? Infinity) / 4));
}

export async function awaitWorkflowRun(handle: WorkflowHandle, state: string): Promise<unknown> {
  heartbeat({ state });
  const ticker = setInterval(() => heartbeat({ state }), heartbeatInterval(Context.current().info.heartbeatTimeoutMs));
  try {
    return await Promise.race([handle.result(), cancelled(cancellation(), state)]);
  } finally {
    clearInterval(ticker);
  }
}

function cancelled(signal: AbortSignal, state: string): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new CancelledFailure(`${state}: the wait was cancelled (the run goes on)`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
