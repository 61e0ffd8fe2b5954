/**
 * The clone activity's wait for its source's clone slot: queue at the lock, ask through the lock's
 * `awaitCloneSlot` update, and ask again a little later while the answer is `queued` (since
 * clone-lock-update-window only the first few waiters block in the update: the server admits at
 * most 10 in flight per workflow run) or the server turns the update away for now (that limit
 * reached all the same, or the lock's run continuing-as-new under it). The place in the queue is
 * kept meanwhile: asking again is not a failed attempt.
 */
import { Context } from '@temporalio/activity';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { awaitCloneSlotUpdate, awaitCloneTurnUpdate, UPDATE_WINDOW, type CloneSlotAnswer, type CloneSlotTicket, type CloneTarget, type CloneTurnAnswer } from '../../shared/clone-lock';
import { sleep } from '../../shared/abort';
import { queueAtCloneLock } from './request-clone-slot';

/** gRPC's status code for a limit reached (the client's own retries of it gave up). */
const GRPC_RESOURCE_EXHAUSTED = 8;
/** A waiter asks again after this much per place outside the update window (a handoff takes about this long at best)... */
const ASK_AGAIN_PER_PLACE_MS = 100;
/** ...and at most this long, so a waiter notices soon enough that it moved into the window. */
const ASK_AGAIN_MAX_MS = 1_500;
/** After the server turned the update away: its in-flight updates finish within a workflow task or two. */
const TURNED_AWAY_MS = 250;

/** How long a waiter with `ahead` served before it waits before asking again; jittered by ±20 % so waiters spread out. */
export function askAgainDelayMs(ahead: number, random: () => number = Math.random): number {
  const base = Math.min(ASK_AGAIN_PER_PLACE_MS * Math.max(1, ahead - UPDATE_WINDOW + 1), ASK_AGAIN_MAX_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Why the server turned the update away, when it is worth asking again: `busy` (the run's limit of
 * updates in flight, or in total, was reached; its run was closing when the update was accepted),
 * `gone` (no lock runs: queue again, which opens one). Undefined for any other error.
 */
export function turnedAway(err: unknown): 'busy' | 'gone' | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof WorkflowNotFoundError) return 'gone';
    if (isGrpcServiceError(e) && e.code === GRPC_RESOURCE_EXHAUSTED) return 'busy';
    if (/limit on number of (concurrent in-flight|total) updates/.test(e.message)) return 'busy';
    // Accepted by a run that then continued-as-new (or closed) before answering.
    if (e instanceof ApplicationFailure && e.type === 'AcceptedUpdateCompletedWorkflow') return 'busy';
  }
  return undefined;
}

/** How the slot became this holder's: at once, after a running task, or after the clone making a guest (granted before its task). */
export type CloneSlotGrant = { after?: string; afterGuest?: CloneTarget };

/**
 * Waits until the slot is this ticket's holder's; when granted ahead, what it waits for before
 * it clones. Throws when the lock no longer queues this holder (its run withdrew). Ends at once
 * when the activity is cancelled.
 */
export async function waitForCloneSlot(client: Client, ticket: CloneSlotTicket): Promise<CloneSlotGrant> {
  const ctx = Context.current();
  const lock = client.workflow.getHandle(ticket.lockWorkflowId);
  let queued = false;
  for (;;) {
    // The acquire signal is idempotent; sent again only when the lock may have lost this holder.
    if (!queued) await queueAtCloneLock(client, ticket);
    queued = true;
    let answer: CloneSlotAnswer;
    try {
      const asking = lock.executeUpdate(awaitCloneSlotUpdate, { args: [ticket.holder] });
      asking.catch(() => undefined); // once cancelled, nobody waits for it: its failure is no unhandled rejection
      answer = await Promise.race([asking, ctx.cancelled]);
    } catch (err) {
      const why = turnedAway(err);
      if (!why || ctx.cancellationSignal.aborted) throw err;
      queued = why !== 'gone';
      await ctx.sleep(Math.round(TURNED_AWAY_MS * (0.8 + 0.4 * Math.random())));
      continue;
    }
    if (answer.granted) return { ...(answer.after !== undefined ? { after: answer.after } : {}), ...(answer.afterGuest ? { afterGuest: answer.afterGuest } : {}) };
    // Not granted and not queued: this holder was withdrawn meanwhile (its run released while this attempt waited).
    if (!answer.queued) throw new Error(`the clone lock ${ticket.lockWorkflowId} no longer queues this run`);
    await ctx.sleep(askAgainDelayMs(answer.ahead ?? 0));
  }
}

/**
 * The lock's word to a successor granted before the holder's task: resolves with the holder's
 * task to wait for once reported, or undefined once the slot is this holder's own. Asks again
 * while the lock's run continues-as-new; throws when the lock no longer has this holder as its
 * successor or holder. Ends at once when `signal` aborts.
 */
export async function waitForCloneTurn(client: Client, ticket: CloneSlotTicket, signal: AbortSignal): Promise<string | undefined> {
  const lock = client.workflow.getHandle(ticket.lockWorkflowId);
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  for (;;) {
    let answer: CloneTurnAnswer;
    try {
      const asking = lock.executeUpdate(awaitCloneTurnUpdate, { args: [ticket.holder] });
      asking.catch(() => undefined); // once aborted, nobody waits for it
      answer = await Promise.race([asking, aborted]);
    } catch (err) {
      if (signal.aborted || turnedAway(err) !== 'busy') throw err;
      answer = { turn: 'again' };
    }
    if (answer.turn === 'now') return undefined;
    if (answer.turn === 'after') return answer.after;
    if (answer.turn === 'withdrawn') throw new Error(`the clone lock ${ticket.lockWorkflowId} no longer has this run next in line`);
    await sleep(Math.round(TURNED_AWAY_MS * (0.8 + 0.4 * Math.random())), signal);
  }
}
