/**
 * The error an aborted wait throws: the signal's reason when it is an Error (an activity's
 * CancelledFailure), else an AbortError. Used by both client layers (src/proxmox, src/ssh),
 * which share nothing else, so it lives here rather than in either of them.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'wait aborted');
  err.name = 'AbortError';
  return err;
}

/** Sleeps `ms`; an abort of `signal` ends the sleep at once with abortError(signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
