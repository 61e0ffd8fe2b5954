/**
 * Heartbeating for long activities. Details carry what a retried attempt needs to
 * re-attach (a Proxmox UPID, a guest job id) plus a short human-readable state that
 * `phoenix-client status` and the Web UI show for the running step.
 */
import { Context } from '@temporalio/activity';

export interface StepHeartbeat {
  /** Proxmox task this attempt is waiting on. */
  upid?: string;
  /** Guest job this attempt is waiting on. */
  jobId?: string;
  state?: string;
  /** Last lines of the job's log, for the progress view. */
  logTail?: string;
  /** Health checks: which check, and how many of its tries are spent (a retry continues the count). */
  probe?: { check: number; attempt: number };
}

/** What each running activity heartbeated last, so a beat between its own ones repeats it. */
const lastDetails = new WeakMap<Context, object>();

/** Heartbeats `details` (a StepHeartbeat, or a step's own shape such as the reboot's). */
export function heartbeat<T extends object = StepHeartbeat>(details: T): void {
  const ctx = Context.current();
  lastDetails.set(ctx, details);
  ctx.heartbeat(details);
}

/**
 * Heartbeats the details the activity sent last (never replacing them, so a retry still finds
 * its job id or probe count), for waits inside a layer that knows nothing of the step, such as
 * reconnecting SSH. Does nothing outside an activity.
 */
export function heartbeatAgain(): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.heartbeat(lastDetails.get(ctx) ?? ctx.info.heartbeatDetails);
}

/** The details the previous attempt heartbeated, if this is a retry. */
export function previousHeartbeat(): StepHeartbeat | undefined {
  const details = Context.current().info.heartbeatDetails as StepHeartbeat | undefined;
  return details && typeof details === 'object' ? details : undefined;
}

export function cancellation(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** A progress callback for the client layers' waits, heartbeating each poll. */
export function heartbeatingProgress(base: StepHeartbeat) {
  return (p: { what: string; state: string; elapsedMs: number }) =>
    heartbeat({ ...base, state: `${p.what}: ${p.state} (${Math.round(p.elapsedMs / 1000)} s)` });
}
