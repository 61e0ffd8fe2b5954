/**
 * The task queue Phoenix workers poll and clients start workflows on.
 *
 * One queue serves every workflow and activity: a single worker usually drives a
 * few hypervisors, so splitting queues would add routing without adding capacity.
 * Operators running several Phoenix installations against one namespace give each
 * its own queue through `PHOENIX_TASK_QUEUE`.
 *
 * Bundled into workflow code: keep this file free of Node built-ins and I/O.
 * Callers outside workflows pass `process.env`; workflows receive the queue name
 * from their input or `workflowInfo().taskQueue`.
 */
export const DEFAULT_TASK_QUEUE = 'phoenix';

export function taskQueueFrom(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.PHOENIX_TASK_QUEUE?.trim();
  return configured ? configured : DEFAULT_TASK_QUEUE;
}
