/**
 * Watches a reliability round for a workflow task failed for nondeterminism. Such a run is stuck
 * (every retry of its task fails the same way), and the round would wait for it until CI's budget
 * ran out; the watch ends the round at once, naming the run and the error.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const NON_DETERMINISTIC = temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR;
const LOOK_EVERY_MS = 5_000;

export interface NondeterminismWatch {
  /** Rejects with the first run found failing for nondeterminism; never resolves. */
  found: Promise<never>;
  stop(): void;
}

/** Looks every few seconds at the open runs started since `since`. Unreachable servers (an outage round) are looked at again later. */
export function watchForNondeterminism(address: string, namespace: string, since: Date): NondeterminismWatch {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const found = new Promise<never>((_, reject) => {
    const look = async () => {
      const failure = await firstNondeterministicRun(address, namespace, since).catch(() => undefined);
      if (stopped) return;
      if (failure) reject(new Error(`${failure.workflowId} failed a workflow task for nondeterminism (it would hang): ${failure.message}`));
      else timer = setTimeout(() => void look(), LOOK_EVERY_MS);
    };
    timer = setTimeout(() => void look(), LOOK_EVERY_MS);
  });
  found.catch(() => undefined); // a caller that stopped racing it is not told
  return {
    found,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

async function firstNondeterministicRun(address: string, namespace: string, since: Date): Promise<{ workflowId: string; message: string } | undefined> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    for await (const run of client.workflow.list({ query: `ExecutionStatus = 'Running' AND StartTime >= '${since.toISOString()}'` })) {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes?.cause === NON_DETERMINISTIC);
      if (failed) return { workflowId: run.workflowId, message: failed.workflowTaskFailedEventAttributes?.failure?.message ?? '' };
    }
    return undefined;
  } finally {
    await connection.close();
  }
}
