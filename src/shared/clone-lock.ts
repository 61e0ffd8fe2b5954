/**
 * The per-source clone lock: PVE locks a clone's source for the length of the clone task, so
 * two clones of one source never run at once. One small workflow per source and node
 * (`phoenix-clone-lock-<node>-<sourceVmid>`) hands the slot out in FIFO order; a guest workflow
 * asks for it (signal-with-start, through an activity) right before its clone step, waits for
 * the grant signal and releases it right after, so everything else of two siblings overlaps.
 * Runs since `clone-slot-in-activity` do all of that inside the clone activity (queue, wait for
 * the grant through an update, clone, release), so a handoff costs one workflow task (the lock's)
 * instead of three plus an activity's scheduling. Since `clone-lock-grants-ahead` the holder's
 * activity reports its clone task's UPID the moment PVE hands it out (`cloneTaskStarted`), and the
 * lock answers the next in line at once with that UPID (`after`): that waiter (the lock's successor)
 * waits for the task to stop on PVE itself and clones, and becomes the holder when the release
 * arrives; the release signal and the lock's workflow task are then off the handoff.
 *
 * Since `clone-lock-update-window` only the first UPDATE_WINDOW waiters in service order block in
 * the update; the others are answered `queued` with how many are served before them, and their
 * activities ask again a little later. The server admits at most 10 updates in flight per workflow
 * run (`history.maxInFlightUpdates`): with every waiter blocked in one, the 11th waiter's update is
 * refused, and when that waiter is the next in line nobody can finish and free a place (a deadlock).
 *
 * Bundled into workflow code: definitions and pure helpers only.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** One run of one guest workflow: a later run of the same id is another holder. */
export interface CloneSlotHolder {
  workflowId: string;
  runId: string;
  /**
   * How much waits on this clone (phoenixUp: the guests that come after it in the DAG): the lock
   * grants the highest first, in the order asked among equals; none counts as 0.
   */
  priority?: number;
  /**
   * The guest its clone makes (sent by the clone activity since clone-lock-grants-before-task):
   * the next in line may be granted ahead before this holder's task has even started, and watches
   * PVE for this guest to be made (present and unlocked) and the source unlocked.
   */
  target?: CloneTarget;
}

/** A guest a clone makes, where it lives. */
export interface CloneTarget {
  kind: 'lxc' | 'vm';
  node: string;
  id: number;
}

export interface CloneLockInput {
  node: string;
  source: number;
  /** Carried over by continue-as-new. */
  holder?: CloneSlotHolder;
  /** The UPID of the holder's clone task, when it reported one. */
  holderTask?: string;
  /** The waiter granted ahead (carried over since clone-lock-update-window: its grant was answered already). */
  successor?: CloneSlotSuccessor;
  queue?: CloneSlotHolder[];
  /** Continue-as-new beyond this many history events (tests pass a small one; well above a run's first events). */
  maxHistory?: number;
}

/**
 * The waiter granted ahead: it clones once the holder's task `after` has stopped, or (granted
 * before that task started, clone-lock-grants-before-task) once PVE shows the holder's guest
 * `afterGuest` made and the source unlocked, or the lock says the slot is its own.
 */
export interface CloneSlotSuccessor {
  holder: CloneSlotHolder;
  /** The holder's clone task; absent while the holder has reported none (granted before its task). */
  after?: string;
  afterGuest?: CloneTarget;
  /** Its own clone task, when it reported one before the holder's release arrived. */
  task?: string;
}

export interface CloneLockState {
  holder?: CloneSlotHolder;
  holderTask?: string;
  successor?: CloneSlotSuccessor;
  queue: CloneSlotHolder[];
}

/** To the lock: queue this holder (a holder already queued or holding is not queued twice). */
export const acquireCloneSlotSignal = defineSignal<[CloneSlotHolder]>('acquireCloneSlot');
/** To the lock: the holder is done with the slot, or withdraws from the queue. */
export const releaseCloneSlotSignal = defineSignal<[CloneSlotHolder]>('releaseCloneSlot');
/**
 * To the lock, from the clone activity, best effort: the clone task of this holder (or successor)
 * is running under this UPID, so the next in line may be granted ahead of the release.
 */
