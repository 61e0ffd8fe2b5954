import type { Faults } from '../state/faults';
import type { GuestStore } from '../state/guests';
import type { Ledger } from '../state/ledger';
import type { LxcOps } from '../state/lxc';
import type { QemuOps } from '../state/qemu';
import type { Storages } from '../state/storage';
import type { ZfsPool } from '../state/zfs';
import type { GuestType } from '../state/types';
import type { GuestRuntime } from '../guest/guest-runtime';
import type { HostMachine } from '../host/machine';
import type { SimState } from '../state';

/**
 * What the SSH side needs from the simulator's state: the same operation objects the HTTPS
 * API uses (so `pct set` and `PUT .../config` follow one set of rules), the host's ZFS pool
 * and storages, faults, the ledger and the guest runtime. The CLI acts as `root@pam`.
 */
export interface SshHost {
  /** The node this SSH endpoint is (`pve`). */
  node: string;
  lxc: LxcOps;
  qemu: QemuOps;
  guests: GuestStore;
  zfs: ZfsPool;
  storages: Storages;
  faults: Faults;
  ledger: Ledger;
  guestRuntime: GuestRuntime;
  /** The host as a machine (disks, packages, users, boot): what `phoenix-client setup` changes. */
  machine?: HostMachine;
  /** The whole simulated host (`pvesh` calls its API routes). */
  state: SimState;
  /** Replaces a guest's config with the text written to its file under /etc/pve (pmxcfs write). */
  writeConfigFile(type: GuestType, vmid: number, text: string): void;
  /** Marks the state dirty after a change made outside the operation objects (raw `zfs`). */
  changed(): void;
}
