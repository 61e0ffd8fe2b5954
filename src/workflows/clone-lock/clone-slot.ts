/**
 * The holder's side of the clone lock: `withCloneSlot` runs a guest's clone step holding its
 * source's slot, so two clones of one source never overlap while every other step of the same
 * guests does. Whether `phoenixUp` or a `start` began the run makes no difference.
 *
 * The slot is released when the step ends, however it ends: a cancelled holder releases, a
 * cancelled waiter withdraws (in a non-cancellable scope, so the release is sent).
 *
 * `withSlotInActivity` (runs since clone-slot-in-activity): the clone activity takes and gives
 * back the slot itself (activities/lifecycle/clone-in-slot.ts); this run only releases when that
 * activity did not complete (failed for good, cancelled), and answers the lock's liveness signal.
 */
import { CancellationScope, condition, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';
import { cloneLockWorkflowId, cloneSlotGrantedSignal, releaseCloneSlotSignal, type CloneSlotHolder, type CloneSlotTicket } from '../../shared/clone-lock';
import { quickStep } from '../activity-presets';

const quick = proxyActivities<LifecycleActivities>(quickStep);

export interface CloneSlot {
  node: string;
  source: number;
  /** Granted before lower ones (CloneSlotHolder.priority); only the clone activity's path passes it on. */
  priority?: number;
  /** The guest the clone creates: when it exists already there is nothing to clone, and no slot is taken. */
  target: { kind: 'lxc' | 'vm'; id: number };
}

/** Sends the release (or withdrawal) even when this run is cancelled; a closed lock holds nothing. */
async function release(lockWorkflowId: string, me: CloneSlotHolder): Promise<void> {
  await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(lockWorkflowId).signal(releaseCloneSlotSignal, me).catch(() => undefined));
}

export async function withSlotInActivity<T>(slot: CloneSlot, clone: (ticket: CloneSlotTicket) => Promise<T>): Promise<T> {
  const lockWorkflowId = cloneLockWorkflowId(slot.node, slot.source);
  const { workflowId, runId } = workflowInfo();
  const me: CloneSlotHolder = { workflowId, runId, ...(slot.priority ? { priority: slot.priority } : {}) };
  // The lock re-sends the grant now and then to see this run is alive; there is nothing to do with it.
  setHandler(cloneSlotGrantedSignal, () => undefined);
  let released = false;
  try {
    const result = await clone({ lockWorkflowId, node: slot.node, source: slot.source, holder: me });
    released = true; // by the activity, right after its clone task
    return result;
  } finally {
    if (!released) await release(lockWorkflowId, me);
  }
}

export async function withCloneSlot<T>(slot: CloneSlot, body: () => Promise<T>): Promise<T> {
  const lockWorkflowId = cloneLockWorkflowId(slot.node, slot.source);
  const { workflowId, runId } = workflowInfo();
  const me: CloneSlotHolder = { workflowId, runId };
  let granted = false;
  setHandler(cloneSlotGrantedSignal, (grant) => {
    if (grant.lockWorkflowId === lockWorkflowId) granted = true;
  });
  // Set before asking: a run cancelled while the request is under way may be queued already.
  let mayHold = true;
  try {
    const { queued } = await quick.requestCloneSlot({ lockWorkflowId, node: slot.node, source: slot.source, target: slot.target, holder: me });
    mayHold = queued;
    if (queued) await condition(() => granted);
    return await body();
  } finally {
    if (mayHold) await release(lockWorkflowId, me);
  }
}
