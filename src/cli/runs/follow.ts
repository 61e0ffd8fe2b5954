/**
 * Follows provisioning runs until they finish, reporting each step as it starts and ends.
 * It follows the guest and the templates it is cloned from (their builds run as their own
 * workflows), so a `start 950` on a fresh host shows 900, 901 and 920 being built.
 *
 * Only the runs of this invocation: the target run (started or joined), and the runs of the
 * related ids that were in progress at some point while the target ran. A template built long
 * before is not replayed ("snapshot taken" next to "nothing changed"). Several follows in one invocation share a
 * `FollowState`, so a template two leaves need is reported once. A run that has closed is
 * queried once more for its final states, then never again (each query of a closed run makes a
 * worker replay its whole history); a run that completed is not queried at all: its result
 * carries its final states (read from its close event, which needs no worker). A fleet run (`up`) names its running and settled children in
 * one query, so the follower looks only at those, several at a time, and stops as soon as the
 * fleet run closes (one last look at the children it had not yet seen closed).
 *
 * Temporal going away is not the run failing: the wait for the result reconnects, with a
 * visible line, for up to `reconnectForMs`, and a run whose end was not seen is reported as
 * such, never as failed.
 */
import { ServiceError, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { progressQuery, type GuestProgress, type StepProgress } from '../../shared/progress';
import { failedStepOf } from '../../shared/step-failure';

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
  /** The run was cancelled (an outcome, not a failure of a step). */
  cancelled?: boolean;
  /** Temporal stayed unreachable: how the run ended was not seen. */
  unseen?: boolean;
}

/** What a set of follows in one invocation has already reported. */
export interface FollowState {
  /** `${workflowId}/${runId}/${step}` → last reported state. */
  seen: Map<string, string>;
  details: Map<string, string>;
  /** Runs (`${workflowId}/${runId}`) whose final states have been read. */
  finished: Set<string>;
}

export function followState(): FollowState {
  return { seen: new Map(), details: new Map(), finished: new Set() };
}

export interface FollowOptions {
  /** Workflows to watch besides the target (the template chain), by id. */
  related: readonly string[];
  onStep(event: StepEvent): void;
  /** The running step's live state (a guest job's log tail, a task state), when it changes. */
  onDetail?(workflowId: string, detail: string): void;
  /** Temporal is unreachable (a line to show), and again with undefined once it is back. */
  onConnection?(problem: string | undefined): void;
  pollMs?: number;
  /** How long to keep reconnecting to an unreachable Temporal (default one hour). */
  reconnectForMs?: number;
  /** Shared by the follows of one invocation. */
  state?: FollowState;
  /**
   * The target is a fleet run (`phoenixUp`) that names its children: each round asks it which
   * children run or settled, and only those are looked at (a child not started yet is not asked,
   * a child already reported closed is never asked again). The target itself has no steps.
   */
  children?: (target: WorkflowHandle) => Promise<{ running: string[]; settled: string[] }>;
}

/** Runs looked at at once (each look is one or two calls to Temporal). */
const POLL_PARALLELISM = 8;

const DEFAULT_RECONNECT_MS = 60 * 60 * 1000;

