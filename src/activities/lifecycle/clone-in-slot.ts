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
import { cloneTaskStartedSignal, releaseCloneSlotSignal, type CloneSlotTicket, type CloneTarget } from '../../shared/clone-lock';
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { createEnsureContainerDefined } from '../lxc/ensure-container-defined';
import { createEnsureVmDefined } from '../vm/ensure-vm-defined';
import { classified } from '../common/classify';
import type { CloneTaskHooks } from '../common/clone-task-hooks';
import { heartbeat, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { waitForCloneSlot, waitForCloneTurn, type CloneSlotGrant } from './ask-clone-slot';
import { waitForCloneToEnd } from './clone-made';
import { sleep } from '../../shared/abort';
import { guestExists } from './request-clone-slot';
import { waitForTaskToStop } from './task-stopped';

/** How often a wait in the queue heartbeats (the SDK throttles it; a cancellation arrives with a heartbeat's answer). */
const QUEUE_HEARTBEAT_MS = 1_000;

/** A clone granted before the holder's task asks the lock for its turn after this long without PVE showing that clone ended. */
const ASK_LOCK_AFTER_MS = 1_500;

/** The clone's result, and how long it waited in the queue (the fleet benchmark reads it from history). */
export type InSlot<T> = T & { slotWaitMs: number };

/** What holding a slot around a clone needs: the lock's client, whether the guest exists, and the clone step itself. */
export interface CloneInSlotParts {
  temporal(): Client;
  exists(target: { kind: 'lxc' | 'vm'; node: string; id: number }): Promise<boolean>;
  /** Resolves once the PVE task `upid` has stopped, whatever its exit status (the wait of a clone granted ahead). */
  taskStopped(upid: string, signal: AbortSignal): Promise<void>;
  /** Resolves once PVE shows the clone making `made` from `source` ended (the wait of a clone granted before the holder's task). */
  cloneEnded(source: CloneTarget, made: CloneTarget, signal: AbortSignal): Promise<void>;
  /** Defines the guest, telling the slot when its clone task runs (the next may be granted ahead) and when it has ended (the slot goes then). */
  defineContainer(plan: LxcPlan, cloneTask: CloneTaskHooks): Promise<StepOutcome>;
  defineVm(plan: VmPlan, cloneTask: CloneTaskHooks): Promise<StepOutcome & { isTemplate: boolean }>;
}

type Define<T> = (cloneTask: CloneTaskHooks) => Promise<T>;

export function cloneInSlotActivities(parts: CloneInSlotParts) {
  return {
    cloneContainerInSlot: (plan: LxcPlan, ticket: CloneSlotTicket): Promise<InSlot<StepOutcome>> =>
      inSlot(parts, named(ticket, { kind: 'lxc', node: plan.node, id: plan.ctid }), `CT ${plan.ctid} on ${plan.node}`, () => parts.exists({ kind: 'lxc', node: plan.node, id: plan.ctid }), (cloneTask) => parts.defineContainer(plan, cloneTask)),
    cloneVmInSlot: (plan: VmPlan, ticket: CloneSlotTicket): Promise<InSlot<StepOutcome & { isTemplate: boolean }>> =>
      inSlot(parts, named(ticket, { kind: 'vm', node: plan.node, id: plan.vmid }), `VM ${plan.vmid} on ${plan.node}`, () => parts.exists({ kind: 'vm', node: plan.node, id: plan.vmid }), (cloneTask) => parts.defineVm(plan, cloneTask)),
  };
}

/** The ticket with its holder naming the guest the clone makes, so the lock may grant the next in line before this clone's task starts. */
function named(ticket: CloneSlotTicket, target: CloneTarget): CloneSlotTicket {
  return { ...ticket, holder: { ...ticket.holder, target } };
}

export function createCloneInSlot(deps: ProvisioningDeps) {
  return cloneInSlotActivities({
    temporal: deps.temporal,
    exists: (target) => guestExists(deps, target),
    taskStopped: async (upid, signal) => waitForTaskToStop(await deps.pve(), upid, signal),
    cloneEnded: async (source, made, signal) => waitForCloneToEnd(await deps.pve(), source, made, signal),
    defineContainer: createEnsureContainerDefined(deps),
    defineVm: createEnsureVmDefined(deps),
  });
}

async function inSlot<T>(
  deps: Pick<CloneInSlotParts, 'temporal' | 'taskStopped' | 'cloneEnded'>,
  ticket: CloneSlotTicket,
  guest: string,
  exists: () => Promise<boolean>,
  define: Define<T>,
): Promise<InSlot<T>> {
  let slotWaitMs = 0;
  let slotFree: (() => Promise<void>) | undefined;
  if (!(await classified('ask for the clone slot', guest, exists))) {
    const asked = Date.now();
    const grant = await classified('wait for the clone slot', guest, () => awaitSlot(deps, ticket));
    slotWaitMs = Date.now() - asked;
    // Granted ahead: the slot is ours once the previous clone has ended on PVE (its release may
    // come later). The define step waits for that right before its request (mayClone), after its
    // read of the guest, so the read is not on the handoff.
    if (grant.after !== undefined || grant.afterGuest) {
      let stopped: Promise<void> | undefined;
      slotFree = () =>
        (stopped ??= classified('wait for the previous clone of the source', guest, () => awaitPrevious(deps, ticket, grant)).then(() => {
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

/** Waits for the slot, heartbeating; when granted ahead, what to wait for before cloning. */
async function awaitSlot(deps: Pick<CloneInSlotParts, 'temporal'>, ticket: CloneSlotTicket): Promise<CloneSlotGrant> {
  return heartbeating(`waiting for the clone slot of ${ticket.source} on ${ticket.node}`, () => waitForCloneSlot(deps.temporal(), ticket));
}

/**
 * Waits, heartbeating, until the clone this one was granted ahead of has ended: its task has
 * stopped; or, granted before that task was known, PVE shows its guest made and the source
 * unlocked, or the lock says the slot is ours (or names the task after all), whichever comes first.
 */
async function awaitPrevious(deps: Pick<CloneInSlotParts, 'temporal' | 'taskStopped' | 'cloneEnded'>, ticket: CloneSlotTicket, grant: CloneSlotGrant): Promise<void> {
  const cancelled = Context.current().cancellationSignal;
  const { after, afterGuest } = grant;
  if (after !== undefined || !afterGuest) {
    await heartbeating(`waiting for the previous clone of ${ticket.source} on ${ticket.node} (task ${after})`, () => deps.taskStopped(after!, cancelled));
    return;
  }
  const done = new AbortController();
  const stop = () => done.abort(cancelled.reason);
  cancelled.addEventListener('abort', stop, { once: true });
  const source: CloneTarget = { kind: afterGuest.kind, node: ticket.node, id: ticket.source };
  // Once the lock names the holder's task, that task's status is the one read to make: the watch
  // stops (and never settles; a cancellation ends the lock's side, which always runs to the end).
  const watching = new AbortController();
  const onPve = deps.cloneEnded(source, afterGuest, watching.signal).catch(() => new Promise<void>(() => undefined));
  // The lock's word is the fallback (a holder that gave up before its task, a source PVE keeps
  // locked): asked only after a while, so a clone PVE shows ended costs the lock no update.
  const byLock = sleep(ASK_LOCK_AFTER_MS, done.signal).then(() => waitForCloneTurn(deps.temporal(), ticket, done.signal)).then(async (upid) => {
    if (upid === undefined) return;
    watching.abort();
    await deps.taskStopped(upid, done.signal);
  });
  try {
    await heartbeating(`waiting for the previous clone of ${ticket.source} on ${ticket.node} (${afterGuest.kind === 'lxc' ? 'CT' : 'VM'} ${afterGuest.id} to be made)`, () =>
      Promise.race([onPve, byLock]),
    );
  } finally {
    cancelled.removeEventListener('abort', stop);
    done.abort();
    watching.abort();
    byLock.catch(() => undefined);
  }
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
