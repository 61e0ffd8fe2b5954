/**
 * The innermost useful message of a Temporal failure chain: an ActivityFailure wraps the
 * ApplicationFailure the activity threw, whose message is what a person needs to read.
 */
export function describeFailure(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message && !/^Activity task (failed|timed out)$/.test(current.message)) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}
