/**
 * A guest's clone, holding its source's clone slot from inside the activity: queue at the lock,
 * wait for the grant (the lock's `awaitCloneSlot` update answers this activity directly), clone
 * and wait for the task, release the moment the task has ended, then finish the step. A handoff from one clone to the next is then the release
 * signal, one workflow task of the lock and the update's answer; the holder's and the next
 * guest's workflow tasks and the scheduling of an activity are no longer on it.
 *
 * A guest that exists already needs no slot (a converged re-run). A failed attempt keeps the
 * slot (its task may still run; the retry re-enters as the same holder) unless a clone was granted
 * ahead of it (then the retry queues again behind that one, which may clone once the task has
 * stopped); the workflow releases it when it gives up or is cancelled, and the lock's liveness
 * check when the run is gone.
 *
 * Grant ahead (clone-lock-grants-ahead): the clone task's UPID goes to the lock the moment PVE
 * hands it out (best effort), so the lock answers the next in line at once with it; that activity
 * reads its guest's state, waits for the task to stop on PVE itself, then clones. A handoff is
 * then one task-status read and the clone request.
 *
 * Update window (clone-lock-update-window): the server admits at most 10 updates in flight per
 * workflow run, so the lock lets only the first few waiters block in the update and answers the
 * others `queued`; the wait asks again until granted (ask-clone-slot.ts), within the one attempt.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { cloneTaskStartedSignal, releaseCloneSlotSignal, type CloneSlotTicket } from '../../shared/clone-lock';
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { createEnsureContainerDefined } from '../lxc/ensure-container-defined';
import { createEnsureVmDefined } from '../vm/ensure-vm-defined';
import { classified } from '../common/classify';
import type { CloneTaskHooks } from '../common/clone-task-hooks';
import { heartbeat, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { waitForCloneSlot } from './ask-clone-slot';
import { guestExists } from './request-clone-slot';
import { waitForTaskToStop } from './task-stopped';

/** How often a wait in the queue heartbeats (the SDK throttles it; a cancellation arrives with a heartbeat's answer). */
const QUEUE_HEARTBEAT_MS = 1_000;

/** The clone's result, and how long it waited in the queue (the fleet benchmark reads it from history). */
export type InSlot<T> = T & { slotWaitMs: number };

/** What holding a slot around a clone needs: the lock's client, whether the guest exists, and the clone step itself. */
export interface CloneInSlotParts {
  temporal(): Client;
  exists(target: { kind: 'lxc' | 'vm'; node: string; id: number }): Promise<boolean>;
  /** Resolves once the PVE task `upid` has stopped, whatever its exit status (the wait of a clone granted ahead). */
  taskStopped(upid: string, signal: AbortSignal): Promise<void>;
  /** Defines the guest, telling the slot when its clone task runs (the next may be granted ahead) and when it has ended (the slot goes then). */
  defineContainer(plan: LxcPlan, cloneTask: CloneTaskHooks): Promise<StepOutcome>;
  defineVm(plan: VmPlan, cloneTask: CloneTaskHooks): Promise<StepOutcome & { isTemplate: boolean }>;
}

type Define<T> = (cloneTask: CloneTaskHooks) => Promise<T>;

export function cloneInSlotActivities(parts: CloneInSlotParts) {
  return {
    cloneContainerInSlot: (plan: LxcPlan, ticket: CloneSlotTicket): Promise<InSlot<StepOutcome>> =>
      inSlot(parts, ticket, `CT ${plan.ctid} on ${plan.node}`, () => parts.exists({ kind: 'lxc', node: plan.node, id: plan.ctid }), (cloneTask) => parts.defineContainer(plan, cloneTask)),
    cloneVmInSlot: (plan: VmPlan, ticket: CloneSlotTicket): Promise<InSlot<StepOutcome & { isTemplate: boolean }>> =>
      inSlot(parts, ticket, `VM ${plan.vmid} on ${plan.node}`, () => parts.exists({ kind: 'vm', node: plan.node, id: plan.vmid }), (cloneTask) => parts.defineVm(plan, cloneTask)),
  };
}

