/**
 * A guest's clone, holding its source's clone slot from inside the activity: queue at the lock,
 * wait for the grant (the lock's `awaitCloneSlot` update answers this activity directly), clone
 * and wait for the task, release the moment the task has ended, then finish the step. A handoff from one clone to the next is then the release
 * signal, one workflow task of the lock and the update's answer; the holder's and the next
 * guest's workflow tasks and the scheduling of an activity are no longer on it.
 *
 * A guest that exists already needs no slot (a converged re-run). A failed attempt keeps the
 * slot (its task may still run; the retry re-enters as the same holder); the workflow releases
 * it when it gives up or is cancelled, and the lock's liveness check when the run is gone.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { awaitCloneSlotUpdate, releaseCloneSlotSignal, type CloneSlotTicket } from '../../shared/clone-lock';
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { createEnsureContainerDefined } from '../lxc/ensure-container-defined';
import { createEnsureVmDefined } from '../vm/ensure-vm-defined';
import { classified } from '../common/classify';
import { heartbeat, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { guestExists, queueAtCloneLock } from './request-clone-slot';

/** How often a wait in the queue heartbeats (the SDK throttles it; a cancellation arrives with a heartbeat's answer). */
const QUEUE_HEARTBEAT_MS = 1_000;

/** The clone's result, and how long it waited in the queue (the fleet benchmark reads it from history). */
export type InSlot<T> = T & { slotWaitMs: number };

/** What holding a slot around a clone needs: the lock's client, whether the guest exists, and the clone step itself. */
export interface CloneInSlotParts {
  temporal(): Client;
  exists(target: { kind: 'lxc' | 'vm'; node: string; id: number }): Promise<boolean>;
  /** Defines the guest; calls `cloneTaskEnded` once the clone task has ended (the slot goes then). */
  defineContainer(plan: LxcPlan, cloneTaskEnded: () => Promise<void>): Promise<StepOutcome>;
  defineVm(plan: VmPlan, cloneTaskEnded: () => Promise<void>): Promise<StepOutcome & { isTemplate: boolean }>;
}

export function cloneInSlotActivities(parts: CloneInSlotParts) {
  return {
    cloneContainerInSlot: (plan: LxcPlan, ticket: CloneSlotTicket): Promise<InSlot<StepOutcome>> =>
      inSlot(parts, ticket, `CT ${plan.ctid} on ${plan.node}`, () => parts.exists({ kind: 'lxc', node: plan.node, id: plan.ctid }), (taskEnded) => parts.defineContainer(plan, taskEnded)),
    cloneVmInSlot: (plan: VmPlan, ticket: CloneSlotTicket): Promise<InSlot<StepOutcome & { isTemplate: boolean }>> =>
      inSlot(parts, ticket, `VM ${plan.vmid} on ${plan.node}`, () => parts.exists({ kind: 'vm', node: plan.node, id: plan.vmid }), (taskEnded) => parts.defineVm(plan, taskEnded)),
  };
}

export function createCloneInSlot(deps: ProvisioningDeps) {
  return cloneInSlotActivities({
    temporal: deps.temporal,
    exists: (target) => guestExists(deps, target),
    defineContainer: createEnsureContainerDefined(deps),
    defineVm: createEnsureVmDefined(deps),
  });
}

async function inSlot<T>(
  deps: Pick<CloneInSlotParts, 'temporal'>,
  ticket: CloneSlotTicket,
  guest: string,
  exists: () => Promise<boolean>,
  define: (cloneTaskEnded: () => Promise<void>) => Promise<T>,
): Promise<InSlot<T>> {
  let slotWaitMs = 0;
  if (!(await classified('ask for the clone slot', guest, exists))) {
    const asked = Date.now();
    await classified('wait for the clone slot', guest, () => awaitSlot(deps, ticket));
    slotWaitMs = Date.now() - asked;
  }
  // Released by this attempt, whichever attempt took it (a retry after a crash finds the guest and
  // takes none): as soon as the clone task has ended, so the next clone of the source need not wait
  // for this guest's unlock check (or a VM's disk resize); at the latest when the step is done.
  let released: Promise<void> | undefined;
  const releaseOnce = () => (released ??= classified('release the clone slot', guest, () => release(deps, ticket)));
  const outcome = await define(releaseOnce);
  await releaseOnce();
  return { ...outcome, slotWaitMs };
}

async function awaitSlot(deps: Pick<CloneInSlotParts, 'temporal'>, ticket: CloneSlotTicket): Promise<void> {
  const client = deps.temporal();
  const ctx = Context.current();
  // Keep what an earlier attempt heartbeated (its clone task's UPID) for the next one.
  const beat = () => heartbeat({ ...previousHeartbeat(), state: `waiting for the clone slot of ${ticket.source} on ${ticket.node}` });
  beat();
  const beating = setInterval(beat, QUEUE_HEARTBEAT_MS);
  try {
    await queueAtCloneLock(client, ticket);
    const answer = await Promise.race([client.workflow.getHandle(ticket.lockWorkflowId).executeUpdate(awaitCloneSlotUpdate, { args: [ticket.holder] }), ctx.cancelled]);
    // Not granted: this holder was withdrawn meanwhile (its run released while this attempt waited); ask again.
    if (!answer.granted) throw new Error(`the clone lock ${ticket.lockWorkflowId} no longer queues this run`);
  } finally {
    clearInterval(beating);
  }
}

async function release(deps: Pick<CloneInSlotParts, 'temporal'>, ticket: CloneSlotTicket): Promise<void> {
  try {
    await deps.temporal().workflow.getHandle(ticket.lockWorkflowId).signal(releaseCloneSlotSignal, ticket.holder);
  } catch (err) {
    // The lock closed (idle): nothing is held.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
