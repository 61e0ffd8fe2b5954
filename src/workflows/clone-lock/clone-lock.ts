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
 *
 * Grant ahead (clone-lock-grants-ahead): once the holder's activity reports its clone task's UPID
 * (`cloneTaskStarted`), the next in line waiting through the update is answered at once with that
 * UPID and becomes the successor; its activity clones when that PVE task has stopped, and it
 * becomes the holder when the release arrives (no second answer). A successor that withdraws is
 * dropped (the next may go ahead instead); a holder found gone is replaced by its successor.
 */
import { condition, continueAsNew, getExternalWorkflowHandle, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  acquireCloneSlotSignal, awaitCloneSlotUpdate, cloneLockStateQuery, cloneSlotGrantedSignal, cloneTaskStartedSignal, releaseCloneSlotSignal, sameHolder,
  type CloneLockInput, type CloneSlotHolder, type CloneSlotSuccessor,
} from '../../shared/clone-lock';
import { CLONE_LOCK_ANSWERS_UPDATES, CLONE_LOCK_GRANTS_AHEAD, CLONE_LOCK_GRANTS_BY_PRIORITY } from '../patches';

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
  /** The UPID of the holder's clone task (cloneTaskStarted): while it runs, the next in line may be granted ahead. */
  let holderTask = input.holderTask;
  /** The waiter granted ahead: it becomes the holder when the holder releases (or is found gone). */
  let successor: CloneSlotSuccessor | undefined;
  const queue = [...(input.queue ?? [])];
  const { workflowId } = workflowInfo();

  const isHolder = (who: CloneSlotHolder) => holder !== undefined && sameHolder(holder, who);
  const isSuccessor = (who: CloneSlotHolder) => successor !== undefined && sameHolder(successor.holder, who);
  const isQueued = (who: CloneSlotHolder) => queue.some((q) => sameHolder(q, who));
  /** Holders whose clone activity waits through the update (no grant signal needed). */
  const waitingByUpdate: CloneSlotHolder[] = [];

  /**
   * Grants the next in line ahead while the holder's clone task runs: answered at once with that
   * task's UPID, it clones once the task has stopped. Only a waiter answered through the update
   * (its activity waits for the task itself); never without a reported task, so runs recorded
   * before clone-lock-grants-ahead never get here.
   */
  const grantAhead = () => {
    if (!holder || holderTask === undefined || successor || queue.length === 0) return;
    const i = nextInLine(queue);
    const next = queue[i]!;
    if (!waitingByUpdate.some((w) => sameHolder(w, next)) || !patched(CLONE_LOCK_GRANTS_AHEAD)) return;
    queue.splice(i, 1);
    successor = { holder: next, after: holderTask };
  };
  /** The holder is done (released, or its run is gone): the successor, if any, holds the slot now. */
  const handOver = () => {
    holder = successor?.holder;
    holderTask = successor?.task;
    successor = undefined;
    grantAhead();
  };

  setHandler(acquireCloneSlotSignal, (who) => {
    // The holder asking again while a successor waits: its clone attempt failed and is retried, and its
    // reported task may have stopped already (the successor's cue to clone). Its slot goes to the successor
    // and it queues again, so the retry never clones beside the successor.
    if (isHolder(who) && successor) {
      handOver();
      queue.push(who);
      return;
    }
    if (isHolder(who) || isSuccessor(who) || isQueued(who)) return;
    queue.push(who);
  });
  setHandler(releaseCloneSlotSignal, (who) => {
    const queued = queue.findIndex((q) => sameHolder(q, who));
    if (queued >= 0) queue.splice(queued, 1);
    if (isHolder(who)) handOver();
    else if (isSuccessor(who)) {
      // Withdrawn while it waited for the holder's task: the next in line may go ahead instead.
      successor = undefined;
      grantAhead();
    }
  });
  setHandler(cloneTaskStartedSignal, ({ holder: who, upid }) => {
    if (isHolder(who)) {
      holderTask = upid;
      grantAhead();
    } else if (successor && isSuccessor(who)) {
      // Its clone started before the holder's release arrived: its own successor waits for this task.
      successor.task = upid;
    }
  });
  setHandler(awaitCloneSlotUpdate, async (who) => {
    waitingByUpdate.push(who);
    try {
      grantAhead();
      await condition(() => isHolder(who) || isSuccessor(who) || !isQueued(who));
      if (successor && isSuccessor(who)) return { granted: true, after: successor.after };
      return { granted: isHolder(who) };
    } finally {
      waitingByUpdate.splice(waitingByUpdate.findIndex((w) => sameHolder(w, who)), 1);
    }
  });
  setHandler(cloneLockStateQuery, () => ({ ...(holder ? { holder } : {}), ...(holderTask ? { holderTask } : {}), ...(successor ? { successor: { ...successor } } : {}), queue: [...queue] }));

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
      if (!answered && !(await grant(next)) && isHolder(next)) handOver();
    } else if (holder) {
      const current = holder;
      const moved = await condition(() => holder !== current, HOLDER_CHECK_INTERVAL);
      // A holder found gone hands over to its successor, which waits for the task the holder reported.
      if (!moved && !(await grant(current)) && isHolder(current)) handOver();
    } else if (!(await condition(() => queue.length > 0, IDLE_CLOSE))) {
      return;
    }
    const info = workflowInfo();
    // Not while a successor waits: its grant lives in this run's update.
    if (!successor && (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY)) {
      await continueAsNew<typeof cloneLock>({ node: input.node, source: input.source, ...(holder ? { holder } : {}), ...(holder && holderTask ? { holderTask } : {}), queue });
    }
  }
}
