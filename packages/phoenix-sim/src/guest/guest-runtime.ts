import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root';
import { guestPaths, type GuestPaths } from './paths';
import { Sandbox, type SandboxSettings } from './sandbox';
import { GuestFilesystemStore } from './guest-filesystems';
import { guestMarker, killProcessesWithMarker } from './guest-processes';
import { SandboxAgentRuntime } from './agent-runtime';
import { JobWatcher } from './job-watcher';

export interface GuestRuntimeOptions {
  stateDir: string;
  /** Host file the stand-ins append ledger lines to (the state's `ledger.guestEventsFile`). */
  eventsFile: string;
  /** In-process ledger (`state.ledger.record`). */
  record: (kind: string, fields: Record<string, unknown> & { vmid?: number }) => void;
  /** Stand-in time scale (1 = real durations) and per-installer durations in seconds. */
  timing?: Partial<SandboxSettings['timing']>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** QEMU guests are not containers: drop lxc's `container=lxc` variable. */
  vm?: boolean;
  deviceBinds?: Array<{ hostPath: string; guestPath: string }>;
}

/** The stand-in scripts are package files (`standins/`, listed in package.json `files`). */
export const STANDINS_DIR = join(PACKAGE_ROOT, 'standins');

/**
 * Everything that happens inside guests: their files (GuestFilesystems), their processes
 * (bubblewrap sandboxes, tracked by an environment marker), the QEMU guest agent and
 * cloud-init, and the observation of Phoenix's detached jobs.
 */
export class GuestRuntime {
  readonly paths: GuestPaths;
  readonly sandbox: Sandbox;
  readonly filesystems: GuestFilesystemStore;
  readonly agent: SandboxAgentRuntime;
  readonly jobs: JobWatcher;
  private readonly instanceId = randomBytes(6).toString('hex');

  constructor(private readonly options: GuestRuntimeOptions) {
    this.paths = guestPaths(options.stateDir);
    if (!existsSync(options.eventsFile)) writeFileSync(options.eventsFile, '');
    this.sandbox = new Sandbox({
      instanceId: this.instanceId,
      standinsDir: STANDINS_DIR,
      eventsFile: options.eventsFile,
      timing: { scale: options.timing?.scale ?? 1, durations: options.timing?.durations ?? {} },
    });
    this.filesystems = new GuestFilesystemStore(this.paths, (vmid) => this.killGuestProcesses(vmid));
    this.agent = new SandboxAgentRuntime(this);
    this.jobs = new JobWatcher(this.paths, options.record);
  }

  record(kind: string, fields: Record<string, unknown> & { vmid?: number }): void {
    this.options.record(kind, fields);
  }

  /** QEMU guests created before the guest side was plugged in get a root on first use. */
  async ensureRootfs(vmid: number): Promise<void> {
    if (!this.filesystems.exists(vmid)) await this.filesystems.create(vmid);
  }

  spawn(vmid: number, argv: string[], options: SpawnOptions = {}): ChildProcess {
    const env = { ...options.env };
    const command = { vmid, rootfs: this.paths.rootfs(vmid), argv, env, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.deviceBinds ? { deviceBinds: options.deviceBinds } : {}) };
    const child = this.sandbox.spawn(command, options.vm ? ['container'] : []);
    return child;
  }

  /** Runs argv to completion with stdout and stderr going to an open file (cloud-init's output log). */
  runToFd(vmid: number, argv: string[], fd: number): Promise<number> {
    return new Promise((resolve) => {
      const child = this.sandbox.spawn({ vmid, rootfs: this.paths.rootfs(vmid), argv }, ['container'], ['ignore', fd, fd]);
      child.on('error', () => resolve(127));
      child.on('close', (code, signal) => resolve(signal ? 128 : code ?? 0));
    });
  }

  async killGuestProcesses(vmid: number): Promise<void> {
    this.jobs.forget(vmid);
    await killProcessesWithMarker(guestMarker(this.instanceId, vmid));
  }

  /** Stops every process of every guest of this simulator (shutdown, tests). */
  async close(): Promise<void> {
    this.jobs.close();
    await killProcessesWithMarker(`${this.instanceId}:`);
  }
}
