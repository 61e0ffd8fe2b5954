import { Connection } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until a freshly started server really serves: the frontend answers
 * getSystemInfo, the namespace exists, and every custom search attribute is
 * registered. The port opens before the namespace and search attributes are in
 * place, so checking only the socket lets the first workflow start fail.
 */
export interface ReadinessCheck {
  address: string;
  namespace: string;
  searchAttributes: readonly string[];
  timeoutMs: number;
  /** Stops polling, e.g. once the server process has died and nobody waits for readiness any more. */
  signal?: AbortSignal;
}

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 500;
const PER_CALL_TIMEOUT_MS = 2_000;

export async function waitUntilServing(check: ReadinessCheck): Promise<void> {
  const deadline = Date.now() + check.timeoutMs;
  let backoff = FIRST_BACKOFF_MS;
  let lastProblem = 'not contacted yet';
  for (;;) {
    check.signal?.throwIfAborted();
    const problem = await probe(check);
    if (problem === undefined) return;
    lastProblem = problem;
    if (Date.now() + backoff > deadline) {
      throw new Error(`not ready after ${check.timeoutMs} ms: ${lastProblem}`);
    }
    await sleep(backoff, undefined, { signal: check.signal });
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

/** One attempt; returns what is still missing, or undefined when ready. */
async function probe(check: ReadinessCheck): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    // Connection.connect itself calls getSystemInfo, so a returned connection means the frontend answers.
    connection = await Connection.connect({ address: check.address, connectTimeout: PER_CALL_TIMEOUT_MS });
    const deadline = () => new Date(Date.now() + PER_CALL_TIMEOUT_MS);
    await connection.withDeadline(deadline(), () =>
      connection!.workflowService.describeNamespace({ namespace: check.namespace }),
    );
    const { customAttributes } = await connection.withDeadline(deadline(), () =>
      connection!.operatorService.listSearchAttributes({ namespace: check.namespace }),
    );
    const missing = check.searchAttributes.filter((name) => !(name in (customAttributes ?? {})));
    return missing.length ? `search attributes not registered yet: ${missing.join(', ')}` : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
