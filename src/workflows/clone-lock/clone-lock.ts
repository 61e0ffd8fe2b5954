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
 *
 * Grant before the task (clone-lock-grants-before-task): a holder whose activity named the guest
 * its clone makes (`target`) has its successor granted the moment it holds the slot, with that
 * guest (`afterGuest`) in place of a UPID. The successor's activity watches PVE for the guest to be
 * made and the source unlocked, and asks `awaitCloneTurn` beside it: the holder's UPID once
 * reported, or the slot itself once the holder released or is gone (a clone that failed, or never
 * began). Under load the lock's own round trip for the UPID took longer than a short clone task.
 *
 * Promotion on the successor's task (clone-lock-promotes-on-task): the successor's report of its own
 * clone task makes it the holder at once (the holder's task has ended, or it would not clone), so
 * the next in line is granted ahead one lock round trip after that clone began rather than after
 * the previous holder's release; that release then finds nothing to release.
 *
 * Update window (clone-lock-update-window): the server admits at most 10 updates in flight per run
 * (`history.maxInFlightUpdates`). When every queued waiter's activity blocks in `awaitCloneSlot`, the
 * 11th one's update is refused; if that waiter is the next in line, it can never be answered while
 * the 10 behind it wait for it: a deadlock. So only the first UPDATE_WINDOW waiters in service order
 * (rankOf) block; the others, and a blocked one pushed out by a higher priority, are answered at once
 * `{ queued, ahead }` and ask again a little later. The run also continues-as-new while a successor
 * waits (it carries it; its grant was answered already): blocked waiters are answered `queued` first
 * and ask the new run, so a busy lock's history (and its count of updates, 2000 at most per run)
 * stays bounded.
 */
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  acquireCloneSlotSignal, awaitCloneSlotUpdate, awaitCloneTurnUpdate, cloneLockStateQuery, cloneSlotGrantedSignal, cloneTaskStartedSignal, releaseCloneSlotSignal, sameHolder, UPDATE_WINDOW,
  type CloneLockInput, type CloneSlotAnswer, type CloneSlotHolder, type CloneSlotSuccessor, type CloneTurnAnswer,
} from '../../shared/clone-lock';
import { CLONE_LOCK_ANSWERS_UPDATES, CLONE_LOCK_GRANTS_AHEAD, CLONE_LOCK_GRANTS_BEFORE_TASK, CLONE_LOCK_PROMOTES_ON_TASK, CLONE_LOCK_GRANTS_BY_PRIORITY, CLONE_LOCK_UPDATE_WINDOW } from '../patches';

/** How often a holder is re-granted (a liveness check: signalling a closed run fails). */
const HOLDER_CHECK_INTERVAL = '15 seconds';
/** How long an unused lock stays open. */
const IDLE_CLOSE = '2 minutes';
/** Continue-as-new beyond this many history events, even before the server suggests it. */
const MAX_HISTORY = 2_000;
/** The least a run's input may set instead (tests): a new run's first events must fit well under it, or each run would continue at once. */
const LEAST_MAX_HISTORY = 100;

/** Whether priorities order the queue: some holder has one (and never in runs before clone-lock-grants-by-priority). */
function byPriority(queue: readonly CloneSlotHolder[]): boolean {
  return queue.some((q) => (q.priority ?? 0) > 0) && patched(CLONE_LOCK_GRANTS_BY_PRIORITY);
}

/**
 * Who is granted next: the highest priority, the first asked among equals (the clone the most
 * work waits on goes first, as the fleet's lower bound orders them). Holders without a priority
 * (every run before clone-lock-grants-by-priority) are served in the order they asked.
 */
function nextInLine(queue: readonly CloneSlotHolder[]): number {
  if (!byPriority(queue)) return 0;
  let best = 0;
  for (let i = 1; i < queue.length; i++) if ((queue[i]!.priority ?? 0) > (queue[best]!.priority ?? 0)) best = i;
  return best;
}

/**
 * How many queued holders are served before `who` (undefined when it is not queued), in the order
 * repeated nextInLine serves them: priority descending, the order asked among equals.
 */
function rankOf(queue: readonly CloneSlotHolder[], who: CloneSlotHolder): number | undefined {
  const at = queue.findIndex((q) => sameHolder(q, who));
  if (at < 0) return undefined;
  if (!byPriority(queue)) return at;
  const mine = queue[at]!.priority ?? 0;
  return queue.filter((q, i) => (q.priority ?? 0) > mine || ((q.priority ?? 0) === mine && i < at)).length;
}

