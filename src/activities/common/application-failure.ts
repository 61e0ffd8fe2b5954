// Maps Phoenix's classified PVE / SSH errors to Temporal ApplicationFailures, so activity
// retry policies do the right thing: transient (locks, 5xx, dropped connections) retry
// with backoff; bad parameters, permissions, auth, TLS pins fail fast as non-retryable.
// Part of the activities' error classification (classify.ts): the client layers below
// (src/proxmox, src/ssh) only throw their typed errors and know nothing of Temporal.
import { ApplicationFailure } from '@temporalio/common';
import { PveError } from '../../proxmox/errors';
import { SshError } from '../../ssh/errors';

export interface FailureContext {
  /** What was being done, e.g. `clone CT 900 to 950`. */
  operation: string;
  /** The guest concerned, e.g. `CT 950 (vllm-qwen) on pve`. */
  guest?: string;
}

/**
 * Converts `err` into an ApplicationFailure whose message says which operation on which
 * guest failed and what PVE (or the remote command) said. The failure `type` is the error
 * class name (`PveLocked`, `SshCommandFailed`, ...) so retry policies can list
 * non-retryable types too. Errors that are already ApplicationFailures pass through.
 */
export function toApplicationFailure(err: unknown, ctx: FailureContext): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const where = ctx.guest ? `${ctx.operation} (${ctx.guest})` : ctx.operation;
  if (err instanceof PveError || err instanceof SshError) {
    const message = `${where} failed: ${err.message}`;
    const details = err instanceof PveError ? [{ status: err.status, reason: err.reason, paramErrors: err.paramErrors, task: err.task }] : [];
    return err.transient
      ? ApplicationFailure.retryable(message, err.name, ...details)
      : ApplicationFailure.nonRetryable(message, err.name, ...details);
  }
  // Unclassified (a bug, or something unexpected): let Temporal's retry policy decide.
  const text = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ message: `${where} failed: ${text}`, type: err instanceof Error ? err.name : 'Error', cause: err instanceof Error ? err : undefined });
}
