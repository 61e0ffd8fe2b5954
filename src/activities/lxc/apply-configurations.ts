/**
 * apply_configurations: resources, network, boot settings, Proxmox feature flags, storage
 * volumes, AppArmor and raw lxc.* options. Reads the live config and writes only what
 * differs: keys an API token may set through the API, root-only keys (feature flags
 * beyond nesting) with `pct set` over SSH, raw lines by rewriting the config file.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { desiredLxcConfig, desiredLxcLines, SINGLE_VALUED_LXC_KEYS } from './desired-config';
import { finishPendingRestart, markRestartPending } from './restart';


export function createApplyConfigurations(deps: ProvisioningDeps) {
  return async function applyConfigurations(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    return classified('apply configurations', guest, async () => {
      const pve = await deps.pve();
      const ct = pve.node(plan.node).lxc(plan.ctid);
      const live = await ct.config();

      const liveUnprivileged = live.unprivileged === undefined ? true : String(live.unprivileged) === '1';
      if (liveUnprivileged !== plan.unprivileged) {
        throw permanent(
          `${guest} is ${liveUnprivileged ? 'unprivileged' : 'privileged'} but the config says unprivileged=${plan.unprivileged}; ` +
            `PVE cannot change this on an existing container: recreate it or change the config`,
        );
      }

      const desired = desiredLxcConfig(plan, live);
      const diff = await ct.applyDifference(desired);
      const changed = [...Object.keys(diff.api)];

      // Root-only keys and raw lines apply at the next start: the restart is recorded before
      // the write and finished from that record, so a retry after a crash still restarts.
      const { rootOnlyChanged, linesChanged, restarted } = await deps.withHost(async (host) => {
        if (Object.keys(diff.rootOnly).length) {
          await markRestartPending(host, plan.ctid, 'root-only settings');
          await host.pct.pctSet(plan.ctid, diff.rootOnly);
        }
        const result = await host.pct.ensureLxcConfLines(plan.ctid, desiredLxcLines(plan), {
          exclusiveKeys: SINGLE_VALUED_LXC_KEYS,
          beforeWrite: () => markRestartPending(host, plan.ctid, 'lxc.* lines'),
        });
        // A stopped container is started by start_container, with the new settings.
        const restarted = await finishPendingRestart(pve, host, plan, { startIfStopped: false });
        return { rootOnlyChanged: Object.keys(diff.rootOnly), linesChanged: result.changed, restarted };
      }, undefined, plan.node);
      changed.push(...rootOnlyChanged);
      if (linesChanged) changed.push('lxc.* lines');

      if (changed.length === 0 && !restarted) return { changed: false, summary: 'unchanged' };
      if (changed.length === 0) return { changed: true, summary: 'restarted to apply the settings written by an earlier attempt' };
      return { changed: true, summary: `set ${changed.join(', ')}${restarted ? ' (restarted to apply)' : ''}` };
    });
  };
}
