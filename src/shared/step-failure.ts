/**
 * Which step a run failed at. The step tracker (src/workflows/step-tracker.ts) fails a run with
 * a PhoenixStepFailed ApplicationFailure whose first detail is `{ step, ... }`; whoever reads
 * that failure later (phoenixUp about a child, the CLI following a run, the activity waiting for
 * someone else's run) finds the step here, wherever in the cause chain it sits.
 */
export function failedStepOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const details = (current as { details?: unknown[] }).details;
    const step = (details?.[0] as { step?: unknown } | undefined)?.step;
    if (typeof step === 'string') return step;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
