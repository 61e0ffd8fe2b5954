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
