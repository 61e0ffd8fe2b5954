/**
 * `guestLifecycle`: the original's lifecycle verbs for one guest. Workflow id
 * `phoenix-<verb>-<lxc|vm>-<id>` (the CLI starts it with USE_EXISTING, so a second identical
 * request joins the one in progress).
 *
 * - stop: stop if running.
 * - restart: stop if running, then start.
 * - delete: stop, then destroy; refused for a template whose clones still exist; gone: no-op.
 * - reconfigure: roll back to the guest's configured snapshot (an error when there is none), then
 *   run the guest's provisioning workflow (`phoenix-lxc-<ctid>` / `phoenix-vm-<vmid>`) as a child,
 *   abandoned rather than terminated if this run is closed by force.
 *
 * One run per guest: a verb refuses to act while a provisioning run of the guest is in progress
 * (the message says how to wait for it or cancel it). A cancelled verb ends CANCELED.
 */
import { ApplicationFailure, executeChild, isCancellation, ParentClosePolicy, patched, proxyActivities } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';
import type { StepOutcome } from '../../shared/progress';
import { lxcWorkflowId, vmWorkflowId } from '../../shared/workflow-ids';
import { proxmoxTask, quickStep } from '../activity-presets';
import { CANCELLATION_PASSES_THROUGH, RECONFIGURE_CHILD_ABANDONED, VERB_CHECKS_RUNNING_PROVISIONING } from '../patches';
import { isAlreadyStarted } from '../already-started';
import { describeFailure } from '../failure-text';
import { provisionLxc } from '../lxc/provision-lxc';
import { provisionVm } from '../vm/provision-vm';

export type LifecycleVerb = 'stop' | 'restart' | 'delete' | 'reconfigure';

export interface GuestLifecycleInput {
  verb: LifecycleVerb;
  kind: 'lxc' | 'vm';
  id: number;
}

export interface GuestLifecycleResult {
  verb: LifecycleVerb;
  kind: 'lxc' | 'vm';
  id: number;
  steps: Array<{ name: string } & StepOutcome>;
}

const tasks = proxyActivities<LifecycleActivities>(proxmoxTask);
const quick = proxyActivities<LifecycleActivities>(quickStep);

export async function guestLifecycle(input: GuestLifecycleInput): Promise<GuestLifecycleResult> {
  const g = { kind: input.kind, id: input.id };
  const steps: GuestLifecycleResult['steps'] = [];
  const who = `${g.kind === 'lxc' ? 'CT' : 'VM'} ${g.id}`;
  const step = async (name: string, action: () => Promise<StepOutcome>) => {
    try {
      steps.push({ name, ...(await action()) });
    } catch (err) {
      if (isCancellation(err) && patched(CANCELLATION_PASSES_THROUGH)) throw err;
      throw ApplicationFailure.create({
        type: 'PhoenixStepFailed',
        nonRetryable: true,
        message: `${who}: ${input.verb} failed at ${name}: ${describeFailure(err)}`,
        details: [{ step: name, id: g.id, kind: g.kind }],
      });
    }
  };

  const provisioningId = g.kind === 'lxc' ? lxcWorkflowId(g.id) : vmWorkflowId(g.id);
  if (patched(VERB_CHECKS_RUNNING_PROVISIONING)) {
    const running = await quick.provisioningInProgress({ workflowId: provisioningId });
    if (running.running) {
      throw ApplicationFailure.nonRetryable(
        `${who}: not running ${input.verb}: ${provisioningId} is provisioning it (since ${running.startTime}); wait for it to end ("phoenix-client status ${g.id}") or cancel it ("phoenix-client cancel ${g.id}"), then ${input.verb} again`,
        'PhoenixGuestBusy',
      );
    }
  }

  switch (input.verb) {
    case 'stop':
      await step('stop', () => tasks.stopGuest(g));
      break;
    case 'restart':
      await step('stop', () => tasks.stopGuest(g));
      await step('start', () => tasks.startGuest(g));
      break;
    case 'delete':
      await step('destroy', () => tasks.destroyGuest(g));
      break;
    case 'reconfigure': {
      await step('rollback', () => tasks.rollbackToPreConfigured(g));
      await step('provision', async () => {
        const workflowId = provisioningId;
        // A provisioning run is never terminated as a side effect of this one closing.
        const closePolicy = patched(RECONFIGURE_CHILD_ABANDONED) ? { parentClosePolicy: ParentClosePolicy.ABANDON } : {};
        try {
          if (g.kind === 'lxc') await executeChild(provisionLxc, { workflowId, args: [{ ctid: g.id }], ...closePolicy });
          else await executeChild(provisionVm, { workflowId, args: [{ vmid: g.id }], ...closePolicy });
        } catch (err) {
          if (isAlreadyStarted(err)) {
            throw ApplicationFailure.nonRetryable(`${workflowId} is already running; wait for it (phoenix-client status ${g.id}) and reconfigure again`);
          }
          throw err;
        }
        return { changed: true, summary: `re-provisioned (${workflowId})` };
      });
      break;
    }
    default:
      throw ApplicationFailure.nonRetryable(`unknown verb ${String(input.verb)}`);
  }
  return { verb: input.verb, kind: g.kind, id: g.id, steps };
}
