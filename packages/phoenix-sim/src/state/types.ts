/** Plain data of the simulated cluster; everything here is JSON-serialisable (persisted as is). */

export type GuestType = 'lxc' | 'qemu';

/** One section of a guest config file: PVE key → value exactly as written in the file. */
export type ConfigSection = Record<string, string>;

/** A raw `lxc.*` line of a container config (kept in file order, keys may repeat). */
export type RawLxcLine = [key: string, value: string];

export interface SnapshotRecord {
  name: string;
  /** Keys of the section (includes `snaptime`, `parent` when set). */
  config: ConfigSection;
  lxc: RawLxcLine[];
  description?: string;
}

export interface GuestRecord {
  vmid: number;
  type: GuestType;
  node: string;
  /** Main section; `description` is kept here and rendered as `#` comment lines. */
  config: ConfigSection;
  lxc: RawLxcLine[];
  snapshots: SnapshotRecord[];
  status: 'running' | 'stopped';
  /** ms epoch of the last start (uptime, agent readiness). */
  startedAt?: number;
  /** QEMU: set once cloud-init's first boot has been handed to the agent runtime. */
  firstBootDone?: boolean;
}

export interface StorageSpec {
  id: string;
  type: 'dir' | 'zfspool';
  /** Comma list of PVE content types (`images,rootdir`, `vztmpl,iso,snippets,import,backup`). */
  content: string;
  /** `dir`: host path (default `/var/lib/vz` for `local`). */
  path?: string;
  /** `zfspool`: dataset that holds guest volumes (`rpool/data`). */
  pool?: string;
  /** Nodes the storage exists on (default: all). */
  nodes?: string[];
  /** Capacity reported in `total` (bytes). */
  totalBytes?: number;
  shared?: boolean;
}

export type ZfsType = 'filesystem' | 'volume' | 'snapshot';

export interface ZfsDataset {
  name: string;
  type: ZfsType;
  /** ms epoch; ordering of snapshots (rollback only to the newest). */
  creation: number;
  /** `origin` property of a linked clone: `rpool/data/basevol-900-disk-0@__base__`. */
  origin?: string;
  /** refquota (filesystems) or volsize (volumes), bytes. */
  size?: number;
  /** User properties such as `pve-storage:refquota`. */
  props?: Record<string, string>;
}

export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number; // epoch seconds
  type: string;
  id: string;
  user: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number; // epoch seconds
  log: string[];
}

export interface LedgerEntry {
  seq: number;
  /** ISO time with milliseconds. */
  time: string;
  kind: string;
  node?: string;
  vmid?: number;
  details: Record<string, unknown>;
}

/** Who performs an operation: the authenticated PVE user and the path it came by. */
export interface OpContext {
  /** `root@pam` for ticket logins and the CLI; `root@pam!phoenix` for a token (never "root@pam"). */
  user: string;
  via: 'api' | 'ssh';
}

/** Parameters as they arrive from a form body, a query or a CLI: strings, repeated keys as arrays. */
export type Params = Record<string, string | string[] | undefined>;
