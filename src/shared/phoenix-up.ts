/**
 * Input and result of `phoenixUp` (the original's --LetsGo). The client computes the DAG from the
 * config (clone parents + dependencies) and hands it in; the workflow only schedules.
 *
 * Shared by the workflow, the CLI and tests; types only.
 */
export interface UpNode {
  id: number;
  kind: 'lxc' | 'vm';
  /** Clone source, if any: two clones of one source never run at once (PVE locks the source). */
  parent?: number;
  /** Clone parent and dependencies: all must succeed before this guest starts. */
  prerequisites: number[];
  /** Proxmox node the guest lives on (the concurrency limit is per node). */
  node: string;
  /** A per-node copy of this template (its chain built on `node`); `id` is the copy's own. */
  copyOf?: number;
  startAtBoot: boolean;
  bootOrder: number;
}

export interface PhoenixUpInput {
  nodes: UpNode[];
  /**
   * Several nodes: the workflow asks the `placeFleet` activity for the DAG (node per guest, routes,
   * per-node template copies) and runs that instead of `nodes` (which then only names the guests).
   */
  place?: boolean;
  /** Guests provisioned at once on one Proxmox node (default 2). */
  concurrencyPerNode?: number;
}

export interface UpSucceeded {
  id: number;
  kind: 'lxc' | 'vm';
  workflowId: string;
  /** True when a run started elsewhere (a `start`) was in progress and we waited for it. */
  joined: boolean;
  startedAt: number;
  endedAt: number;
}

export interface UpFailed {
  id: number;
  kind: 'lxc' | 'vm';
  workflowId: string;
  step?: string;
  reason: string;
}

export interface UpSkipped {
  id: number;
  kind: 'lxc' | 'vm';
  /** The failed or skipped prerequisites that stopped it. */
  blockedBy: number[];
}

export interface PhoenixUpResult {
  succeeded: UpSucceeded[];
  failed: UpFailed[];
  skipped: UpSkipped[];
  /**
   * start_at_boot guests that succeeded, in ascending boot_order. Provisioning leaves every guest
   * running (its start step), so this is the order they are up in, not a second start.
   */
  bootOrder: number[];
}