export async function follow(client: Client, target: WorkflowHandle, options: FollowOptions): Promise<FollowOutcome> {
  const state = options.state ?? followState();
  let targetStart = Number.POSITIVE_INFINITY; // the target run's start time, once read
  const related = options.related.filter((id) => id !== target.workflowId);
  let done = false;
  const result = waitForResult(target, options).finally(() => (done = true));

  /** Reports the steps of a run's progress that changed since last reported. */
  const report = (workflowId: string, key: string, progress: GuestProgress) => {
    for (const step of progress.steps) {
      const stepKey = `${key}/${step.name}`;
      if (step.state === 'pending' || state.seen.get(stepKey) === step.state) continue;
      state.seen.set(stepKey, step.state);
      options.onStep({ workflowId, id: progress.id, kind: progress.kind, step });
    }
  };

  let targetKey: string | undefined; // `${workflowId}/${runId}` of the target run, once read

  /** Reads one run's progress and reports what changed; returns whether the run has closed. */
  const pollRun = async (workflowId: string, runId: string | undefined): Promise<boolean> => {
    if (workflowId === target.workflowId && targetKey !== undefined && state.finished.has(targetKey)) return true;
    const handle = client.workflow.getHandle(workflowId, runId);
    const description = await handle.describe();
    const key = `${workflowId}/${description.runId}`;
    if (state.finished.has(key)) return true;
    const closed = description.status.name !== 'RUNNING';
    if (workflowId === target.workflowId) {
      targetStart = Math.min(targetStart, description.startTime.getTime());
      targetKey = key;
    }
    else if (!Number.isFinite(targetStart)) return false; // our run not read yet: decide next round
    else if (closed && (description.closeTime?.getTime() ?? 0) < targetStart) {
      state.finished.add(key); // a run that ended before ours began: not part of this one
      return true;
    }
    // The fleet run has closed: a child still running (abandoned by a cancelled run) is not asked
    // any more; a query could wait as long as that child's worker is busy or gone.
    if (!closed && done && options.children) return false;
    const run = client.workflow.getHandle(workflowId, description.runId);
    const progress = (closed ? await closedProgress(run, description.status.name) : undefined) ?? (await run.query(progressQuery));
    report(workflowId, key, progress);
    if (closed) {
      state.finished.add(key);
      return true;
    }
    if (options.onDetail && progress.current) {
      const detail = runningDetail(description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]);
      if (detail && state.details.get(workflowId) !== detail) {
        state.details.set(workflowId, detail);
        options.onDetail(workflowId, detail);
      }
    }
    return false;
  };

  const look = (workflowId: string, runId: string | undefined) =>
    pollRun(workflowId, runId).catch(() => false); // not started yet, not queryable, Temporal away: next round

  /** The runs worth a look this round: the target and its related runs, or what a fleet run names. */
  const targetRunId = (target as { firstExecutionRunId?: string }).firstExecutionRunId;
  const closedChildren = new Set<string>();
  const closedRelated = new Set<string>(); // related ids whose last look found their run closed
  const toLook = async (): Promise<Array<readonly [string, string | undefined]>> => {
    if (!options.children) {
      // Once the target has closed, a related run last seen closed gets no final look: a run of
      // it started after that is not part of this one.
      const relatedNow = done ? related.filter((id) => !closedRelated.has(id)) : related;
      return [[target.workflowId, targetRunId], ...relatedNow.map((id) => [id, undefined] as const)];
    }
    targetStart = 0; // a fleet run's children all belong to it
    const named = done ? undefined : await options.children(target).catch(() => undefined);
    // Once the fleet run has closed (or cannot answer), the children not yet seen closed get a last look.
    const ids = named ? [...named.running, ...named.settled] : related;
    return ids.filter((id) => !closedChildren.has(id)).map((id) => [id, undefined] as const);
  };

  const poll = async () => {
    let runs = await toLook();
    if (!options.children && !Number.isFinite(targetStart) && runs.length > 1) {
      // The target first: the related runs are judged against its start (one that ended before
      // it is not part of it), so they are decided this round rather than the next.
      await look(runs[0]![0], runs[0]![1]);
      runs = runs.slice(1);
    }
    for (let i = 0; i < runs.length; i += POLL_PARALLELISM) {
      await Promise.all(
        runs.slice(i, i + POLL_PARALLELISM).map(async ([workflowId, runId]) => {
          const closed = await look(workflowId, runId);
          if (options.children) {
            if (closed) closedChildren.add(workflowId);
          } else if (workflowId !== target.workflowId) {
            if (closed) closedRelated.add(workflowId);
            else closedRelated.delete(workflowId);
          }
        }),
      );
      if (done && !options.children) break; // the target closed: its final look comes next
    }
  };

  // The round in flight when the run closes is aborted, then let finish before follow returns:
  // aborted, its calls end at once (a query of a busy run could otherwise hold the exit for
  // seconds after the run closed), and a call waiting to retry (Temporal away) must not fire after
  // the caller has closed the connection (it would throw from a timer inside the SDK's gRPC retry
  // interceptor, uncaught).
  const stopRounds = new AbortController();
  let round: Promise<void> = Promise.resolve();
  while (!done) {
    // The round and the pause both end as soon as the run closes.
    round = client.withAbortSignal(stopRounds.signal, poll).catch(() => undefined);
    await Promise.race([result, round]);
    if (done) break;
    // The pause's timer is cleared once the run closes: a pending timer would keep the process
    // alive for the rest of the pause after everything is done (up to a second at every exit).
    let pause: NodeJS.Timeout | undefined;
    await Promise.race([result, new Promise((r) => (pause = setTimeout(r, options.pollMs ?? 1000)))]);
    clearTimeout(pause);
  }
  stopRounds.abort();
  await round;
  // A completed run returns its steps' final states: no need to query it (a replay on a worker).
  const outcome = await result;
  const final = finalProgress(outcome);
  if (final && targetKey !== undefined && !options.children && !state.finished.has(targetKey)) {
    report(target.workflowId, targetKey, final);
    state.finished.add(targetKey);
  }
  await poll().catch(() => undefined); // the final states (of the related runs, and of a target that did not say)
  return outcome;
}

