/**
 * Provisions one container end to end, in the original Phoenix's step order. Every step is
 * an idempotent activity, so running this workflow again on a finished container changes
 * nothing and is quick. Workflow id: `phoenix-lxc-<ctid>` (see shared/workflow-ids).
 */
import { ActivityCancellationType, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';
import type { LxcActivities } from '../../activities/lxc/types';
import type { PreflightActivities } from '../../activities/preflight/verify-trust';
import { isTemplatePlan, type LxcPlan } from '../../shared/lxc-plan';
import { progressQuery, type GuestProgress, type StepOutcome } from '../../shared/progress';
import { PhoenixKind, PhoenixTemplate, PhoenixId } from '../../shared/search-attributes';
import { guestJob, healthProbe, PREFLIGHT_TRUST_PATCH, proxmoxTask, quickStep, templateWait, withHeartbeatTimeout } from '../activity-presets';
import { LXC_WORKFLOW_STEPS } from '../../shared/steps';
import { CLONE_SLOT_IN_ACTIVITY, CLONE_SLOT_LOCK, LEAF_PRE_CONFIGURED_SNAPSHOT } from '../patches';
import { withCloneSlot, withSlotInActivity } from '../clone-lock/clone-slot';
import { StepTracker } from '../step-tracker';

export interface ProvisionLxcInput {
  ctid: number;
  /** The node `up`'s placement chose (absent: the guest's own, or placed by load_plan). */
  node?: string;
  /** Set for a per-node copy of this template; `ctid` is then the copy's ID. */
  copyOf?: number;
  /** Given by phoenixUp: its clone goes before siblings with less work after them (CloneSlotHolder.priority). */
  clonePriority?: number;
  /** Given by phoenixUp when it starts this guest while its template's run is still in progress (TemplateReadyInput.afterItsRun). */
  afterTemplateRun?: boolean;
}

export interface ProvisionLxcResult {
  ctid: number;
  hostname: string;
  ip: string;
  template: boolean;
  steps: Array<{ name: string; changed: boolean; summary: string }>;
  /** The steps' final states (what the progress query answers), so a follower need not query the closed run (a replay). */
  progress?: GuestProgress;
}

export const LXC_STEPS = LXC_WORKFLOW_STEPS;

const quick = proxyActivities<LxcActivities>(quickStep);
const preflight = proxyActivities<PreflightActivities>(quickStep);

/** The long steps' proxies, with the worker's heartbeat timeout (from the plan) when it set one. */
function longStepProxies(heartbeatTimeout: string | undefined, retryDeadline: string | undefined) {
  const proxy = (preset: typeof proxmoxTask) => proxyActivities<LxcActivities>(withHeartbeatTimeout(preset, heartbeatTimeout, retryDeadline));
  // A clone holding its source's slot releases it only once the activity has really stopped.
  const cloneTask = { ...proxmoxTask, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
  const slotted = proxyActivities<Pick<LifecycleActivities, 'cloneContainerInSlot'>>(withHeartbeatTimeout(cloneTask, heartbeatTimeout, retryDeadline));
  return { tasks: proxy(proxmoxTask), cloneTasks: proxy(cloneTask), slotted, jobs: proxy(guestJob), waits: proxy(templateWait), probes: proxy(healthProbe) };
}

export async function provisionLxc(input: ProvisionLxcInput): Promise<ProvisionLxcResult> {
  const tracker = new StepTracker('lxc', input.ctid, LXC_STEPS);
  setHandler(progressQuery, () => tracker.snapshot());
  upsertSearchAttributes([
    { key: PhoenixId, value: String(input.ctid) },
    { key: PhoenixKind, value: 'lxc' },
  ]);
  const done: ProvisionLxcResult['steps'] = [];
  const record = (name: string) => (outcome: StepOutcome) => {
    done.push({ name, ...outcome });
    return outcome;
  };

  let plan: LxcPlan | undefined;
  await tracker.run('load_plan', async () => {
    plan = await quick.loadLxcPlan({ ctid: input.ctid, ...(input.node !== undefined ? { node: input.node } : {}), ...(input.copyOf !== undefined ? { copyOf: input.copyOf } : {}) });
    // Trust before effect: the API certificate and SSH host key are checked before the first change.
    if (patched(PREFLIGHT_TRUST_PATCH)) await preflight.verifyTrust({ nodes: [plan.node] });
    return { changed: false, summary: `${plan.hostname} on node ${plan.node}` };
  });
  if (!plan) throw new Error('unreachable: plan not loaded');
  const p: LxcPlan = plan;
  const { tasks, cloneTasks, slotted, jobs, waits, probes } = longStepProxies(p.heartbeatTimeout, p.retryDeadline);

  if (p.source.kind === 'clone') {
    const { parentCtid, parentSnapshot, parentNode, parentCopyOf } = p.source;
    upsertSearchAttributes([{ key: PhoenixTemplate, value: String(parentCtid) }]);
    await tracker.run('ensure_parent_template', () =>
      waits
        .ensureLxcTemplateReady({
          ctid: parentCtid,
          snapshot: parentSnapshot,
          // Several nodes: the template's node, and for a per-node copy the template it copies.
          ...(parentNode !== undefined ? { node: parentNode } : {}),
          ...(parentCopyOf !== undefined ? { copyOf: parentCopyOf } : {}),
          ...(input.afterTemplateRun ? { afterItsRun: true } : {}),
        })
        .then(record('ensure_parent_template')),
    );
  } else {
    tracker.skip('ensure_parent_template', 'created from an ostemplate');
  }

  // The clone holds its source's clone slot (PVE locks the source for the clone task); runs
  // recorded before the lock replay without it.
  const cloneSlot =
    p.source.kind === 'clone' && patched(CLONE_SLOT_LOCK)
      ? { node: p.node, source: p.source.parentCtid, target: { kind: 'lxc' as const, id: p.ctid }, ...(input.clonePriority ? { priority: input.clonePriority } : {}) }
      : undefined;
  // Since clone-slot-in-activity the clone activity takes and releases the slot itself (one workflow task per handoff).
  const define = (): Promise<StepOutcome> => {
    if (!cloneSlot) return tasks.ensureContainerDefined(p);
    if (!patched(CLONE_SLOT_IN_ACTIVITY)) return withCloneSlot(cloneSlot, () => cloneTasks.ensureContainerDefined(p));
    return withSlotInActivity(cloneSlot, (ticket) => slotted.cloneContainerInSlot(p, ticket)).then(({ slotWaitMs: _wait, ...outcome }) => outcome);
  };
  await tracker.run('ensure_container_defined', () => define().then(record('ensure_container_defined')));
  await tracker.run('apply_configurations', () => tasks.applyConfigurations(p).then(record('apply_configurations')));
  if (patched(LEAF_PRE_CONFIGURED_SNAPSHOT)) {
    // The point the original's `pre-configured` marked: defined and configured, before shared
    // volumes (PVE cannot snapshot bind mounts), features and the application script.
    if (p.reconfigureSnapshot !== undefined) {
      await tracker.run('create_pre_configured_snapshot', () =>
        tasks.createPreConfiguredSnapshot(p).then(record('create_pre_configured_snapshot')),
      );
    } else {
      tracker.skip('create_pre_configured_snapshot', isTemplatePlan(p) ? 'a template: reconfigure returns to its template snapshot' : 'no reconfigure snapshot planned');
    }
  }
  await tracker.run('apply_shared_volumes', () => tasks.applySharedVolumes(p).then(record('apply_shared_volumes')));
  await tracker.run('start_container', () => tasks.startContainer(p).then(record('start_container')));

  // One step per feature, in the configured order: each is its own job with its own id,
  // so a crash in the middle of `nvidia` never re-runs `base_setup`.
  if (p.features.length === 0) tracker.skip('apply_features', 'no features');
  tracker.expand('apply_features', p.features.map((f) => `apply_features:${f.name}`));
  for (const feature of p.features) {
    const name = `apply_features:${feature.name}`;
    await tracker.run(name, () =>
      jobs.applyFeature({ plan: p, feature, jobId: jobIdFor(`feature-${feature.name}`) }).then(record(name)),
    );
  }

  if (p.application) {
    await tracker.run('run_application_script', () =>
      jobs.runApplicationScript({ plan: p, jobId: jobIdFor('app') }).then(record('run_application_script')),
    );
  } else {
    tracker.skip('run_application_script', 'no application script');
  }

  if (p.healthChecks.length > 0) {
    await tracker.run('run_health_check', () => probes.runHealthCheck(p).then(record('run_health_check')));
  } else {
    tracker.skip('run_health_check', 'no health checks');
  }

  if (isTemplatePlan(p)) {
    await tracker.run('create_template_snapshot', () =>
      tasks.createTemplateSnapshot(p).then(record('create_template_snapshot')),
    );
  } else {
    tracker.skip('create_template_snapshot', 'not a template');
  }

  return { ctid: p.ctid, hostname: p.hostname, ip: p.net0.ip, template: isTemplatePlan(p), steps: done, progress: tracker.snapshot() };
}

/**
 * Job ids derive from the workflow run and the step, so a retried activity (same run)
 * re-attaches to its job, while a later run of the workflow starts a fresh one. The whole
 * run id: run ids are UUIDv7, whose first characters are a timestamp shared by every run
 * started within the same minute or so.
 */
function jobIdFor(step: string): string {
  const { workflowId, runId } = workflowInfo();
  return `${workflowId}-${runId}-${step}`.replace(/[^A-Za-z0-9._-]/g, '_');
}