export function createCloneInSlot(deps: ProvisioningDeps) {
  return cloneInSlotActivities({
    temporal: deps.temporal,
    exists: (target) => guestExists(deps, target),
    taskStopped: async (upid, signal) => waitForTaskToStop(await deps.pve(), upid, signal),
    defineContainer: createEnsureContainerDefined(deps),
    defineVm: createEnsureVmDefined(deps),
  });
}

async function inSlot<T>(
  deps: Pick<CloneInSlotParts, 'temporal' | 'taskStopped'>,
  ticket: CloneSlotTicket,
  guest: string,
  exists: () => Promise<boolean>,
  define: Define<T>,
): Promise<InSlot<T>> {
  let slotWaitMs = 0;
  let slotFree: (() => Promise<void>) | undefined;
  if (!(await classified('ask for the clone slot', guest, exists))) {
    const asked = Date.now();
    const after = await classified('wait for the clone slot', guest, () => awaitSlot(deps, ticket));
    slotWaitMs = Date.now() - asked;
    // Granted ahead: the slot is ours once the previous clone's task has stopped (its release may
    // come later). The define step waits for that right before its request (mayClone), after its
    // read of the guest, so the read is not on the handoff.
    if (after) {
      let stopped: Promise<void> | undefined;
      slotFree = () =>
        (stopped ??= classified('wait for the previous clone of the source', guest, () => awaitTask(deps, ticket, after)).then(() => {
          slotWaitMs = Date.now() - asked;
        }));
    }
  }
  // Released by this attempt, whichever attempt took it (a retry after a crash finds the guest and
  // takes none): as soon as the clone task has ended, so the next clone of the source need not wait
  // for this guest's unlock check (or a VM's disk resize); at the latest when the step is done.
  let released: Promise<void> | undefined;
  const releaseOnce = async () => {
    // Never before the clone we were granted ahead of has stopped: the next in line would clone
    // while it still runs (a define step that found the guest made never asked).
    await slotFree?.();
    return (released ??= classified('release the clone slot', guest, () => release(deps, ticket)));
  };
  const outcome = await define({ mayClone: async () => slotFree?.(), ended: releaseOnce, started: (upid) => reportTask(deps, ticket, upid) });
  await releaseOnce();
  return { ...outcome, slotWaitMs };
}

/** Heartbeats `state` every second while `body` runs, keeping what an earlier attempt heartbeated (its clone task's UPID) for the next one. */
async function heartbeating<T>(state: string, body: () => Promise<T>): Promise<T> {
  const beat = () => heartbeat({ ...previousHeartbeat(), state });
  beat();
  const beating = setInterval(beat, QUEUE_HEARTBEAT_MS);
  try {
    return await body();
  } finally {
    clearInterval(beating);
  }
}

/** Waits for the slot, heartbeating; the UPID of the holder's running clone task when granted ahead of it. */
async function awaitSlot(deps: Pick<CloneInSlotParts, 'temporal'>, ticket: CloneSlotTicket): Promise<string | undefined> {
  return heartbeating(`waiting for the clone slot of ${ticket.source} on ${ticket.node}`, () => waitForCloneSlot(deps.temporal(), ticket));
}

async function awaitTask(deps: Pick<CloneInSlotParts, 'taskStopped'>, ticket: CloneSlotTicket, upid: string): Promise<void> {
  const signal = Context.current().cancellationSignal;
  await heartbeating(`waiting for the previous clone of ${ticket.source} on ${ticket.node} (task ${upid})`, () => deps.taskStopped(upid, signal));
}

/** Tells the lock this clone's task runs (it may grant the next in line ahead); a failure only means no grant ahead. */
async function reportTask(deps: Pick<CloneInSlotParts, 'temporal'>, ticket: CloneSlotTicket, upid: string): Promise<void> {
  await deps
    .temporal()
    .workflow.getHandle(ticket.lockWorkflowId)
    .signal(cloneTaskStartedSignal, { holder: ticket.holder, upid })
    .catch(() => undefined);
}

async function release(deps: Pick<CloneInSlotParts, 'temporal'>, ticket: CloneSlotTicket): Promise<void> {
  try {
    await deps.temporal().workflow.getHandle(ticket.lockWorkflowId).signal(releaseCloneSlotSignal, ticket.holder);
  } catch (err) {
    // The lock closed (idle): nothing is held.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
