/**
 * Asks a source's clone lock for its slot (signal-with-start: the lock's first request opens it).
 * A guest that exists already needs no clone, so a converged re-run takes no slot at all.
 * The lock runs on the task queue of the worker that asked, like the guest workflow itself.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { acquireCloneSlotSignal, type CloneLockInput, type CloneSlotHolder } from '../../shared/clone-lock';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export interface RequestCloneSlotInput {
  lockWorkflowId: string;
  node: string;
  source: number;
  target: { kind: 'lxc' | 'vm'; id: number };
  holder: CloneSlotHolder;
}

/** Queues `holder` at the lock, opening the lock if it is not running. */
export async function queueAtCloneLock(client: Client, input: Omit<RequestCloneSlotInput, 'target'>): Promise<void> {
  const start: CloneLockInput = { node: input.node, source: input.source };
  await client.workflow.signalWithStart('cloneLock', {
    workflowId: input.lockWorkflowId,
    taskQueue: Context.current().info.taskQueue,
    args: [start],
    signal: acquireCloneSlotSignal,
    signalArgs: [input.holder],
    staticSummary: `Clone slot of ${input.source} on ${input.node}`,
  });
}

/** Whether the guest a clone would create is already there (then it needs no clone slot). */
export async function guestExists(deps: Pick<ProvisioningDeps, 'pve'>, target: { kind: 'lxc' | 'vm'; node: string; id: number }): Promise<boolean> {
  const node = (await deps.pve()).node(target.node);
  return (await (target.kind === 'lxc' ? node.lxc(target.id) : node.qemu(target.id)).presence()).state === 'present';
}

export function createRequestCloneSlot(deps: Pick<ProvisioningDeps, 'pve' | 'temporal'>) {
  return async function requestCloneSlot(input: RequestCloneSlotInput): Promise<{ queued: boolean }> {
    const guest = `${input.target.kind === 'lxc' ? 'CT' : 'VM'} ${input.target.id} on ${input.node}`;
    return classified('ask for the clone slot', guest, async () => {
      if (await guestExists(deps, { kind: input.target.kind, node: input.node, id: input.target.id })) return { queued: false };
      await queueAtCloneLock(deps.temporal(), input);
      return { queued: true };
    });
  };
}
