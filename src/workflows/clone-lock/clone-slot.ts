/**
 * The holder's side of the clone lock: `withCloneSlot` runs a guest's clone step holding its
 * source's slot, so two clones of one source never overlap while every other step of the same
 * guests does. Whether `phoenixUp` or a `start` began the run makes no difference.
 *
 * The slot is released when the step ends, however it ends: a cancelled holder releases, a
 * cancelled waiter withdraws (in a non-cancellable scope, so the release is sent).
 */
import { CancellationScope, condition, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';
import { cloneLockWorkflowId, cloneSlotGrantedSignal, releaseCloneSlotSignal, type CloneSlotHolder } from '../../shared/clone-lock';
import { quickStep } from '../activity-presets';

const quick = proxyActivities<LifecycleActivities>(quickStep);

export interface CloneSlot {
  node: string;
  source: number;
  /** The guest the clone creates: when it exists already there is nothing to clone, and no slot is taken. */
  target: { kind: 'lxc' | 'vm'; id: number };
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
    if (mayHold) {
      await CancellationScope.nonCancellable(() =>
        // The lock may have closed meanwhile (nothing to release then).
        getExternalWorkflowHandle(lockWorkflowId).signal(releaseCloneSlotSignal, me).catch(() => undefined),
      );
    }
  }
}
