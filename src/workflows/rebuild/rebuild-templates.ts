/**
 * Scheduled template rebuild: refreshes each template, parents before children, by running
 * its provisioning workflow again as a child.
 *
 * Why the child keeps the guest's own id (`phoenix-lxc-<ctid>`): every other path that builds
 * a template (`start`, a clone's ensure_parent_template) starts or joins that id, so a rebuild
 * and a concurrent `start` can never provision the same template twice at once. When the id is
 * busy (someone else's run of that template is in progress), the rebuild waits for it to end
 * (the awaitGuestRun activity, which heartbeats) and then runs its own pass, which converges
 * quickly because every step is idempotent. A cancelled rebuild asks its template run to stop
 * and ends CANCELED.
 *
 * Running clones are not touched: provisioning a template only acts on the template container
 * itself, and Phoenix's clones are full clones (they share no disk with the template).
 *
 * Deterministic: no I/O here; the plans come from the `loadLxcPlan` activity.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { isAlreadyStarted } from '../already-started';
import type { LifecycleActivities } from '../../activities/lifecycle';
import type { LxcActivities } from '../../activities/lxc/types';
import { progressQuery } from '../../shared/progress';
import { PhoenixKind, PhoenixStep } from '../../shared/search-attributes';
import { lxcWorkflowId } from '../../shared/workflow-ids';
import { proxmoxTask, quickStep, templateWait } from '../activity-presets';
import { CANCELLATION_PASSES_THROUGH, REBUILD_WAITS_THROUGH_ACTIVITY } from '../patches';
import type { ProvisionLxcResult } from '../lxc/provision-lxc';
import { orderParentsFirst } from './order';

export interface RebuildTemplatesInput {
  /** Template container ids; the workflow orders them parents first. */
  templates: number[];
  /**
   * When to re-take a template's clone snapshot after its run: `changed` (default) when the
   * run changed the template, `always` on every rebuild, `never` to leave it.
   */
  refreshSnapshot?: 'changed' | 'always' | 'never';
}

export interface RebuiltTemplate {
  ctid: number;
  workflowId: string;
  /** Steps of the template's run that changed something (configuration, features, ...). */
  changedSteps: string[];
  /**
   * True when the template's configuration or feature scripts changed in this pass, so the
   * clone snapshot taken earlier no longer matched the container (see docs/operations.md).
   */
  snapshotStale: boolean;
  /** The clone snapshot was deleted and taken again in this pass. */
  snapshotRefreshed: boolean;
}

export interface RebuildTemplatesResult {
  templates: RebuiltTemplate[];
}

const quick = proxyActivities<LxcActivities>(quickStep);
const tasks = proxyActivities<LxcActivities>(proxmoxTask);
const waits = proxyActivities<LifecycleActivities>(templateWait);

/** Runs recorded before REBUILD_WAITS_THROUGH_ACTIVITY retried a busy template behind timers. */
const BUSY_RETRY = '15 seconds';
const BUSY_ATTEMPTS = 240; // one hour: a template build is minutes, a chain tens of minutes

export async function rebuildTemplates(input: RebuildTemplatesInput): Promise<RebuildTemplatesResult> {
  upsertSearchAttributes([{ key: PhoenixKind, value: 'rebuild' }]);
  const plans = [];
  for (const ctid of input.templates) plans.push(await quick.loadLxcPlan({ ctid }));
  for (const p of plans) {
    if (p.templateSnapshot === undefined) {
      throw ApplicationFailure.nonRetryable(`CT ${p.ctid} is not a template (it has no template snapshot in the config): remove it from the schedule`, 'PhoenixInvalidConfig');
    }
  }
  const ordered = orderParentsFirst(plans.map((p) => ({ ctid: p.ctid, parent: p.source.kind === 'clone' ? p.source.parentCtid : undefined })));

  const steps = ordered.map((ctid) => ({ name: `rebuild:${ctid}`, state: 'pending' as 'pending' | 'running' | 'done' | 'failed' }));
  setHandler(progressQuery, () => ({ kind: 'lxc', id: ordered[0] ?? 0, current: steps.find((s) => s.state === 'running')?.name, steps: steps.map((s) => ({ ...s })) }));

  const results: RebuiltTemplate[] = [];
  for (const [i, ctid] of ordered.entries()) {
    steps[i]!.state = 'running';
    upsertSearchAttributes([{ key: PhoenixStep, value: steps[i]!.name }]);
    try {
      const result = await provisionWhenFree(ctid);
      const changedSteps = result.steps.filter((s) => s.changed && s.name !== 'create_template_snapshot').map((s) => s.name);
      // A snapshot the run itself just took (a first build) already has every change.
      const tookSnapshot = result.steps.some((s) => s.name === 'create_template_snapshot' && s.changed);
      const snapshotStale = changedSteps.length > 0 && !tookSnapshot;
      const policy = input.refreshSnapshot ?? 'changed';
      const refresh = policy === 'always' ? !tookSnapshot : policy === 'changed' && snapshotStale;
      if (refresh) await tasks.refreshTemplateSnapshot(plans.find((p) => p.ctid === ctid)!);
      results.push({ ctid, workflowId: lxcWorkflowId(ctid), changedSteps, snapshotStale, snapshotRefreshed: refresh });
      steps[i]!.state = 'done';
    } catch (err) {
      steps[i]!.state = 'failed';
      if (isCancellation(err) && patched(CANCELLATION_PASSES_THROUGH)) throw err;
      throw ApplicationFailure.create({
        type: 'PhoenixRebuildFailed',
        nonRetryable: true,
        message: `rebuild of template CT ${ctid} failed: ${err instanceof Error ? err.message : String(err)}`,
        cause: err instanceof Error ? err : undefined,
      });
    }
  }
  return { templates: results };
}

async function provisionWhenFree(ctid: number): Promise<ProvisionLxcResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await executeChild<(input: { ctid: number }) => Promise<ProvisionLxcResult>>('provisionLxc', {
        workflowId: lxcWorkflowId(ctid),
        args: [{ ctid }],
        // A cancelled rebuild asks the template's run to stop cleanly rather than killing it mid-step.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (err) {
      if (!isAlreadyStarted(err) || attempt >= BUSY_ATTEMPTS) throw err;
      // Someone else's run of the template: wait for it to close (whatever its outcome), then run our own pass.
      if (patched(REBUILD_WAITS_THROUGH_ACTIVITY)) await waits.awaitGuestRun({ workflowId: lxcWorkflowId(ctid) }).catch(rethrowCancellation);
      else await sleep(BUSY_RETRY);
    }
  }
}

/** The busy run's failure is its owner's business: only our own cancellation stops the rebuild. */
function rethrowCancellation(err: unknown): void {
  if (isCancellation(err)) throw err;
}
