/**
 * Follows provisioning runs until they finish, reporting each step as it starts and ends.
 * It follows the guest and the templates it is cloned from (their builds run as their own
 * workflows), so a `start 950` on a fresh host shows 900, 901 and 920 being built.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { progressQuery, type GuestProgress, type StepProgress } from '../../shared/progress';

export interface StepEvent {
  workflowId: string;
  id: number;
  kind: 'lxc' | 'vm';
  step: StepProgress;
}

export interface FollowOutcome {
  ok: boolean;
  result?: unknown;
  /** The failure message, naming the guest and the step. */
  error?: string;
  failedStep?: string;
}

export interface FollowOptions {
  /** Workflows to watch besides the target (the template chain), by id. */
  related: readonly string[];
  onStep(event: StepEvent): void;
  /** The running step's live state (a guest job's log tail, a task state), when it changes. */
  onDetail?(workflowId: string, detail: string): void;
  pollMs?: number;
}

export async function follow(client: Client, target: WorkflowHandle, options: FollowOptions): Promise<FollowOutcome> {
  const seen = new Map<string, string>(); // `${workflowId}/${step}` → state
  const details = new Map<string, string>();
  const watched = [target.workflowId, ...options.related.filter((id) => id !== target.workflowId)];
  let done = false;
  const result = target
    .result()
    .then((value): FollowOutcome => ({ ok: true, result: value }))
    .catch((err): FollowOutcome => failureOf(err))
    .finally(() => (done = true));

  const poll = async () => {
    for (const workflowId of watched) {
      const handle = client.workflow.getHandle(workflowId);
      let progress: GuestProgress;
      try {
        progress = await handle.query(progressQuery);
      } catch {
        continue; // not started yet, or not queryable: look again next round
      }
      for (const step of progress.steps) {
        const key = `${workflowId}/${step.name}`;
        if (step.state === 'pending' || seen.get(key) === step.state) continue;
        seen.set(key, step.state);
        options.onStep({ workflowId, id: progress.id, kind: progress.kind, step });
      }
      if (options.onDetail && progress.current) {
        const detail = await runningDetail(handle).catch(() => undefined);
        if (detail && details.get(workflowId) !== detail) {
          details.set(workflowId, detail);
          options.onDetail(workflowId, detail);
        }
      }
    }
  };

  while (!done) {
    await poll();
    await Promise.race([result, new Promise((r) => setTimeout(r, options.pollMs ?? 1000))]);
  }
  await poll().catch(() => undefined); // the final states
  return result;
}

/** The heartbeat details of the running activity (what the step is doing right now). */
async function runningDetail(handle: WorkflowHandle): Promise<string | undefined> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.[0];
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  const details = defaultPayloadConverter.fromPayload<{ state?: string; logTail?: string }>(payload);
  const lastLog = details.logTail?.trim().split('\n').pop();
  return [details.state, lastLog].filter(Boolean).join(' | ') || undefined;
}

function failureOf(err: unknown): FollowOutcome {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause as (Error & { details?: unknown[] }) | undefined;
    const step = (cause?.details?.[0] as { step?: string } | undefined)?.step;
    return { ok: false, error: cause?.message ?? err.message, ...(step ? { failedStep: step } : {}) };
  }
  return { ok: false, error: err instanceof Error ? err.message : String(err) };
}
