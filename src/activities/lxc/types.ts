/**
 * The LXC provisioning activities, as the workflow sees them (type-only import).
 * One activity per step of the original Phoenix; each reads the live state first and
 * acts only on the difference.
 */
import type { GuestInspection } from '../../shared/inspection';
import type { GuestFeature, LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';

export interface TemplateReadyInput {
  /** The template container whose snapshot the caller wants to clone. */
  ctid: number;
  snapshot: string;
  /** Its node (default: the API node). */
  node?: string;
  /** Set when `ctid` is a per-node copy of this template (built by its own run on `node`). */
  copyOf?: number;
  /**
   * The template's run is in progress, started by the same `up` (which started this guest before
   * that run ended): wait for that run to end, whatever the snapshot, and never start one; a run
   * that failed fails this guest's wait (`up` reports the guest skipped).
   */
  afterItsRun?: boolean;
}

export interface LoadLxcPlanInput {
  ctid: number;
  /** The node `up`'s placement chose; absent: the guest's own, or placed now. */
  node?: string;
  /** Set for a per-node copy of this template (`ctid` is the copy's ID). */
  copyOf?: number;
}

export interface LxcActivities {
  /** Reads the configuration on the worker and resolves the container's plan. */
  loadLxcPlan(input: LoadLxcPlanInput): Promise<LxcPlan>;
  /**
   * Makes sure the template's snapshot exists: when it does not, starts (or joins) the
   * template's own workflow and waits for it, heartbeating.
   */
  ensureLxcTemplateReady(input: TemplateReadyInput): Promise<StepOutcome>;
  ensureContainerDefined(plan: LxcPlan): Promise<StepOutcome>;
  applyConfigurations(plan: LxcPlan): Promise<StepOutcome>;
  /** Takes a leaf's reconfigure snapshot once (the original's `pre-configured`). */
  createPreConfiguredSnapshot(plan: LxcPlan): Promise<StepOutcome>;
  applySharedVolumes(plan: LxcPlan): Promise<StepOutcome>;
  startContainer(plan: LxcPlan): Promise<StepOutcome>;
  /** Runs one feature script as a detached, re-attachable job; skips an unchanged one. */
  applyFeature(input: { plan: LxcPlan; feature: GuestFeature; jobId: string }): Promise<StepOutcome>;
  runApplicationScript(input: { plan: LxcPlan; jobId: string }): Promise<StepOutcome>;
  runHealthCheck(plan: LxcPlan): Promise<StepOutcome>;
  createTemplateSnapshot(plan: LxcPlan): Promise<StepOutcome>;
  /** Deletes and re-takes the template snapshot (scheduled rebuilds), once per activity. */
  refreshTemplateSnapshot(plan: LxcPlan): Promise<StepOutcome>;
  /** Read-only: what a run would change (phoenix-client plan). */
  inspectContainer(plan: LxcPlan): Promise<GuestInspection>;
}
