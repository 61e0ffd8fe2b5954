/**
 * The per-source clone lock: PVE locks a clone's source for the length of the clone task, so
 * two clones of one source never run at once. One small workflow per source and node
 * (`phoenix-clone-lock-<node>-<sourceVmid>`) hands the slot out in FIFO order; a guest workflow
 * asks for it (signal-with-start, through an activity) right before its clone step, waits for
 * the grant signal and releases it right after, so everything else of two siblings overlaps.
 *
 * Bundled into workflow code: definitions and pure helpers only.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** One run of one guest workflow: a later run of the same id is another holder. */
export interface CloneSlotHolder {
  workflowId: string;
  runId: string;
}

export interface CloneLockInput {
  node: string;
  source: number;
  /** Carried over by continue-as-new. */
  holder?: CloneSlotHolder;
  queue?: CloneSlotHolder[];
}

export interface CloneLockState {
  holder?: CloneSlotHolder;
  queue: CloneSlotHolder[];
}

/** To the lock: queue this holder (a holder already queued or holding is not queued twice). */
export const acquireCloneSlotSignal = defineSignal<[CloneSlotHolder]>('acquireCloneSlot');
/** To the lock: the holder is done with the slot, or withdraws from the queue. */
export const releaseCloneSlotSignal = defineSignal<[CloneSlotHolder]>('releaseCloneSlot');
/** To the holder: the slot of this lock is yours (sent again now and then while held, to see the holder is alive). */
export const cloneSlotGrantedSignal = defineSignal<[{ lockWorkflowId: string }]>('cloneSlotGranted');
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
