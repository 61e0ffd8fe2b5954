/**
 * Every activity runs its body through `classified`, so whatever the client layers throw
 * reaches Temporal as an ApplicationFailure: transient (locks, 5xx, dropped connections)
 * retried with backoff, permanent (bad parameters, permissions, a failed guest job) failed
 * fast, with a message naming the operation and the guest.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../../config';
import { toApplicationFailure } from '../../proxmox/application-failure';

export async function classified<T>(operation: string, guest: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ConfigError) {
      throw ApplicationFailure.nonRetryable(`${operation} (${guest}): invalid configuration:\n${err.message}`, 'PhoenixInvalidConfig');
    }
    throw toApplicationFailure(err, { operation, guest });
  }
}

export function permanent(message: string, type = 'PhoenixStateConflict'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
