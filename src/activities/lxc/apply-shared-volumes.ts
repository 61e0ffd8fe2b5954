/**
 * apply_shared_volumes: host folders from the hypervisor config's `shared_volumes`,
 * bind-mounted into the container. PVE reserves bind mounts to root@pam (an API token is
 * refused), so this goes through SSH: `mkdir` the host folder (owned by the container's
 * root, uid 100000, when it is unprivileged and the folder is new) and `pct set --mpN`.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { MOUNT_FORMAT, parsePropertyString } from '../../proxmox/property-strings';
import { classified, permanent } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { finishPendingRestart, markRestartPending } from './restart';

/** Where an unprivileged container's root lands on the host (PVE's default idmap). */
const UNPRIVILEGED_ROOT = '100000';

export function createApplySharedVolumes(deps: ProvisioningDeps) {
  return async function applySharedVolumes(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    return classified('apply shared volumes', guest, async () => {
      if (plan.sharedVolumes.length === 0) return { changed: false, summary: 'no shared volumes' };
      if (plan.templateSnapshot) {
        throw permanent(`${guest} is a template: PVE cannot snapshot or clone a container with bind mounts`, 'PhoenixInvalidConfig');
      }
      const pve = await deps.pve();
      const live = await pve.node(plan.node).lxc(plan.ctid).config();
      const mounts = Object.entries(live).filter(([k]) => /^mp\d+$/.test(k));
      const used = new Set(mounts.map(([k]) => Number(k.slice(2))));
      const byPath = new Map(mounts.map(([k, v]) => [parsePropertyString(String(v), MOUNT_FORMAT).mp, { key: k, value: String(v) }]));

      const added: string[] = [];
      const restarted = await deps.withHost(async (host) => {
        let next = 0;
        for (const volume of plan.sharedVolumes) {
          const created = (await host.run.exec(['test', '-d', volume.hostPath], { idempotent: true })).code !== 0;
          if (created) {
            await host.run.execChecked(['mkdir', '-p', '--', volume.hostPath], { idempotent: true });
            if (plan.unprivileged) await host.run.execChecked(['chown', `${UNPRIVILEGED_ROOT}:${UNPRIVILEGED_ROOT}`, '--', volume.hostPath], { idempotent: true });
          }
          const existing = byPath.get(volume.mountPath);
          const wanted = `${volume.hostPath},mp=${volume.mountPath}`;
          if (existing) {
            const current = parsePropertyString(existing.value, MOUNT_FORMAT).volume;
            if (current === volume.hostPath) continue;
            await markRestartPending(host, plan.ctid, 'bind mounts');
            await host.pct.pctSet(plan.ctid, { [existing.key]: wanted });
            added.push(`${existing.key}=${volume.name}`);
            continue;
          }
          while (used.has(next)) next++;
          used.add(next);
          await markRestartPending(host, plan.ctid, 'bind mounts');
          await host.pct.pctSet(plan.ctid, { [`mp${next}`]: wanted });
          added.push(`mp${next}=${volume.name}`);
        }
        // Recorded before each `pct set`: a retry after a crash finishes the restart.
        return finishPendingRestart(pve, host, plan, { startIfStopped: false });
      }, undefined, plan.node);
      if (added.length === 0 && !restarted) return { changed: false, summary: `${plan.sharedVolumes.length} shared volume(s) mounted` };
      if (added.length === 0) return { changed: true, summary: 'restarted to apply the mounts set by an earlier attempt' };
      return { changed: true, summary: `mounted ${added.join(', ')}${restarted ? ' (restarted to apply)' : ''}` };
    });
  };
}
