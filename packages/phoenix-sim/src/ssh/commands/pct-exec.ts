import { existsSync } from 'node:fs';
import type { CommandContext } from '../command-io';
import { die } from '../command-io';
import type { GuestRecord } from '../../state/types';

const USAGE = 'pct exec <vmid> [<extra-args>] [OPTIONS]';

/**
 * `pct exec <vmid> [--keep-env 0|1] -- <cmd...>`: the command runs inside the container's
 * sandbox as a real process whose stdin, stdout, stderr and exit status are the SSH
 * channel's, like lxc-attach. When the channel goes away the process is not killed (a
 * non-pty sshd session does not signal its children either); jobs started with
 * `setsid -f` or `nohup ... &` keep running.
 */
export async function pctExec(ctx: CommandContext, args: string[]): Promise<number> {
  const { host } = ctx;
  const sep = args.indexOf('--');
  const before = sep < 0 ? args : args.slice(0, sep);
  const command = sep < 0 ? [] : args.slice(sep + 1);
  const vmidText = before[0];
  if (vmidText === undefined) die(`400 not enough arguments\n${USAGE}`);
  for (let i = 1; i < before.length; i++) {
    if (before[i] === '--keep-env' && /^(0|1)$/.test(before[i + 1] ?? '')) i++;
    else if (sep < 0) command.push(before[i]!);
    else die(`400 Parameter verification failed.\n${before[i]}: unknown option\n${USAGE}`);
  }
  if (!/^[1-9][0-9]{2,8}$/.test(vmidText)) die(`400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n${USAGE}`);
  const vmid = Number(vmidText);
  const g = host.guests.require('lxc', host.node, vmid);
  if (g.status !== 'running') die(`container '${vmid}' not running!`);
  if (command.length === 0) die('missing command');

  await host.guestRuntime.ensureRootfs(vmid);
  // Jobs are seen from the guest's files: before the command, and once it has exited.
  const jobsStarted = host.guestRuntime.jobs.observe(vmid, command);
  const child = host.guestRuntime.spawn(vmid, command, { deviceBinds: passedThroughDevices(g, (p) => host.storages.hostPath(p)) });
  ctx.stdin.pipe(child.stdin!).on('error', () => {});
  child.stdin!.on('error', () => {});
  child.stdout!.pipe(ctx.stdout, { end: false });
  child.stderr!.pipe(ctx.stderr, { end: false });
  // A dropped channel closes the pipes as sshd would: later writes get EPIPE, nothing is killed.
  ctx.stdout.once('close', () => {
    child.stdout!.destroy();
    child.stderr!.destroy();
  });
  return new Promise((resolve) => {
    let status = 127;
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => {
      status = signal ? 128 + signalNumber(signal) : code ?? 0;
      jobsStarted();
      ctx.reportExit?.(status);
    });
    // Output may still be draining after exit; a detached job holding the pipes keeps the
    // channel open until it lets go of them, exactly as with OpenSSH.
    child.on('close', () => resolve(status));
  });
}

/**
 * GPU passthrough: `devN: /dev/nvidia0,...` and `lxc.mount.entry: /dev/nvidia0 dev/nvidia0 ...`
 * show the host's device node (a file in the simulated host root) inside the container.
 */
export function passedThroughDevices(g: GuestRecord, hostPath: (p: string) => string): Array<{ hostPath: string; guestPath: string }> {
  const paths = new Set<string>();
  for (const [key, value] of Object.entries(g.config)) {
    if (/^dev\d+$/.test(key)) paths.add(value.split(',')[0]!.replace(/^path=/, ''));
  }
  for (const [key, value] of g.lxc) {
    if (key === 'lxc.mount.entry') {
      const [source] = value.trim().split(/\s+/);
      if (source?.startsWith('/dev/')) paths.add(source);
    }
  }
  return [...paths]
    .filter((p) => /^\/dev\/[A-Za-z0-9._/-]+$/.test(p) && !p.includes('..') && existsSync(hostPath(p)))
    .map((p) => ({ hostPath: hostPath(p), guestPath: p }));
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}
