/**
 * Re-reads after a transient failure (5xx, lock timeout, dropped connection) inside the
 * attempt. For idempotent reads that frame a long wait: failing the attempt for one flaky
 * GET would throw the wait away and let Temporal's growing backoff (up to 30 s) delay the
 * step long after the thing it waited for was done.
 */
import { PveError } from '../../proxmox/errors';
import { SshError } from '../../ssh/errors';
import { sleep } from './sleep';

export async function readWithRetry<T>(read: () => Promise<T>, signal: AbortSignal, tries = 5, pauseMs = 500): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const transient = (err instanceof PveError || err instanceof SshError) && err.transient;
      if (!transient || attempt >= tries) throw err;
      await sleep(pauseMs * attempt, signal);
    }
  }
}

/**
 * Reads again, for as long as `patienceMs` of failures in a row, while the reads fail with
 * transient errors (5xx, resets, dropped SSH connections), heartbeating what happened. For the
 * reads a long wait polls with: on a flaky host (half the calls failing) the wait completes
 * within its attempt instead of spending the step's retries; a host that is down for longer
 * fails the attempt, and the step's retry deadline takes over.
 */
export async function readPatiently<T>(
  read: () => Promise<T>,
  opts: { signal: AbortSignal; onRetry?: (err: Error, failingMs: number) => void; patienceMs?: number; pauseMs?: number },
): Promise<T> {
  const patienceMs = opts.patienceMs ?? 5 * 60_000;
  let failingSince: number | undefined;
  for (let failures = 0; ; failures++) {
    try {
      return await read();
    } catch (err) {
      const transient = (err instanceof PveError || err instanceof SshError) && err.transient;
      failingSince ??= Date.now();
      if (!transient || Date.now() - failingSince > patienceMs) throw err;
      opts.onRetry?.(err as Error, Date.now() - failingSince);
      await sleep(Math.min((opts.pauseMs ?? 500) * (failures + 1), 2_000), opts.signal);
    }
  }
}
