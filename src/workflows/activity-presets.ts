/**
 * Activity options, grouped by the kind of work. Numbers are generous on purpose: a real
 * hypervisor under load answers slowly, and a failed step costs an operator far more than
 * a patient one. Transient failures (locks, 5xx, dropped connections) retry with backoff;
 * activities mark permanent ones non-retryable themselves.
 */
import type { ActivityOptions } from '@temporalio/workflow';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
} as const;

/** Reads and small synchronous API/SSH calls: config, status, config writes. */
export const quickStep: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { ...retry, maximumAttempts: 10 },
};

/**
 * One Proxmox task (create, clone, start, snapshot) and its wait. The heartbeat lets a
 * crashed worker's attempt be retried within a minute; the retry re-attaches to the
 * running task instead of sending the request again.
 */
export const proxmoxTask: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 20 },
};

/**
 * A script running in a guest as a detached job (an NVIDIA driver install can take a
 * quarter of an hour). The job survives the worker; the retried activity re-attaches.
 */
export const guestJob: ActivityOptions = {
  startToCloseTimeout: '3h',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 10 },
};

/**
 * Waiting for another workflow (a template build) to finish. An attempt also reads the
 * template's snapshots before and after the wait, so a flaky API fails attempts; a retry
 * only re-joins the build, so allow as many as a Proxmox task step does.
 */
export const templateWait: ActivityOptions = {
  startToCloseTimeout: '12h',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 20 },
};

/** Health checks retry inside the activity (the config says how often); one attempt here. */
export const healthProbe: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 2 },
};

/**
 * A preset with the worker's heartbeat-timeout override (from the plan) applied, for
 * presets that heartbeat at all. A shorter timeout makes a crashed worker's step retry
 * sooner; the activities heartbeat well within any timeout of a few seconds.
 */
export function withHeartbeatTimeout(preset: ActivityOptions, heartbeatTimeout: string | undefined): ActivityOptions {
  return heartbeatTimeout && preset.heartbeatTimeout ? { ...preset, heartbeatTimeout: heartbeatTimeout as ActivityOptions['heartbeatTimeout'] } : preset;
}

/**
 * patched() id of the trust preflight (verifyTrust after load_plan). Runs recorded before it
 * replay without the call; kept until every such run has finished (then deprecatePatch).
 */
export const PREFLIGHT_TRUST_PATCH = 'phoenix-preflight-trust';
