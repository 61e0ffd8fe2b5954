/**
 * What Phoenix will make true for one QEMU VM, resolved on the worker by `loadVmPlan`.
 * Recorded in workflow history: no secrets (a password hash, if configured, is read by the
 * activity that writes the cloud-init snippet, never carried here).
 *
 * Bundled into workflow code: types only.
 */
import type { GuestFeature } from './lxc-plan';

export type VmSource =
  /** Full clone of a template VM (building it first when missing). */
  | { kind: 'clone'; parentVmid: number }
  /** Import a cloud image (the original's provision_cloud_template). */
  | { kind: 'image'; image: string };

export interface VmCloudInit {
  user: string;
  sshKeys: string[];
  /** CIDR or `dhcp`. */
  ip: string;
  gw?: string;
  nameservers: string[];
  /** Storage holding the generated user-data snippet (needs `snippets` content). */
  snippetStorage: string;
  /** Features embedded in the user-data and run at first boot, in order. */
  features: GuestFeature[];
}

export interface VmPlan {
  vmid: number;
  name: string;
  node: string;
  source: VmSource;
  /** Converted to a template once configured (children full-clone it). */
  isTemplate: boolean;
  /** Snapshot taken once the VM is provisioned (not for templates: PVE refuses). */
  snapshot?: string;
  cores: number;
  memoryMb: number;
  diskGb: number;
  storage: string;
  bridge: string;
  cloudInit: VmCloudInit;
  agentTimeoutSeconds: number;
  cloudInitTimeoutSeconds: number;
  /** The worker's override of the long steps' heartbeat timeout (PHOENIX_HEARTBEAT_TIMEOUT). */
  heartbeatTimeout?: string;
  /** The worker's retry deadline of every step (PHOENIX_RETRY_DEADLINE), when it set one. */
  retryDeadline?: string;
}
