/**
 * Activity options, grouped by the kind of work. Numbers are generous on purpose: a real
 * hypervisor under load answers slowly, and a failed step costs an operator far more than
 * a patient one. Transient failures (locks, 5xx, dropped connections) retry with backoff;
 * activities mark permanent ones non-retryable themselves.
 *
 * The retry budget is a deadline in time, not a count: a step retries transient failures
 * until its own longest attempt (startToClose) plus the retry deadline has passed since it was
 * scheduled. A count of 10 or 20 attempts at a 30 s backoff ran out in 3-8 minutes of API or
 * SSH outage, failing runs that would have completed; an hour-long outage is now waited out.
 * PHOENIX_RETRY_DEADLINE changes the deadline (carried in the plan, so workflows stay
 * deterministic); the plan-loading step itself uses the default.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';

/** How long a step keeps retrying transient failures beyond its own attempt time. */
export const DEFAULT_RETRY_DEADLINE = '2h';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
} as const;

/** The preset with its schedule-to-close deadline: its startToClose plus the retry deadline. */
function withDeadline(preset: ActivityOptions, retryDeadline: string = DEFAULT_RETRY_DEADLINE): ActivityOptions {
  const total = msToNumber(preset.startToCloseTimeout!) + msToNumber(retryDeadline as Parameters<typeof msToNumber>[0]);
  return { ...preset, scheduleToCloseTimeout: total };
}

/** Reads and small synchronous API/SSH calls: config, status, config writes. */
export const quickStep: ActivityOptions = withDeadline({
  startToCloseTimeout: '2m',
  retry,
});

/**
 * Read-only inspection a person is waiting for (`phoenix-client plan`): nothing is half done
 * if it gives up, so a few minutes of retries, then the error, rather than the steps' deadline.
 */
export const personWaitingRead: ActivityOptions = {
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '5m',
  retry,
};

/** A long step that heartbeats: a crashed worker's attempt is retried within a minute. */
function heartbeating(startToCloseTimeout: ActivityOptions['startToCloseTimeout']): ActivityOptions {
  return withDeadline({ startToCloseTimeout, heartbeatTimeout: '30s', retry });
}

/**
 * One Proxmox task (create, clone, start, snapshot) and its wait. The heartbeat lets a
 * crashed worker's attempt be retried within a minute; the retry re-attaches to the
 * running task instead of sending the request again.
 */
export const proxmoxTask: ActivityOptions = heartbeating('30m');

/**
 * A script running in a guest as a detached job (an NVIDIA driver install can take a
 * quarter of an hour). The job survives the worker; the retried activity re-attaches.
 */
export const guestJob: ActivityOptions = heartbeating('3h');

/**
 * Waiting for another workflow (a template build) to finish. An attempt also reads the
 * template's snapshots before and after the wait, so a flaky API fails attempts; a retry
 * only re-joins the build, so allow as many as a Proxmox task step does.
 */
export const templateWait: ActivityOptions = heartbeating('12h');

/**
 * Health checks retry inside the activity (the config says how often). A retried attempt (a
 * dropped SSH connection, a crashed worker) continues the try count from its heartbeat, so
 * retrying until the deadline grants no extra tries to a failing check.
 */
export const healthProbe: ActivityOptions = heartbeating('30m');

/**
 * A preset with the worker's heartbeat-timeout override (from the plan) applied, for
 * presets that heartbeat at all. A shorter timeout makes a crashed worker's step retry
 * sooner; the activities heartbeat well within any timeout of a few seconds.
 */
export function withHeartbeatTimeout(preset: ActivityOptions, heartbeatTimeout: string | undefined, retryDeadline?: string): ActivityOptions {
  return withWorkerTimeouts(preset, { heartbeatTimeout, retryDeadline });
}

/** The worker's overrides (from the plan): heartbeat timeout of heartbeating presets, retry deadline of all. */
export function withWorkerTimeouts(preset: ActivityOptions, over: { heartbeatTimeout?: string | undefined; retryDeadline?: string | undefined }): ActivityOptions {
  let out = preset;
  if (over.heartbeatTimeout && preset.heartbeatTimeout) out = { ...out, heartbeatTimeout: over.heartbeatTimeout as ActivityOptions['heartbeatTimeout'] };
  if (over.retryDeadline) out = withDeadline(out, over.retryDeadline);
  return out;
}

/**
 * patched() id of the trust preflight (verifyTrust after load_plan). Runs recorded before it
 * replay without the call; kept until every such run has finished (then deprecatePatch).
 */
export const PREFLIGHT_TRUST_PATCH = 'phoenix-preflight-trust';
