import type { AgentExecStatus, FirstBoot, GuestAgentRuntime } from '../state/runtimes';
import type { GuestRuntime } from './guest-runtime';
import { runFirstBoot } from './cloud-init/first-boot';
import { constants } from 'node:os';

/** qemu-ga keeps at most 16 MiB of a command's output (GUEST_EXEC_MAX_OUTPUT) and flags the rest as truncated. */
const MAX_OUTPUT = 16 * 1024 * 1024;

interface ExecRecord {
  stdout: Buffer[];
  stderr: Buffer[];
  outBytes: number;
  errBytes: number;
  outTruncated: boolean;
  errTruncated: boolean;
  exitcode?: number;
  signal?: number;
  exited: boolean;
}

/**
 * The inside of a QEMU VM as its guest agent shows it: `guest-exec` runs the command in the
 * VM's sandbox and `guest-exec-status` reports it, forgetting the pid once an exited status
 * was read, as qemu-ga does. The first boot runs cloud-init in the background.
 */
export class SandboxAgentRuntime implements GuestAgentRuntime {
  private readonly execs = new Map<string, ExecRecord>();
  private readonly running = new Set<number>();
  private readonly boots = new Map<number, Promise<void>>();

  constructor(private readonly guests: GuestRuntime) {}

  async onVmStart(vmid: number, firstBoot?: FirstBoot): Promise<void> {
    await this.guests.ensureRootfs(vmid);
    this.running.add(vmid);
    if (!firstBoot) return;
    const boot = runFirstBoot(
      {
        rootfs: this.guests.paths.rootfs(vmid),
        run: (argv, fd) => this.guests.runToFd(vmid, argv, fd),
        record: (kind, fields) => this.guests.record(kind, { vmid, ...fields }),
        stopped: () => !this.running.has(vmid),
      },
      firstBoot.userData,
    ).catch((error: unknown) => {
      this.guests.record('cloudinit.finish', { vmid, status: 'error', message: String(error) });
    });
    // runFirstBoot marks the status `running` before its first await, so an agent exec of
    // `cloud-init status` right after start already sees the boot in progress.
    this.boots.set(vmid, boot);
  }

  async onVmStop(vmid: number): Promise<void> {
    this.running.delete(vmid);
    await this.guests.killGuestProcesses(vmid);
    await this.boots.get(vmid);
    this.boots.delete(vmid);
  }

  /** Resolves when the first boot started by onVmStart has finished (tests, shutdown). */
  async firstBootSettled(vmid: number): Promise<void> {
    await this.boots.get(vmid);
  }

  exec(vmid: number, argv: string[], inputData?: string): number {
    if (argv.length === 0) throw new Error("Agent error: Invalid parameter 'path'");
    const child = this.guests.spawn(vmid, argv, { vm: true });
    const pid = child.pid ?? -1;
    const record: ExecRecord = { stdout: [], stderr: [], outBytes: 0, errBytes: 0, outTruncated: false, errTruncated: false, exited: false };
    this.execs.set(`${vmid}:${pid}`, record);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (record.outBytes + chunk.length > MAX_OUTPUT) record.outTruncated = true;
      else record.stdout.push(chunk);
      record.outBytes += chunk.length;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (record.errBytes + chunk.length > MAX_OUTPUT) record.errTruncated = true;
      else record.stderr.push(chunk);
      record.errBytes += chunk.length;
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(inputData === undefined ? undefined : Buffer.from(inputData, 'utf8'));
    child.on('close', (code, signal) => {
      record.exited = true;
      if (signal) record.signal = signalNumber(signal);
      else record.exitcode = code ?? 0;
    });
    return pid;
  }

  execStatus(vmid: number, pid: number): AgentExecStatus {
    const key = `${vmid}:${pid}`;
    const record = this.execs.get(key);
    if (!record) throw new Error("Agent error: Invalid parameter 'pid'");
    if (!record.exited) return { exited: false };
    this.execs.delete(key);
    const status: AgentExecStatus = { exited: true };
    if (record.signal !== undefined) status.signal = record.signal;
    else status.exitcode = record.exitcode ?? 0;
    if (record.stdout.length) status['out-data'] = Buffer.concat(record.stdout).toString('utf8');
    if (record.stderr.length) status['err-data'] = Buffer.concat(record.stderr).toString('utf8');
    if (record.outTruncated) status['out-truncated'] = true;
    if (record.errTruncated) status['err-truncated'] = true;
    return status;
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
