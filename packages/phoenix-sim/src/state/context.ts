import type { PveRelease, SchemaValidator } from '../pve-schema';
import type { SimClock } from './clock';
import type { Faults } from './faults';
import type { FlockTable } from './flocks';
import type { GuestStore } from './guests';
import type { Ledger } from './ledger';
import type { GuestAgentRuntime, GuestFilesystems } from './runtimes';
import type { Storages } from './storage';
import type { TaskManager } from './tasks';
import type { ZfsPool } from './zfs';

/**
 * PVE durations in milliseconds (before `timeScale`). Full QEMU clones copy
 * whole disks and so outlast PVE's 10 s config-lock timeout, which is what
 * makes touching a VM during its clone fail with `got timeout`.
 */
export interface Durations {
  vzcreate: number;
  vzclone: number;
  vzstart: number;
  vzstop: number;
  vzshutdown: number;
  vzsnapshot: number;
  vzdelsnapshot: number;
  vzrollback: number;
  vztemplate: number;
  vzdestroy: number;
  vzresize: number;
  qmcreate: number;
  qmclone: number;
  qmcloneFull: number;
  qmstart: number;
  qmstop: number;
  qmshutdown: number;
  qmsnapshot: number;
  qmdelsnapshot: number;
  qmrollback: number;
  qmtemplate: number;
  qmdestroy: number;
  qmconfig: number;
  qmresize: number;
  /** From `qmstart` finishing until the guest agent answers. */
  agentBoot: number;
  /** PVE's delay before answering a failed login (401). */
  authFailure: number;
}

export const DEFAULT_DURATIONS: Durations = {
  vzcreate: 3000,
  vzclone: 2000,
  vzstart: 1000,
  vzstop: 500,
  vzshutdown: 1000,
  vzsnapshot: 1000,
  vzdelsnapshot: 500,
  vzrollback: 1000,
  vztemplate: 1000,
  vzdestroy: 500,
  vzresize: 500,
  qmcreate: 2000,
  qmclone: 2000,
  qmcloneFull: 12000,
  qmstart: 1000,
  qmstop: 500,
  qmshutdown: 1000,
  qmsnapshot: 1000,
  qmdelsnapshot: 500,
  qmrollback: 1000,
  qmtemplate: 1000,
  qmdestroy: 500,
  qmconfig: 200,
  qmresize: 500,
  agentBoot: 5000,
  authFailure: 3000,
};

/** Config-lock timeouts of PVE (`lock_config` 10 s). */
export const CONFIG_LOCK_TIMEOUT_MS = 10_000;

/** Everything the operation modules share; built once by `SimState`. */
export interface SimContext {
  nodes: string[];
  clock: SimClock;
  guests: GuestStore;
  zfs: ZfsPool;
  storages: Storages;
  tasks: TaskManager;
  flocks: FlockTable;
  ledger: Ledger;
  faults: Faults;
  fs: GuestFilesystems;
  agent: GuestAgentRuntime;
  durations: Durations;
  release: PveRelease;
  schema: SchemaValidator;
  /** Marks the state dirty (persisted soon after). */
  changed(): void;
}
