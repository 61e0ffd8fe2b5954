/**
 * A workflow interceptor module (bundled with the workflows: `PHOENIX_WORKFLOW_INTERCEPTOR_MODULES`)
 * that hands a workflow the SDK's own promises of a child it starts: the start and the result,
 * which the SDK settles while it applies the start's and the end's jobs. `startChild` gives the
 * start only through its own awaits, and the result only once the start is through, so news read
 * from its handle reaches the caller a different number of microtasks after its job depending on
 * whether the child also started in that activation. A reaction on these promises runs exactly
 * one microtask after the job, so the reactions of one activation run in the order of its jobs,
 * which is their order in history (phoenixUp's per-event decisions rely on it).
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export type ChildPromisesListener = (started: Promise<string>, completed: Promise<unknown>) => void;

// One slot, not a map: `withChildPromises` fills it and the interceptor empties it within the same
// synchronous call to startChild, so no other run (sharing this module in a reused context) comes between.
let listener: ChildPromisesListener | undefined;

/** Calls `start` (which must call startChild once, synchronously) and hands that child's promises to `listen`. */
export function withChildPromises<T>(listen: ChildPromisesListener, start: () => T): T {
  listener = listen;
  try {
    const started = start();
    if (notHandedOver()) {
      // Not an ApplicationFailure: the workflow task fails and is retried, by a worker built right.
      throw new Error("the worker's workflow bundle lacks Phoenix's workflow interceptors (src/workflows/child-promises): bundle with PHOENIX_WORKFLOW_INTERCEPTOR_MODULES");
    }
    return started;
  } finally {
    listener = undefined;
  }
}

/** A function, not a read of `listener` inline: TypeScript would take it for still set since the assignment above. */
const notHandedOver = () => listener !== undefined;

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      startChildWorkflowExecution(input, next) {
        const listen = listener;
        listener = undefined;
        const promises = next(input);
        // The pair itself is already resolved: this reaction runs at the start, long before either job.
        if (listen) void promises.then(([started, completed]) => listen(started, completed));
        return promises;
      },
    },
  ],
});
