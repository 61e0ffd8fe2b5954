/**
 * What a container's Proxmox config should hold, from its plan: the one definition shared by
 * apply_configurations (which writes the difference) and the live plan (which shows it).
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import { lxcSettingsToConfig, type LxcConfigKeys } from '../../proxmox/lxc-settings';
import { formatPropertyString, MOUNT_FORMAT, parsePropertyString } from '../../proxmox/property-strings';

/** Raw lxc.* keys with one value: a new value replaces the old line instead of adding another. */
export const SINGLE_VALUED_LXC_KEYS = ['lxc.apparmor.profile', 'lxc.apparmor.allow_nesting', 'lxc.mount.auto', 'lxc.cap.keep'];

export function desiredLxcConfig(plan: LxcPlan, live: Record<string, unknown>): LxcConfigKeys {
  return {
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
}

/** The raw `lxc.*` lines of the container's config file, `key: value`. */
export function desiredLxcLines(plan: LxcPlan): string[] {
  return plan.lxcOptions.map(([key, value]) => `${key}: ${value}`);
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
