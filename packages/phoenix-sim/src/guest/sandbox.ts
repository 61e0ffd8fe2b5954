import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_MARKER_VARIABLE, guestMarker } from './guest-processes';

/** Where the simulator's helpers appear inside every guest. */
export const GUEST_SIM_DIR = '/run/phoenix-sim';
export const GUEST_STANDINS_BIN = `${GUEST_SIM_DIR}/standins/bin`;
export const GUEST_EVENTS_FILE = `${GUEST_SIM_DIR}/events.jsonl`;
const GUEST_REAL_BIN = `${GUEST_SIM_DIR}/real`;

/** The PATH lxc-attach and sshd give root, with the stand-ins in front. */
export const GUEST_PATH = `${GUEST_STANDINS_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

export interface SandboxSettings {
  /** Distinguishes this simulator's guest processes from another simulator's on the same machine. */
  instanceId: string;
  /** Folder with bin/ (stand-ins put first on PATH) and lib/ (their shared code). */
  standinsDir: string;
  /** Host file the stand-ins append ledger events to (JSON lines). */
  eventsFile: string;
  /** Exported to stand-ins: PHOENIX_SIM_TIME_SCALE and PHOENIX_SIM_DURATION_<NAME> seconds. */
  timing: { scale: number; durations: Record<string, number> };
}

export interface GuestCommand {
  vmid: number;
  rootfs: string;
  argv: string[];
  /** Extra variables for the command (on top of the guest's base environment). */
  env?: Record<string, string>;
  cwd?: string;
  /** Host files or devices to show inside the guest, e.g. GPU nodes passed through. */
  deviceBinds?: Array<{ hostPath: string; guestPath: string }>;
}

/**
 * Runs commands with bubblewrap so the guest's root folder is `/`, the host's /usr is visible
 * read-only (the guest runs real host binaries) and /usr/local is the guest's own. No pid
 * namespace on purpose: when a pid namespace's init exits the kernel kills everything in it,
 * and a job started with `setsid -f` must outlive the command that started it, as on a real
 * container. Stand-ins shadow the host's real installers both on PATH and at their /usr paths,
 * so a script calling /usr/bin/apt-get meets the stand-in too; the shadowed binaries stay
 * reachable under /run/phoenix-sim/real for stand-ins that delegate.
 */
export class Sandbox {
  private readonly shadowedBinaries: Array<{ hostPath: string; name: string }>;

  constructor(private readonly settings: SandboxSettings) {
    this.shadowedBinaries = [];
    const bin = join(settings.standinsDir, 'bin');
    for (const name of readdirSync(bin)) {
      for (const dir of ['/usr/bin', '/usr/sbin']) {
        if (existsSync(join(dir, name))) this.shadowedBinaries.push({ hostPath: join(dir, name), name });
      }
    }
  }

  baseEnvironment(vmid: number): Record<string, string> {
    const env: Record<string, string> = {
      PATH: GUEST_PATH,
      HOME: '/root',
      USER: 'root',
      LOGNAME: 'root',
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      container: 'lxc',
      [GUEST_MARKER_VARIABLE]: guestMarker(this.settings.instanceId, vmid),
      PHOENIX_SIM_VMID: String(vmid),
      PHOENIX_SIM_EVENTS: GUEST_EVENTS_FILE,
      PHOENIX_SIM_TIME_SCALE: String(this.settings.timing.scale),
    };
    for (const [name, seconds] of Object.entries(this.settings.timing.durations)) {
      env[`PHOENIX_SIM_DURATION_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = String(seconds);
    }
    return env;
  }

  bwrapArguments(command: GuestCommand): string[] {
    const args = [
      '--bind', command.rootfs, '/',
      '--ro-bind', '/usr', '/usr',
      '--bind', join(command.rootfs, 'usr/local'), '/usr/local',
      '--proc', '/proc',
      '--dev', '/dev',
      '--ro-bind', this.settings.standinsDir, `${GUEST_SIM_DIR}/standins`,
      '--bind', this.settings.eventsFile, GUEST_EVENTS_FILE,
    ];
    for (const { hostPath, name } of this.shadowedBinaries) {
      args.push('--ro-bind', hostPath, `${GUEST_REAL_BIN}/${name}`);
      args.push('--ro-bind', join(this.settings.standinsDir, 'bin', name), hostPath);
    }
    for (const bind of command.deviceBinds ?? []) args.push('--dev-bind', bind.hostPath, bind.guestPath);
    args.push('--chdir', command.cwd ?? '/root', '--', ...command.argv);
    return args;
  }

  /**
   * Starts the command; `dropVariables` removes base variables (a VM is no container), and
   * `stdio` defaults to pipes.
   */
  spawn(command: GuestCommand, dropVariables: string[] = [], stdio: StdioOptions = ['pipe', 'pipe', 'pipe']): ChildProcess {
    const env = { ...this.baseEnvironment(command.vmid), ...command.env };
    for (const name of dropVariables) delete env[name];
    return spawn('bwrap', this.bwrapArguments(command), { env, stdio });
  }
}
