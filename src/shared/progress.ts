/**
 * The progress a provisioning workflow reports through its `progress` query, shown by
 * `phoenix-client start/status` and mirrored into the Web UI's "current details".
 *
 * Bundled into workflow code: types and pure helpers only.
 */
import { defineQuery } from '@temporalio/workflow';

export type StepState = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';

export interface StepProgress {
  name: string;
  state: StepState;
  /** Epoch milliseconds (workflow time). */
  startedAt?: number;
  endedAt?: number;
  /** One line on what the step did or found ("cloned from 920@pre-configured", "unchanged"). */
  summary?: string;
  error?: string;
}

export interface GuestProgress {
  kind: 'lxc' | 'vm';
  id: number;
  current?: string;
  steps: StepProgress[];
}

export const progressQuery = defineQuery<GuestProgress>('progress');

/**
 * `phoenixUp`'s answer for its children, so a follower asks one workflow which children to look
 * at instead of every child each round (and never a closed child twice: each query of a closed
 * run makes a worker replay its history).
 */
export interface UpProgress {
  /** Children started and not yet settled. */
  running: number[];
  /** Children that succeeded or failed (skipped ones never ran). */
  settled: number[];
}

export const upProgressQuery = defineQuery<UpProgress>('upProgress');

/** Every activity step returns what it did, for the progress view and the result. */
export interface StepOutcome {
  changed: boolean;
  summary: string;
}
