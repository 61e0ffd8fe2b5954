/**
 * Every activity runs its body through `classified`, so whatever the client layers throw
 * reaches Temporal as an ApplicationFailure: transient (locks, 5xx, dropped connections)
 * retried with backoff, permanent (bad parameters, permissions, a failed guest job) failed
 * fast, with a message naming the operation and the guest.
 *
 * A cancelled activity is the exception: whatever its body threw once the cancellation
 * signal fired (the SDK's CancelledFailure, an AbortError, a connection closed under it)
 * leaves as a CancelledFailure, which the SDK reports as "cancelled" rather than as a
 * retryable failure.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ConfigError } from '../../config';
import { toApplicationFailure } from './application-failure';
import { PveNetwork } from '../../proxmox/errors';
import { SshDisconnected } from '../../ssh/errors';

export async function classified<T>(operation: string, guest: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const cancelled = cancelledActivity(err);
    if (cancelled) throw cancelled;
    if (err instanceof ConfigError) {
      throw ApplicationFailure.nonRetryable(`${operation} (${guest}): invalid configuration:\n${err.message}`, 'PhoenixInvalidConfig');
    }
    throw withTransportDelay(err, toApplicationFailure(err, { operation, guest }));
  }
}

/**
 * A dropped connection (SSH cut off, API connection refused or reset) is retried sooner than
 * the presets' backoff, which grows to 30 s: 1, 2, 4, 8 s, then every 10 s, jittered. The
 * step's retry deadline still bounds the whole; other transient failures (5xx, locks) keep
 * the growing backoff, since a busy host needs the breathing room.
 */
function withTransportDelay(err: unknown, failure: ApplicationFailure): ApplicationFailure {
  if (failure.nonRetryable || !(err instanceof SshDisconnected || err instanceof PveNetwork)) return failure;
  let attempt: number;
  try {
    attempt = Context.current().info.attempt;
  } catch {
    return failure; // not in an activity
  }
  const delayMs = Math.round(Math.min(1_000 * 2 ** (attempt - 1), 10_000) * (0.5 + Math.random() / 2));
  return ApplicationFailure.create({
    message: failure.message,
    type: failure.type ?? undefined,
    details: failure.details ?? [],
    ...(failure.cause ? { cause: failure.cause } : {}),
    nextRetryDelay: delayMs,
  });
}

/** The CancelledFailure to throw when the running activity has been cancelled, else undefined. */
function cancelledActivity(err: unknown): CancelledFailure | undefined {
  let signal: AbortSignal;
  try {
    signal = Context.current().cancellationSignal;
  } catch {
    return err instanceof CancelledFailure ? err : undefined; // not in an activity (a unit test calling the body)
  }
  if (!signal.aborted) return undefined;
  if (err instanceof CancelledFailure) return err;
  const reason: unknown = signal.reason;
  return reason instanceof CancelledFailure ? reason : new CancelledFailure(typeof reason === 'string' ? reason : 'activity cancelled');
}

export function permanent(message: string, type = 'PhoenixStateConflict'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
