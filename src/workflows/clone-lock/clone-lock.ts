/**
 * `cloneLock`: the slot for cloning one source on one node (see shared/clone-lock.ts). Holders
 * are granted in the order they asked (since clone-lock-grants-by-priority: the highest priority
 * first, see nextInLine). A holder whose run closed without releasing (terminated,
 * timed out) is noticed when the periodic re-grant to it fails, and a queued holder whose run
 * closed is skipped the same way, so nobody waits forever on a run that is gone. Idle for a
 * while, the lock closes; the next signal-with-start opens a new run. Its history stays short
 * through continue-as-new.
 *
 * A clone activity that waits through the `awaitCloneSlot` update (clone-slot-in-activity) gets
 * its grant as the update's answer, in the same workflow task that took the previous holder's
 * release; it is sent no grant signal (that cost its run, and this one, a workflow task each).
 */
import { condition, continueAsNew, getExternalWorkflowHandle, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  acquireCloneSlotSignal, awaitCloneSlotUpdate, cloneLockStateQuery, cloneSlotGrantedSignal, releaseCloneSlotSignal, sameHolder,
  type CloneLockInput, type CloneSlotHolder,
} from '../../shared/clone-lock';
import { CLONE_LOCK_ANSWERS_UPDATES, CLONE_LOCK_GRANTS_BY_PRIORITY } from '../patches';

/** How often a holder is re-granted (a liveness check: signalling a closed run fails). */
const HOLDER_CHECK_INTERVAL = '15 seconds';
/** How long an unused lock stays open. */
const IDLE_CLOSE = '2 minutes';
/** Continue-as-new beyond this many history events, even before the server suggests it. */
const MAX_HISTORY = 2_000;

/**
 * Who is granted next: the highest priority, the first asked among equals (the clone the most
 * work waits on goes first, as the fleet's lower bound orders them). Holders without a priority
 * (every run before clone-lock-grants-by-priority) are served in the order they asked.
 */
function nextInLine(queue: readonly CloneSlotHolder[]): number {
  if (!queue.some((q) => (q.priority ?? 0) > 0) || !patched(CLONE_LOCK_GRANTS_BY_PRIORITY)) return 0;
  let best = 0;
  for (let i = 1; i < queue.length; i++) if ((queue[i]!.priority ?? 0) > (queue[best]!.priority ?? 0)) best = i;
  return best;
}

export async function cloneLock(input: CloneLockInput): Promise<void> {
  let holder = input.holder;
  const queue = [...(input.queue ?? [])];
  const { workflowId } = workflowInfo();

  setHandler(acquireCloneSlotSignal, (who) => {
    if ((holder && sameHolder(holder, who)) || queue.some((q) => sameHolder(q, who))) return;
    queue.push(who);
  });
  setHandler(releaseCloneSlotSignal, (who) => {
    if (holder && sameHolder(holder, who)) holder = undefined;
    const queued = queue.findIndex((q) => sameHolder(q, who));
    if (queued >= 0) queue.splice(queued, 1);
  });
  const isHolder = (who: CloneSlotHolder) => holder !== undefined && sameHolder(holder, who);
  const isQueued = (who: CloneSlotHolder) => queue.some((q) => sameHolder(q, who));
  /** Holders whose clone activity waits through the update (no grant signal needed). */
  const waitingByUpdate: CloneSlotHolder[] = [];
  setHandler(awaitCloneSlotUpdate, async (who) => {
    waitingByUpdate.push(who);
    try {
      await condition(() => isHolder(who) || !isQueued(who));
      return { granted: isHolder(who) };
    } finally {
      waitingByUpdate.splice(waitingByUpdate.findIndex((w) => sameHolder(w, who)), 1);
    }
  });
  setHandler(cloneLockStateQuery, () => ({ ...(holder ? { holder } : {}), queue: [...queue] }));

  /** Tells `who` the slot is theirs; false when their run has closed. */
  const grant = async (who: CloneSlotHolder): Promise<boolean> => {
    try {
      await getExternalWorkflowHandle(who.workflowId, who.runId).signal(cloneSlotGrantedSignal, { lockWorkflowId: workflowId });
      return true;
    } catch {
      return false;
    }
  };

  for (;;) {
    if (!holder && queue.length > 0) {
      // The holder is set before the grant is sent, so a release arriving meanwhile is not lost.
      const next = queue.splice(nextInLine(queue), 1)[0]!;
      holder = next;
      // A holder waiting through the update is answered in this workflow task (runs recorded before the update never have one).
      const answered = waitingByUpdate.some((w) => sameHolder(w, next)) && patched(CLONE_LOCK_ANSWERS_UPDATES);
      if (!answered && !(await grant(next)) && holder && sameHolder(holder, next)) holder = undefined;
    } else if (holder) {
      const current = holder;
      const moved = await condition(() => holder !== current, HOLDER_CHECK_INTERVAL);
      if (!moved && !(await grant(current)) && holder && sameHolder(holder, current)) holder = undefined;
    } else if (!(await condition(() => queue.length > 0, IDLE_CLOSE))) {
      return;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY) {
      await continueAsNew<typeof cloneLock>({ node: input.node, source: input.source, ...(holder ? { holder } : {}), queue });
    }
  }
}
