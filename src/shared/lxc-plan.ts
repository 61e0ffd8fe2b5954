/**
 * What Phoenix will make true for one container, resolved from the configuration files
 * on the worker (by the `loadLxcPlan` activity) and handed to every LXC step.
 *
 * It is recorded in workflow history, so it carries no secrets: API tokens, passwords and
 * keys are resolved by activities from the worker's environment.
 *
 * Bundled into workflow code: types and pure helpers only.
 */

/** Values for a guest script's environment file; arrays become bash arrays. */
export type ScriptEnv = Record<string, string | string[]>;

export type LxcSource =
  /** Create from an ostemplate: a volid (`local:vztmpl/x.tar.zst`) or a file name to find. */
  | { kind: 'ostemplate'; ostemplate: string }
  /**
   * Clone the parent's template snapshot. `parentNode` (default: the guest's node) is where the
   * parent lives: another node only by a clone with `target` (shared storage); otherwise
   * `parentCtid` is a per-node copy of the template on the guest's own node.
   */
  | { kind: 'clone'; parentCtid: number; parentSnapshot: string; parentNode?: string; route?: 'local-template' | 'clone-with-target' | 'per-node-chain-copy'; parentCopyOf?: number };

export interface LxcNetwork {
  name: string;
  bridge: string;
  /** CIDR or `dhcp`. */
  ip: string;
  gw?: string;
  hwaddr?: string;
}

export interface SharedVolumeMount {
  name: string;
  hostPath: string;
  mountPath: string;
}

export interface GuestFeature {
  name: string;
  env: ScriptEnv;
}

export interface HealthCheck {
  name: string;
  /** A shell command run inside the container (`sh -c`), as the operator wrote it. */
  command: string;
  retries: number;
  intervalSeconds: number;
}

export interface LxcPlan {
  ctid: number;
  hostname: string;
  node: string;
  /** Set for a per-node copy of this template. */
  copyOf?: number;
  source: LxcSource;
  /** Snapshot that children clone from; set for templates. */
  templateSnapshot?: string;
  /**
   * Snapshot `reconfigure` returns to, taken once after the container is defined and configured
   * (the original's `pre-configured`); set for leaves (a template returns to templateSnapshot).
   */
  reconfigureSnapshot?: string;
  storage: string;
  rootfsGb: number;
  unprivileged: boolean;
  cores: number;
  memoryMb: number;
  swapMb: number;
  net0: LxcNetwork;
  onboot: boolean;
  startup?: { order: number; up?: number; down?: number };
  /** PVE container feature flags (`nesting`, `keyctl`, `fuse`, `mknod`, ...) → value. */
  pctFeatures: Record<string, string>;
  apparmorProfile: string;
  apparmorManagesNesting: boolean;
  /** Raw `lxc.*` key/value pairs written to the container's config file. */
  lxcOptions: Array<[string, string]>;
  /** Volumes allocated on Proxmox storage and mounted (`mpN: <storage>:<size>,mp=<path>`). */
  volumes: Array<{ name: string; storage: string; sizeGb: number; mountPath: string }>;
  /** Host folders bind-mounted into the container (root-only: set over SSH). */
  sharedVolumes: SharedVolumeMount[];
  /** GPU indices passed through to the container (empty: none). */
  gpuIndices: number[];
  features: GuestFeature[];
  application?: { script: string; env: ScriptEnv };
  healthChecks: HealthCheck[];
  /**
   * The worker's override of the long steps' heartbeat timeout (PHOENIX_HEARTBEAT_TIMEOUT,
   * e.g. "10s"): how soon a step whose worker died is retried elsewhere. It travels in the
   * plan, an activity result, so the workflow reads it from history and replays the same.
   */
  heartbeatTimeout?: string;
  /** The worker's retry deadline of every step (PHOENIX_RETRY_DEADLINE), when it set one. */
  retryDeadline?: string;
}

export function isTemplatePlan(plan: Pick<LxcPlan, 'templateSnapshot'>): boolean {
  return plan.templateSnapshot !== undefined;
}