export const cloneTaskStartedSignal = defineSignal<[{ holder: CloneSlotHolder; upid: string }]>('cloneTaskStarted');
/** To the holder: the slot of this lock is yours (sent again now and then while held, to see the holder is alive). */
export const cloneSlotGrantedSignal = defineSignal<[{ lockWorkflowId: string }]>('cloneSlotGranted');
/**
 * To the lock, from the clone activity itself (after acquireCloneSlot): completes when the slot is
 * this holder's (`granted`), when the holder is neither holding nor queued any more (withdrawn), or
 * (`queued`, since clone-lock-update-window) when it should ask again later.
 * The grant then reaches the activity that clones without a workflow task of the holder's run.
 * With `after` (granted ahead): the slot is this holder's once that PVE task has stopped, whatever
 * its exit status (the holder's release may arrive later).
 */
export const awaitCloneSlotUpdate = defineUpdate<CloneSlotAnswer, [CloneSlotHolder]>('awaitCloneSlot');

/**
 * To the lock, from the clone activity of a successor granted before the holder's task
 * (clone-lock-grants-before-task): completes when the slot is its own (`now`: the holder released
 * or is gone), when the holder's task is known (`after`: wait for it to stop), or, while the lock's
 * run continues-as-new, `again` (ask the next run). `withdrawn` when it is neither successor nor
 * holder any more. The activity waits for this and for PVE side by side.
 */
export const awaitCloneTurnUpdate = defineUpdate<CloneTurnAnswer, [CloneSlotHolder]>('awaitCloneTurn');

export type CloneTurnAnswer = { turn: 'now' } | { turn: 'after'; after: string } | { turn: 'again' } | { turn: 'withdrawn' };

export interface CloneSlotAnswer {
  granted: boolean;
  after?: string;
  /**
   * Granted ahead of a holder whose task has not been reported yet (clone-lock-grants-before-task):
   * the slot is this holder's once PVE shows that guest made and the source unlocked, or once the
   * lock's `awaitCloneTurn` answers, whichever comes first.
   */
  afterGuest?: CloneTarget;
  /**
   * Not granted but still queued (since clone-lock-update-window): outside the update window, or the
   * lock's run is continuing-as-new. Ask again (the lock keeps the place); `ahead` waiters are served first.
   */
  queued?: boolean;
  ahead?: number;
}

/**
 * How many queued waiters block in `awaitCloneSlot` at once (the first in service order); the rest
 * are answered `queued` and ask again. Well under the server's limit of 10 updates in flight per run
 * (`history.maxInFlightUpdates`), leaving room for the answers given at once: the holder's and the
 * successor's, those of waiters outside the window, and a retried attempt's.
 */
export const UPDATE_WINDOW = 5;

/** What a clone activity needs to take and give back its source's slot itself. */
export interface CloneSlotTicket {
  lockWorkflowId: string;
  node: string;
  source: number;
  holder: CloneSlotHolder;
}

export const cloneLockStateQuery = defineQuery<CloneLockState>('cloneLockState');

/** Node names are PVE node names (letters, digits, '-', '.'); vmids are integers. */
export function cloneLockWorkflowId(node: string, sourceVmid: number): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(node)) throw new RangeError(`node name must be a PVE node name, got ${JSON.stringify(node)}`);
  if (!Number.isInteger(sourceVmid) || sourceVmid < 100) throw new RangeError(`clone source must be a guest id, got ${String(sourceVmid)}`);
  return `phoenix-clone-lock-${node}-${sourceVmid}`;
}

export function sameHolder(a: CloneSlotHolder, b: CloneSlotHolder): boolean {
  return a.workflowId === b.workflowId && a.runId === b.runId;
}
