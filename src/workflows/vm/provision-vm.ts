/**
 * Provisions one QEMU VM end to end: clone (or import the cloud image for a template),
 * configure resources and generated cloud-init, boot, wait for the guest agent and for
 * cloud-init's first boot (which runs the VM's features), then snapshot or convert to a
 * template. Workflow id: `phoenix-vm-<vmid>`.
 */
import { ActivityCancellationType, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { PreflightActivities } from '../../activities/preflight/verify-trust';
import type { LifecycleActivities } from '../../activities/lifecycle';
import type { VmActivities } from '../../activities/vm/types';
import { progressQuery, type GuestProgress, type StepOutcome } from '../../shared/progress';
import { PhoenixId, PhoenixKind, PhoenixTemplate } from '../../shared/search-attributes';
import type { VmPlan } from '../../shared/vm-plan';
import { guestJob, PREFLIGHT_TRUST_PATCH, proxmoxTask, quickStep, templateWait, withHeartbeatTimeout } from '../activity-presets';
import { VM_WORKFLOW_STEPS } from '../../shared/steps';
import { StepTracker } from '../step-tracker';
import { CLONE_SLOT_IN_ACTIVITY, CLONE_SLOT_LOCK, VM_CONFIGURATION_TASK_PRESET } from '../patches';
import { withCloneSlot, withSlotInActivity } from '../clone-lock/clone-slot';

export interface ProvisionVmInput {
  vmid: number;
  /** Given by phoenixUp: its clone goes before siblings with less work after them (CloneSlotHolder.priority). */
  clonePriority?: number;
}

export interface ProvisionVmResult {
  vmid: number;
  name: string;
  template: boolean;
  ips: string[];
  steps: Array<{ name: string; changed: boolean; summary: string }>;
  /** The steps' final states (what the progress query answers), so a follower need not query the closed run (a replay). */
  progress?: GuestProgress;
}

export const VM_STEPS = VM_WORKFLOW_STEPS;

const quick = proxyActivities<VmActivities>(quickStep);
const preflight = proxyActivities<PreflightActivities>(quickStep);

/** The long steps' proxies, with the worker's heartbeat timeout (from the plan) when it set one. */
function longStepProxies(heartbeatTimeout: string | undefined, retryDeadline: string | undefined) {
  const proxy = (preset: typeof proxmoxTask) => proxyActivities<VmActivities>(withHeartbeatTimeout(preset, heartbeatTimeout, retryDeadline));
  // A clone holding its source's slot releases it only once the activity has really stopped.
  const cloneTask = { ...proxmoxTask, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
  const slotted = proxyActivities<Pick<LifecycleActivities, 'cloneVmInSlot'>>(withHeartbeatTimeout(cloneTask, heartbeatTimeout, retryDeadline));
  return { tasks: proxy(proxmoxTask), cloneTasks: proxy(cloneTask), slotted, boots: proxy(guestJob), waits: proxy(templateWait) };
}

export async function provisionVm(input: ProvisionVmInput): Promise<ProvisionVmResult> {
  const tracker = new StepTracker('vm', input.vmid, VM_STEPS);
  setHandler(progressQuery, () => tracker.snapshot());
  upsertSearchAttributes([
    { key: PhoenixId, value: String(input.vmid) },
    { key: PhoenixKind, value: 'vm' },
  ]);
  const done: ProvisionVmResult['steps'] = [];
  const record = (name: string) => (outcome: StepOutcome) => {
    done.push({ name, changed: outcome.changed, summary: outcome.summary });
    return outcome;
  };

  let loaded: VmPlan | undefined;
  await tracker.run('load_plan', async () => {
    loaded = await quick.loadVmPlan({ vmid: input.vmid });
    // Trust before effect: the API certificate and SSH host key are checked before the first change.
    if (patched(PREFLIGHT_TRUST_PATCH)) await preflight.verifyTrust({ nodes: [loaded.node] });
    return { changed: false, summary: `${loaded.name} on node ${loaded.node}` };
  });
  if (!loaded) throw new Error('unreachable: plan not loaded');
  const plan: VmPlan = loaded;
  const { tasks, cloneTasks, slotted, boots, waits } = longStepProxies(plan.heartbeatTimeout, plan.retryDeadline);

  if (plan.source.kind === 'clone') {
    const parentVmid = plan.source.parentVmid;
    upsertSearchAttributes([{ key: PhoenixTemplate, value: String(parentVmid) }]);
    await tracker.run('ensure_parent_template', () =>
      waits.ensureVmTemplateReady({ vmid: parentVmid }).then(record('ensure_parent_template')),
    );
  } else {
    tracker.skip('ensure_parent_template', `imported from ${plan.source.image}`);
  }

  let alreadyTemplate = false;
  await tracker.run('ensure_vm_defined', async () => {
    // The clone holds its source's clone slot (PVE locks the source for the clone task).
    const slot =
      plan.source.kind === 'clone' && patched(CLONE_SLOT_LOCK)
        ? { node: plan.node, source: plan.source.parentVmid, target: { kind: 'vm' as const, id: plan.vmid }, ...(input.clonePriority ? { priority: input.clonePriority } : {}) }
        : undefined;
    // Since clone-slot-in-activity the clone activity takes and releases the slot itself (one workflow task per handoff).
    const inActivity = slot !== undefined && patched(CLONE_SLOT_IN_ACTIVITY);
    const outcome = await (slot
      ? inActivity
        ? withSlotInActivity(slot, (ticket) => slotted.cloneVmInSlot(plan, ticket))
        : withCloneSlot(slot, () => cloneTasks.ensureVmDefined(plan))
      : tasks.ensureVmDefined(plan));
    alreadyTemplate = outcome.isTemplate;
    return record('ensure_vm_defined')({ changed: outcome.changed, summary: outcome.summary });
  });
  if (alreadyTemplate) {
    // A template is immutable in practice (it cannot boot, and its linked data backs its
    // clones): once converted, there is nothing left to converge.
    for (const step of VM_STEPS.slice(VM_STEPS.indexOf('apply_vm_configurations'))) {
      tracker.skip(step, 'already a template');
    }
    return { vmid: plan.vmid, name: plan.name, template: true, ips: [], steps: done, progress: tracker.snapshot() };
  }
  // It waits for the VM lock and a disk resize task: the task preset (heartbeat, 30 min), not the quick one.
  const configure = patched(VM_CONFIGURATION_TASK_PRESET) ? tasks : quick;
  await tracker.run('apply_vm_configurations', () =>
    configure.applyVmConfigurations(plan).then(record('apply_vm_configurations')),
  );
  await tracker.run('start_vm', () => tasks.startVm(plan).then(record('start_vm')));
  let ips: string[] = [];
  await tracker.run('wait_for_guest_agent', async () => {
    const outcome = await boots.waitForGuestAgent(plan);
    ips = outcome.ips;
    return record('wait_for_guest_agent')({ changed: outcome.changed, summary: outcome.summary });
  });
  await tracker.run('wait_for_cloud_init', () => boots.waitForCloudInit(plan).then(record('wait_for_cloud_init')));

  if (plan.snapshot && !plan.isTemplate) {
    await tracker.run('create_vm_snapshot', () => tasks.createVmSnapshot(plan).then(record('create_vm_snapshot')));
  } else {
    tracker.skip('create_vm_snapshot', plan.isTemplate ? 'templates carry no snapshots' : 'no snapshot configured');
  }
  if (plan.isTemplate) {
    await tracker.run('convert_to_template', () =>
      tasks.convertVmToTemplate(plan).then(record('convert_to_template')),
    );
  } else {
    tracker.skip('convert_to_template', 'not a template');
  }

  return { vmid: plan.vmid, name: plan.name, template: plan.isTemplate, ips, steps: done, progress: tracker.snapshot() };
}
