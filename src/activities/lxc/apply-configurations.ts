/**
 * apply_configurations: resources, network, boot settings, Proxmox feature flags, storage
 * volumes, AppArmor and raw lxc.* options. Reads the live config and writes only what
 * differs: keys an API token may set through the API, root-only keys (feature flags
 * beyond nesting) with `pct set` over SSH, raw lines by rewriting the config file.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { lxcSettingsToConfig, type LxcConfigKeys } from '../../proxmox/lxc-settings';
import { formatPropertyString, parsePropertyString, MOUNT_FORMAT } from '../../proxmox/property-strings';
import { classified, permanent } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { restartIfRunning } from './restart';

/** Keys with one value: a new value replaces the old line instead of adding another. */
const SINGLE_VALUED = ['lxc.apparmor.profile', 'lxc.apparmor.allow_nesting', 'lxc.mount.auto', 'lxc.cap.keep'];

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

      const desired: LxcConfigKeys = {
        ...lxcSettingsToConfig({
          hostname: plan.hostname,
          cores: plan.cores,
          memoryMb: plan.memoryMb,
          swapMb: plan.swapMb,
          nets: { 0: { ...plan.net0 } },
          onboot: plan.onboot,
          ...(plan.startup ? { startup: plan.startup } : {}),
        }),
        ...featuresKey(plan),
        ...volumeKeys(plan, live),
      };
      const diff = await ct.applyDifference(desired);
      const changed = [...Object.keys(diff.api)];

      const { rootOnlyChanged, linesChanged } = await deps.withHost(async (host) => {
        if (Object.keys(diff.rootOnly).length) await host.pct.pctSet(plan.ctid, diff.rootOnly);
        const lines = plan.lxcOptions.map(([key, value]) => `${key}: ${value}`);
        const result = await host.pct.ensureLxcConfLines(plan.ctid, lines, { exclusiveKeys: SINGLE_VALUED });
        return { rootOnlyChanged: Object.keys(diff.rootOnly), linesChanged: result.changed };
      });
      changed.push(...rootOnlyChanged);
      if (linesChanged) changed.push('lxc.* lines');

      const needsRestart = rootOnlyChanged.length > 0 || linesChanged;
      const restarted = needsRestart ? await restartIfRunning(pve, plan) : false;
      if (changed.length === 0) return { changed: false, summary: 'unchanged' };
      return { changed: true, summary: `set ${changed.join(', ')}${restarted ? ' (restarted to apply)' : ''}` };
    });
  };
}

/** `features` as one property string; nesting alone goes through the API, others need root. */
function featuresKey(plan: LxcPlan): LxcConfigKeys {
  const entries = Object.entries(plan.pctFeatures);
  return entries.length ? { features: formatPropertyString(Object.fromEntries(entries)) } : {};
}

/**
 * Storage volumes (`volumes`, `zfs_volumes`): an existing mount point with the same path is
 * kept as it is (PVE allocated its volume); a missing one gets the next free mpN index and a
 * new `<storage>:<size>` volume.
 */
function volumeKeys(plan: LxcPlan, live: Record<string, unknown>): LxcConfigKeys {
  const mounts = Object.entries(live).filter(([k]) => /^mp\d+$/.test(k));
  const used = new Set(mounts.map(([k]) => Number(k.slice(2))));
  const byPath = new Map(mounts.map(([k, v]) => [parsePropertyString(String(v), MOUNT_FORMAT).mp, k]));
  const keys: LxcConfigKeys = {};
  let next = 0;
  for (const volume of plan.volumes) {
    if (byPath.has(volume.mountPath)) continue;
    while (used.has(next)) next++;
    used.add(next);
    keys[`mp${next}`] = `${volume.storage}:${volume.sizeGb},mp=${volume.mountPath}`;
  }
  return keys;
}
