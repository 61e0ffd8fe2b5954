/**
 * From the validated configuration to the plan of one container (what the LXC workflow's
 * activities make true). Pure: the `loadLxcPlan` activity reads the files and calls this.
 */
import { reconfigureSnapshotName, UnknownGuestError, type LxcGuest, type PhoenixConfig } from '../config';
import type { GuestFeature, LxcPlan } from '../shared/lxc-plan';
import { applicationEnv, applicationScriptFile } from './applications';
import { healthChecksFor } from './health-checks';
import { lineageHasFeature } from './lineage';

/** PVE's default swap for new containers. */
const DEFAULT_SWAP_MB = 512;

export function buildLxcPlan(config: PhoenixConfig, ctid: number, node: string): LxcPlan {
  const guest = config.containers.find((c) => c.id === ctid);
  if (!guest) {
    if (config.vms.some((v) => v.id === ctid)) throw new Error(`${ctid} is a VM, not a container`);
    throw new UnknownGuestError(ctid);
  }
  const plan: LxcPlan = {
    ctid,
    hostname: guest.name,
    node,
    source: sourceOf(config, guest),
    storage: guest.storage_pool,
    rootfsGb: guest.storage_size_gb,
    unprivileged: guest.unprivileged,
    cores: guest.cores,
    memoryMb: guest.memory_mb,
    swapMb: guest.swap_mb ?? DEFAULT_SWAP_MB,
    net0: {
      name: guest.network_config.name,
      bridge: guest.network_config.bridge,
      ip: guest.network_config.ip,
      ...(guest.network_config.gw ? { gw: guest.network_config.gw } : {}),
      ...(guest.mac_address ? { hwaddr: guest.mac_address.toUpperCase() } : {}),
    },
    onboot: guest.start_at_boot,
    pctFeatures: Object.fromEntries(guest.pct_options.map((o) => splitOnce(o, '='))),
    apparmorProfile: guest.apparmor_profile ?? 'unconfined',
    apparmorManagesNesting: guest.apparmor_manages_nesting ?? false,
    lxcOptions: lxcOptionsOf(guest),
    volumes: [...guest.volumes, ...guest.zfs_volumes].map((v) => ({
      name: v.name,
      storage: v.pool,
      sizeGb: v.size_gb,
      mountPath: v.mount_point,
    })),
    sharedVolumes: guest.shared_mounts.map((m) => ({ name: m.volume, hostPath: m.host_path, mountPath: m.mount_point })),
    gpuIndices: [...guest.gpu_assignment],
    features: guest.features.map((name) => featureOf(config, guest, name)),
    healthChecks: healthChecksFor(guest),
  };
  if (guest.template_snapshot_name) plan.templateSnapshot = guest.template_snapshot_name;
  else plan.reconfigureSnapshot = reconfigureSnapshotName(guest);
  if (guest.boot_order !== undefined && guest.boot_order > 0) {
    plan.startup = { order: guest.boot_order, ...(guest.boot_delay ? { up: guest.boot_delay, down: guest.boot_delay } : {}) };
  }
  if (guest.application_script) {
    plan.application = { script: applicationScriptFile(guest.application_script), env: applicationEnv(guest) };
  }
  return plan;
}

function sourceOf(config: PhoenixConfig, guest: LxcGuest): LxcPlan['source'] {
  if (guest.clone_from_ctid !== undefined) {
    const parent = config.containers.find((c) => c.id === guest.clone_from_ctid);
    if (!parent?.template_snapshot_name) {
      // Cross-file checks guarantee this; a direct caller gets a clear message anyway.
      throw new Error(`CT ${guest.id}: parent ${guest.clone_from_ctid} is not a template (no template_snapshot_name)`);
    }
    return { kind: 'clone', parentCtid: parent.id, parentSnapshot: parent.template_snapshot_name };
  }
  if (!guest.template) throw new Error(`CT ${guest.id}: neither clone_from_ctid nor template (an ostemplate) is set`);
  return { kind: 'ostemplate', ostemplate: guest.template };
}

function featureOf(config: PhoenixConfig, guest: LxcGuest, name: string): GuestFeature {
  const env: Record<string, string> = { PHOENIX_CTID: String(guest.id) };
  if (name === 'nvidia') {
    const version = guest.nvidia_driver_version ?? config.hypervisor.nvidia_driver?.version;
    const runfile = guest.nvidia_runfile_url ?? config.hypervisor.nvidia_driver?.runfile_url;
    if (version) env.PHOENIX_NVIDIA_DRIVER_VERSION = version;
    if (runfile) env.PHOENIX_NVIDIA_RUNFILE_URL = runfile;
    if (guest.nvidia_repo_url) env.PHOENIX_NVIDIA_REPO_URL = guest.nvidia_repo_url;
  }
  if (name === 'docker') env.PHOENIX_HAS_NVIDIA = lineageHasFeature(config, guest, 'nvidia') ? '1' : '0';
  return { name, env };
}

/**
 * Raw `lxc.*` lines: the configured `lxc_options` (`key=value`), then what the AppArmor
 * settings imply. `apparmor_profile` wins over an `lxc.apparmor.profile` option.
 */
function lxcOptionsOf(guest: LxcGuest): Array<[string, string]> {
  const options = new Map<string, string[]>();
  const add = (key: string, value: string) => options.set(key, [...(options.get(key) ?? []), value]);
  for (const raw of guest.lxc_options) {
    const [key, value] = splitOnce(raw, '=');
    // The original wrote `lxc.cap.keep=a,b,c` as one capability list.
    add(key, key === 'lxc.cap.keep' ? value.split(',').map((c) => c.trim()).join(' ') : value);
  }
  options.set('lxc.apparmor.profile', [guest.apparmor_profile ?? options.get('lxc.apparmor.profile')?.[0] ?? 'unconfined']);
  if (guest.apparmor_manages_nesting) {
    options.set('lxc.apparmor.allow_nesting', ['1']);
    const includes = options.get('lxc.include') ?? [];
    if (!includes.includes('/usr/share/lxc/config/nesting.conf')) add('lxc.include', '/usr/share/lxc/config/nesting.conf');
  }
  return [...options.entries()].flatMap(([key, values]) => values.map((v): [string, string] => [key, v]));
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text.trim(), ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}
