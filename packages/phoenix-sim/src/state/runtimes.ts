/**
 * The two seams where the guest side (sandboxed guest filesystems, cloud-init
 * and the QEMU guest agent) plugs into the state. The state calls them at the
 * moments PVE would touch a guest's disks or boot it; the default
 * implementations below keep the simulator usable without a guest side.
 */

/** Per-guest root filesystems; called after the state has accepted the change. */
export interface GuestFilesystems {
  /** A new guest's root filesystem (LXC from an ostemplate, QEMU from a disk image). */
  create(vmid: number): Promise<void> | void;
  /**
   * A clone: the new guest starts with the source's files. With `snapname`, the
   * files as they were at that snapshot; a template (linked or full clone
   * without `snapname`) carries its current files, so features installed in a
   * template are present in its clones.
   */
  clone(fromVmid: number, toVmid: number, snapname?: string): Promise<void> | void;
  snapshot(vmid: number, name: string): Promise<void> | void;
  rollback(vmid: number, name: string): Promise<void> | void;
  deleteSnapshot(vmid: number, name: string): Promise<void> | void;
  destroy(vmid: number): Promise<void> | void;
  /** The container stopped (stop, shutdown, the stop before a rollback or destroy): its processes end. */
  stopped?(vmid: number): Promise<void> | void;
}

export interface FirstBoot {
  /** The user-data cloud-init sees: the `cicustom` user snippet, or the one PVE generates from `ciuser`/`sshkeys`/... */
  userData?: string;
  /** Network config (cicustom `network=` snippet) when given. */
  networkConfig?: string;
}

export interface AgentExecStatus {
  exited: boolean;
  exitcode?: number;
  signal?: number;
  'out-data'?: string;
  'err-data'?: string;
  'out-truncated'?: boolean;
  'err-truncated'?: boolean;
}

/** The inside of a QEMU VM as the guest agent sees it. */
export interface GuestAgentRuntime {
  /** The VM was started; `firstBoot` is given on the VM's first boot only (cloud-init runs then). */
  onVmStart(vmid: number, firstBoot?: FirstBoot): Promise<void> | void;
  onVmStop(vmid: number): Promise<void> | void;
  /** `guest-exec`: starts `argv` inside the VM and returns its pid. */
  exec(vmid: number, argv: string[], inputData?: string): Promise<number> | number;
  execStatus(vmid: number, pid: number): Promise<AgentExecStatus> | AgentExecStatus;
}

export const noopGuestFilesystems: GuestFilesystems = {
  create() {},
  clone() {},
  snapshot() {},
  rollback() {},
  deleteSnapshot() {},
  destroy() {},
};

/**
 * Stand-in agent used until the guest side is plugged in: every command
 * "succeeds" at once with no output, so agent polling and exec flows can run.
 */
export class NoopGuestAgentRuntime implements GuestAgentRuntime {
  private nextPid = 1000;
  private readonly known = new Set<string>();

  onVmStart(): void {}
  onVmStop(): void {}
  exec(vmid: number): number {
    const pid = this.nextPid++;
    this.known.add(`${vmid}:${pid}`);
    return pid;
  }
  execStatus(vmid: number, pid: number): AgentExecStatus {
    if (!this.known.has(`${vmid}:${pid}`)) throw new Error(`Agent error: Invalid parameter 'pid'`);
    return { exited: true, exitcode: 0 };
  }
}
