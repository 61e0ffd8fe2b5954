// From the LXC settings Phoenix manages to PVE config keys, and from a live config to
// "only the difference". Pure (no I/O, no Node built-ins): planning code can use it too.
//
// Some keys cannot be set with an API token at all (PVE checks for the literal user
// root@pam): bind/device mount points, devN passthrough, feature flags other than
// nesting (and any flag on a privileged CT), and raw `lxc.*` lines, which are not in the
// API schema. The diff sorts those out so they go through SSH (`pct set`, conf edit).
import {
  FEATURES_FORMAT,
  DEVICE_FORMAT,
  MOUNT_FORMAT,
  NET_FORMAT,
  STARTUP_FORMAT,
  formatFeatures,
  formatNet,
  formatStartup,
  mountPointKind,
  parseFeatures,
  parsePropertyString,
  propertyStringSatisfies,
  type LxcFeatures,
  type NetSettings,
  type PropertyFormat,
  type StartupSettings,
} from './property-strings';

export interface DesiredLxcSettings {
  hostname?: string;
  cores?: number;
  memoryMb?: number;
  swapMb?: number;
  /** `net0` .. `net31`, typed or as a ready property string. */
  nets?: Record<number, NetSettings | string>;
  onboot?: boolean;
  startup?: StartupSettings;
  features?: LxcFeatures;
  /** `mpN` property strings by index (volume or bind/device mounts). */
  mountPoints?: Record<number, string>;
  /** `devN` property strings by index, e.g. `/dev/nvidia0,mode=0666`. */
  devices?: Record<number, string>;
}

export type LxcConfigValue = string | number;
export type LxcConfigKeys = Record<string, LxcConfigValue>;

/** PVE config keys for the desired settings (only the ones given). */
export function lxcSettingsToConfig(d: DesiredLxcSettings): LxcConfigKeys {
  const out: LxcConfigKeys = {};
  if (d.hostname !== undefined) out.hostname = d.hostname;
  if (d.cores !== undefined) out.cores = d.cores;
  if (d.memoryMb !== undefined) out.memory = d.memoryMb;
  if (d.swapMb !== undefined) out.swap = d.swapMb;
  for (const [i, n] of Object.entries(d.nets ?? {})) out[`net${i}`] = typeof n === 'string' ? n : formatNet(n);
  if (d.onboot !== undefined) out.onboot = d.onboot ? 1 : 0;
  if (d.startup !== undefined) out.startup = formatStartup(d.startup);
  if (d.features !== undefined) out.features = formatFeatures(d.features);
  for (const [i, mp] of Object.entries(d.mountPoints ?? {})) out[`mp${i}`] = mp;
  for (const [i, dev] of Object.entries(d.devices ?? {})) out[`dev${i}`] = dev;
  return out;
}

function formatOf(key: string): PropertyFormat | undefined {
  if (/^net\d+$/.test(key)) return NET_FORMAT;
  if (/^(mp\d+|rootfs)$/.test(key)) return MOUNT_FORMAT;
  if (/^dev\d+$/.test(key)) return DEVICE_FORMAT;
  if (key === 'features') return FEATURES_FORMAT;
  if (key === 'startup') return STARTUP_FORMAT;
  return undefined;
}

/** Does the live value already satisfy the desired one (semantically for property strings)? */
export function lxcValueSatisfied(key: string, live: unknown, desired: LxcConfigValue): boolean {
  if (live === undefined || live === null) return false;
  const format = formatOf(key);
  if (format) {
    try {
      return propertyStringSatisfies(String(live), String(desired), format);
    } catch {
      return false;
    }
  }
  return String(live) === String(desired);
}

/** Why a key needs root@pam (i.e. SSH `pct set`), or undefined when an API token may set it. */
export function rootOnlyReason(key: string, value: LxcConfigValue, opts: { unprivileged: boolean }): string | undefined {
  if (/^(mp\d+|rootfs)$/.test(key)) {
    const volume = parsePropertyString(String(value), MOUNT_FORMAT).volume ?? '';
    const kind = mountPointKind(volume);
    if (kind !== 'volume') return `mount point type ${kind} is only allowed for root@pam`;
  }
  if (/^dev\d+$/.test(key)) return 'device passthrough is only allowed for root@pam';
  if (key === 'hookscript') return 'changing the hookscript is only allowed for root@pam';
  if (key === 'features') {
    if (!opts.unprivileged) return 'feature flags of a privileged container are only settable by root@pam';
    const f = parseFeatures(String(value));
    const others = Object.entries(f).filter(([k, v]) => k !== 'nesting' && (Array.isArray(v) ? v.length > 0 : v === true));
    if (others.length) return `feature flags other than nesting (${others.map(([k]) => k).join(', ')}) are only settable by root@pam`;
  }
  if (key.startsWith('lxc.')) return 'raw lxc.* keys are not part of the API';
  return undefined;
}

export interface LxcConfigDiff {
  /** Changed keys an API token may PUT. */
  api: LxcConfigKeys;
  /** Changed keys that must go through SSH `pct set` (root@pam), with the reason. */
  rootOnly: LxcConfigKeys;
  rootOnlyReasons: Record<string, string>;
  /** Keys already as desired. */
  unchanged: string[];
}

/**
 * Compares desired keys with the live config. `unprivileged` comes from the live config
 * (PVE's default for new CTs is 1).
 */
export function diffLxcConfig(live: Record<string, unknown>, desired: LxcConfigKeys): LxcConfigDiff {
  const unprivileged = live.unprivileged === undefined ? true : String(live.unprivileged) === '1';
  const diff: LxcConfigDiff = { api: {}, rootOnly: {}, rootOnlyReasons: {}, unchanged: [] };
  for (const [key, value] of Object.entries(desired)) {
    if (lxcValueSatisfied(key, live[key], value)) {
      diff.unchanged.push(key);
      continue;
    }
    const reason = rootOnlyReason(key, value, { unprivileged });
    if (reason) {
      diff.rootOnly[key] = value;
      diff.rootOnlyReasons[key] = reason;
    } else {
      diff.api[key] = value;
    }
  }
  return diff;
}
