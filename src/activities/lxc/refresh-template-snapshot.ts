/**
 * Re-takes a template's clone snapshot so that clones made from now on get what the
 * template's last run changed. Safe for existing clones: Phoenix clones are full clones,
 * which keep nothing of the snapshot they were made from.
 *
 * Idempotent across retries: a snapshot taken after this activity was first scheduled is
 * already the refreshed one, so a retried attempt that finds it stops there instead of
 * deleting it again.
 */
import { Context } from '@temporalio/activity';
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createRefreshTemplateSnapshot(deps: ProvisioningDeps) {
  return async function refreshTemplateSnapshot(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const name = plan.templateSnapshot;
    if (!name) return { changed: false, summary: 'not a template' };
    return classified(`refresh the template snapshot '${name}'`, guest, async () => {
      const pve = await deps.pve();
      const ct = pve.node(plan.node).lxc(plan.ctid);
      const wait = (upid: string, what: string) =>
        pve.tasks.wait(upid, { what: `${what} of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });
      const firstScheduled = Context.current().info.scheduledTimestampMs;

      const existing = (await ct.snapshots()).find((s) => s.name === name);
      if (existing?.snaptime !== undefined && existing.snaptime * 1000 >= firstScheduled - 1000) {
        return { changed: true, summary: `snapshot '${name}' refreshed` };
      }
      if (existing) {
        const upid = await ct.deleteSnapshot(name);
        heartbeat({ upid, state: 'deleting the old snapshot' });
        await wait(upid, `deletion of snapshot '${name}'`);
      }
      const upid = await ct.createSnapshot(name, { description: 'Phoenix template snapshot: clones are made from it' });
      heartbeat({ upid, state: 'taking the new snapshot' });
      await wait(upid, `snapshot '${name}'`);
      return { changed: true, summary: `snapshot '${name}' refreshed` };
    });
  };
}
