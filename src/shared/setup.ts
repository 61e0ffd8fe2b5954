/**
 * What the hypervisor setup workflow, its activities and the CLI share: the workflow id, the
 * steps in the original's order, inputs and outputs, and the progress query.
 *
 * Bundled into workflow code: types and pure helpers only.
 */
import { defineQuery } from '@temporalio/workflow';
import type { StepProgress } from './progress';

/** One setup per node: a second `setup` joins the run in progress. */
export function setupWorkflowId(node: string): string {
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(node)) throw new RangeError(`node name must be a DNS label, got ${JSON.stringify(node)}`);
  return `phoenix-setup-${node}`;
}

export const SETUP_STEPS = [
  'initial_settings',
  'zfs_pools',
  'zfs_datasets',
  'proxmox_storages',
  'vfio',
  'nvidia_driver',
  'reboot',
  'verify_driver',
  'gpu_init',
  'firewall',
  'nfs_exports',
  'users',
  'samba',
  'apparmor',
  'idmap',
] as const;

export type SetupStepName = (typeof SETUP_STEPS)[number];

type PascalCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Capitalize<Head>}${PascalCase<Tail>}` : Capitalize<S>;
/** The activity that carries out a setup step: `zfs_pools` → `setupZfsPools`. */
export type SetupStepActivityName<N extends SetupStepName> = `setup${PascalCase<N>}`;

export function setupStepActivityName<N extends SetupStepName>(step: N): SetupStepActivityName<N> {
  return `setup${step.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}` as SetupStepActivityName<N>;
}

export interface SetupInput {
  node: string;
  /** `--wipe-disks --yes`: pools may be created on disks that hold data, erasing it. */
  wipeDisks: boolean;
}

/** What a step activity is asked to do: read and act (apply) or read and report (plan). */
export interface SetupStepInput {
  apply: boolean;
  wipeDisks: boolean;
  /** Names this run's detached jobs (the driver installer), so a retry re-attaches to them. */
  jobKey?: string;
}

export interface SetupStepOutcome {
  changed: boolean;
  summary: string;
  /** Every change made (apply) or that would be made (plan), one line each. */
  changes: string[];
}

/** What the workflow needs from the worker's settings (no secrets). */
export interface SetupSettings {
  node: string;
  heartbeatTimeout?: string;
  rebootTimeoutMs: number;
}

/** Why the host must reboot, and the boot it is leaving. */
export interface RebootNeed {
  bootId: string;
  reasons: string[];
}

export interface SetupProgress {
  node: string;
  current?: string;
  steps: StepProgress[];
}

export const setupProgressQuery = defineQuery<SetupProgress>('setupProgress');

export interface SetupResult {
  node: string;
  steps: Array<{ name: string; changed: boolean; summary: string }>;
}

/** `plan --setup`: the changes a setup run would make, by step. */
export interface SetupInspection {
  node: string;
  changes: Array<{ step: SetupStepName; change: string }>;
}