/**
 * A closed run's final step states without a query (each query of a closed run makes a worker
 * replay its whole history): a completed run returns them in its result, which the server reads
 * from the close event alone. Undefined for a run that did not complete, or whose result carries
 * none (runs recorded before it did): those are queried.
 */
async function closedProgress(handle: WorkflowHandle, status: string): Promise<GuestProgress | undefined> {
  if (status !== 'COMPLETED') return undefined;
  return finalProgress({ ok: true, result: await handle.result() });
}

/** The final progress a completed provisioning run returns (runs recorded before it did return none). */
function finalProgress(outcome: FollowOutcome): GuestProgress | undefined {
  const progress = outcome.ok ? (outcome.result as { progress?: GuestProgress } | null | undefined)?.progress : undefined;
  return progress && Array.isArray(progress.steps) ? progress : undefined;
}

/** The run's result; reconnects while Temporal is unreachable instead of calling the run failed. */
async function waitForResult(handle: WorkflowHandle, options: FollowOptions): Promise<FollowOutcome> {
  let lostSince: number | undefined;
  for (;;) {
    try {
      const value = await handle.result();
      if (lostSince !== undefined) options.onConnection?.(undefined);
      return { ok: true, result: value };
    } catch (err) {
      if (!temporalUnreachable(err)) {
        if (lostSince !== undefined) options.onConnection?.(undefined);
        return failureOf(err);
      }
      const now = Date.now();
      if (lostSince === undefined) {
        lostSince = now;
        options.onConnection?.(`Temporal is unreachable (${causeText(err)}); reconnecting, the run goes on without us…`);
      }
      if (now - lostSince > (options.reconnectForMs ?? DEFAULT_RECONNECT_MS)) {
        return {
          ok: false,
          unseen: true,
          error: `${handle.workflowId}: lost Temporal for ${Math.round((now - lostSince) / 1000)} s; how the run ended was not seen (it may well have completed): "phoenix-client status" tells`,
        };
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, options.pollMs ?? 2000)));
    }
  }
}

/** gRPC status codes of an unreachable or overloaded server: UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE. */
const TRANSIENT_CODES = new Set<number>([2, 4, 8, 13, 14]);

function temporalUnreachable(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && TRANSIENT_CODES.has(code);
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { details?: string; message?: string } }).cause;
  return (cause?.details || cause?.message || (err as Error).message || String(err)).split('\n')[0]!.slice(0, 120);
}

/** The heartbeat details of the running activity (what the step is doing right now). */
function runningDetail(payload: Parameters<typeof defaultPayloadConverter.fromPayload>[0] | undefined | null): string | undefined {
  if (!payload) return undefined;
  const details = defaultPayloadConverter.fromPayload<{ state?: string; logTail?: string }>(payload);
  const lastLog = details.logTail?.trim().split('\n').pop();
  return [details.state, lastLog].filter(Boolean).join(' | ') || undefined;
}

function failureOf(err: unknown): FollowOutcome {
  if (err instanceof WorkflowFailedError) {
    if (err.cause instanceof CancelledFailure) return { ok: false, cancelled: true, error: 'cancelled' };
    const step = failedStepOf(err.cause);
    return { ok: false, error: err.cause?.message ?? err.message, ...(step ? { failedStep: step } : {}) };
  }
  return { ok: false, error: err instanceof Error ? err.message : String(err) };
}
