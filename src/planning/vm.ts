/**
 * From the validated configuration to the plan of one QEMU VM (what the VM workflow's
 * activities make true). Pure: the `loadVmPlan` activity reads the files and calls this.
 *
 * The plan is recorded in workflow history, so `user_config.password_hash` stays out of it:
 * the activity writing the cloud-init snippet reads it from the configuration itself.
 */
import { reconfigureSnapshotName, UnknownGuestError, type PhoenixConfig, type VmGuest } from '../config';
import type { GuestFeature } from '../shared/lxc-plan';
import type { VmPlan } from '../shared/vm-plan';

/** A cloud image boots, installs qemu-guest-agent from the archive and starts it: minutes on a slow mirror. */
export const DEFAULT_AGENT_TIMEOUT_S = 15 * 60;
/** First boot runs every feature (a Docker or NVIDIA install is a quarter of an hour on a slow line). */
export const DEFAULT_CLOUD_INIT_TIMEOUT_S = 60 * 60;
/** The original wrote its snippets to /var/lib/vz/snippets, i.e. storage `local`. */
export const DEFAULT_SNIPPET_STORAGE = 'local';

export interface VmPlanOptions {
  agentTimeoutSeconds?: number;
  cloudInitTimeoutSeconds?: number;
  snippetStorage?: string;
}

export function buildVmPlan(config: PhoenixConfig, vmid: number, node: string, options: VmPlanOptions = {}): VmPlan {
  const guest = config.vms.find((v) => v.id === vmid);
  if (!guest) {
    if (config.containers.some((c) => c.id === vmid)) throw new Error(`${vmid} is a container, not a VM`);
    throw new UnknownGuestError(vmid);
  }
  const net = guest.network_config;
  const plan: VmPlan = {
    vmid,
    name: guest.name,
    node,
    source: sourceOf(config, guest),
    isTemplate: guest.is_template,
    cores: guest.cores,
    memoryMb: guest.memory_mb,
    diskGb: guest.disk_size_gb,
    storage: guest.storage_pool,
    bridge: guest.network_bridge,
    cloudInit: {
      user: guest.user_config.username,
      sshKeys: guest.user_config.ssh_public_key ? [guest.user_config.ssh_public_key.trim()] : [],
      ip: net.ip,
      ...(net.gw ? { gw: net.gw } : {}),
      nameservers: [...(net.nameservers ?? [])],
      snippetStorage: options.snippetStorage ?? config.hypervisor.proxmox_storage_ids?.snippets ?? DEFAULT_SNIPPET_STORAGE,
      features: guest.features.map((name) => featureOf(config, guest, name)),
    },
    agentTimeoutSeconds: options.agentTimeoutSeconds ?? DEFAULT_AGENT_TIMEOUT_S,
    cloudInitTimeoutSeconds: options.cloudInitTimeoutSeconds ?? DEFAULT_CLOUD_INIT_TIMEOUT_S,
  };
  // PVE refuses snapshots of templates; a template's children clone its current state. Every
  // other VM gets the snapshot `reconfigure` returns to (template_snapshot_name, else
  // reconfigure_snapshot_name, else pre-configured), taken once after its first boot.
  if (!guest.is_template) plan.snapshot = reconfigureSnapshotName(guest);
  return plan;
}

function sourceOf(config: PhoenixConfig, guest: VmGuest): VmPlan['source'] {
  if (guest.clone_from_vmid !== undefined) {
    const parent = config.vms.find((v) => v.id === guest.clone_from_vmid);
    // Cross-file checks guarantee this; a direct caller gets a clear message anyway.
    if (!parent?.is_template) throw new Error(`VM ${guest.id}: parent ${guest.clone_from_vmid} is not a template VM (is_template)`);
    return { kind: 'clone', parentVmid: parent.id };
  }
  if (!guest.template_image) throw new Error(`VM ${guest.id}: neither clone_from_vmid nor template_image is set`);
  return { kind: 'image', image: guest.template_image };
}

function featureOf(config: PhoenixConfig, guest: VmGuest, name: string): GuestFeature {
  const env: Record<string, string> = { PHOENIX_VMID: String(guest.id), PHOENIX_VM_USER: guest.user_config.username };
  if (name === 'nvidia') {
    const version = config.hypervisor.nvidia_driver?.version;
    if (version) env.PHOENIX_NVIDIA_DRIVER_VERSION = version;
  }
  return { name, env };
}

/** `PHOENIX_AGENT_TIMEOUT` / `PHOENIX_CLOUD_INIT_TIMEOUT` (seconds) on the worker. */
export function vmPlanOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): VmPlanOptions {
  const seconds = (name: string): number | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
    return n;
  };
  const options: VmPlanOptions = {};
  const agent = seconds('PHOENIX_AGENT_TIMEOUT');
  const cloudInit = seconds('PHOENIX_CLOUD_INIT_TIMEOUT');
  if (agent !== undefined) options.agentTimeoutSeconds = agent;
  if (cloudInit !== undefined) options.cloudInitTimeoutSeconds = cloudInit;
  return options;
}