export async function cloneLock(input: CloneLockInput): Promise<void> {
  /** Decided once per run: runs begun before clone-lock-update-window keep their behaviour to the end. */
  const windowed = patched(CLONE_LOCK_UPDATE_WINDOW);
  let holder = input.holder;
  /** The UPID of the holder's clone task (cloneTaskStarted): while it runs, the next in line may be granted ahead. */
  let holderTask = input.holderTask;
  /** The waiter granted ahead: it becomes the holder when the holder releases (or is found gone). */
  let successor: CloneSlotSuccessor | undefined = windowed ? input.successor : undefined;
  const queue = [...(input.queue ?? [])];
  const { workflowId } = workflowInfo();
  const maxHistory = input.maxHistory ? Math.max(input.maxHistory, LEAST_MAX_HISTORY) : MAX_HISTORY;
  const timeToContinue = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > maxHistory;
  };
  /** Continuing-as-new: blocked waiters are answered `queued` and ask the next run. */
  let closing = false;

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
    if (!holder || successor || queue.length === 0) return;
    // Before the holder's task is known, only a holder that named its guest (the successor watches PVE for it).
    const target = holder.target;
    if (holderTask === undefined && target === undefined) return;
    const i = nextInLine(queue);
    const next = queue[i]!;
    if (!waitingByUpdate.some((w) => sameHolder(w, next)) || !patched(CLONE_LOCK_GRANTS_AHEAD)) return;
    if (holderTask === undefined && !patched(CLONE_LOCK_GRANTS_BEFORE_TASK)) return;
    queue.splice(i, 1);
    successor = { holder: next, ...(holderTask !== undefined ? { after: holderTask } : {}), ...(target ? { afterGuest: target } : {}) };
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
      // A successor granted before this task started learns it (awaitCloneTurn), and may wait for it on PVE.
      if (successor && successor.after === undefined) successor.after = upid;
      grantAhead();
    } else if (successor && isSuccessor(who)) {
      // Its clone started before the holder's release arrived: the holder's task has ended (the
      // successor clones only then), so it holds the slot now and the next in line may be granted
      // ahead of this task (since clone-lock-promotes-on-task; before, it waited for the release).
      successor.task = upid;
      if (patched(CLONE_LOCK_PROMOTES_ON_TASK)) handOver();
    }
  });
  /** A queued waiter that must not block in the update (windowed runs): outside the window, or the run is closing. */
  const askLater = (who: CloneSlotHolder) => windowed && (closing || (rankOf(queue, who) ?? 0) >= UPDATE_WINDOW);
  setHandler(awaitCloneSlotUpdate, async (who): Promise<CloneSlotAnswer> => {
    waitingByUpdate.push(who);
    try {
      grantAhead();
      await condition(() => isHolder(who) || isSuccessor(who) || !isQueued(who) || askLater(who));
      if (successor && isSuccessor(who)) return { granted: true, ...(successor.after !== undefined ? { after: successor.after } : {}), ...(successor.afterGuest ? { afterGuest: successor.afterGuest } : {}) };
      const ahead = windowed && !isHolder(who) ? rankOf(queue, who) : undefined;
      if (ahead !== undefined) return { granted: false, queued: true, ahead: closing ? 0 : ahead };
      return { granted: isHolder(who) };
    } finally {
      waitingByUpdate.splice(waitingByUpdate.findIndex((w) => sameHolder(w, who)), 1);
    }
  });
  // Only successors granted before the holder's task ask this (clone-lock-grants-before-task).
  setHandler(awaitCloneTurnUpdate, async (who): Promise<CloneTurnAnswer> => {
    await condition(() => !isSuccessor(who) || successor?.after !== undefined || closing);
    if (isHolder(who)) return { turn: 'now' };
    if (successor && isSuccessor(who)) return successor.after !== undefined ? { turn: 'after', after: successor.after } : { turn: 'again' };
    return { turn: 'withdrawn' };
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
      // A windowed run also wakes to continue-as-new: waiters asking again add to its history while one clone runs.
      const moved = await condition(() => holder !== current || (windowed && timeToContinue()), HOLDER_CHECK_INTERVAL);
      // A holder found gone hands over to its successor, which waits for the task the holder reported.
      if (!moved && !(await grant(current)) && isHolder(current)) handOver();
    } else if (!(await condition(() => queue.length > 0, IDLE_CLOSE))) {
      return;
    }
    // Runs before clone-lock-update-window: not while a successor waits (its grant lived in this run's update).
    if ((windowed || !successor) && timeToContinue()) {
      if (windowed) {
        // Blocked waiters are answered `queued` and ask the next run; the successor's grant was answered already, and it is carried over.
        closing = true;
        await condition(allHandlersFinished);
      }
      await continueAsNew<typeof cloneLock>({
        node: input.node, source: input.source, ...(holder ? { holder } : {}), ...(holder && holderTask ? { holderTask } : {}), ...(windowed && successor ? { successor } : {}), queue,
        ...(input.maxHistory ? { maxHistory: input.maxHistory } : {}),
      });
    }
  }
}
