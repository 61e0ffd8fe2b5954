import { renderConfigFile } from '../../state/config-file';
import type { Params } from '../../state/types';
import { die, PVE_DIE, type CommandContext } from '../command-io';
import { checkCliParams, parseCliOptions, requireVmid } from '../cli-params';
import { asCli, followTask } from '../task-output';
import { CLI_USER } from './pct';
import { snapshotTree } from './snapshot-tree';

/** How often `qm guest exec` polls exec-status while waiting (qm's own loop sleeps 1 s; faster here). */
const EXEC_POLL_MS = 100;

/** The `qm` subcommands Phoenix's VM flow uses, over the same QemuOps as the API. */
export async function qm(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.argv.slice(1);
  return asCli(ctx.stderr, async () => {
    const { host, stdout, stderr } = ctx;
    const node = host.node;
    if (sub === 'guest' && rest[0] === 'exec') return guestExec(ctx, rest.slice(1));
    if (sub === 'agent') {
      const vmid = requireVmid(rest[0], 'qm agent <vmid> <command>');
      if (rest[1] !== 'ping') die(`phoenix-sim: qm agent supports 'ping', not '${rest[1] ?? ''}'`);
      host.qemu.agentPing(node, vmid);
      return 0;
    }
    if (sub === 'list') return qmList(ctx);
    const usage = `qm ${sub ?? '<command>'} <vmid> [OPTIONS]`;
    const { positional, params } = parseCliOptions(rest, usage, ['force', 'full', 'skiplock', 'purge']);
    const vmid = requireVmid(positional[0], usage);
    const name = positional[1];
    /** The options checked against the API method the subcommand calls (as PVE's CLI does). */
    const checked = (method: string, sub: string, extra: Params = {}): Params => checkCliParams(host.state.schema, method, `/nodes/${node}/qemu/${vmid}${sub}`, { ...params, ...extra });
    switch (sub) {
      case 'status':
        stdout.write(`status: ${String(host.qemu.status(node, vmid).status)}\n`);
        return 0;
      case 'config': {
        const g = host.guests.require('qemu', node, vmid);
        stdout.write(renderConfigFile(g.config, g.lxc, []));
        return 0;
      }
      case 'set':
        await host.qemu.setConfig(CLI_USER, node, vmid, checked('PUT', '/config'), 'sync');
        return 0;
      case 'start':
        return followTask(await host.qemu.start(CLI_USER, node, vmid, checked('POST', '/status/start')), stdout, stderr);
      case 'stop':
        return followTask(await host.qemu.stop(CLI_USER, node, vmid, checked('POST', '/status/stop'), 'stop'), stdout, stderr);
      case 'shutdown':
        return followTask(await host.qemu.stop(CLI_USER, node, vmid, checked('POST', '/status/shutdown'), 'shutdown'), stdout, stderr);
      case 'listsnapshot':
        stdout.write(snapshotTree(host.qemu.listSnapshots(node, vmid)));
        return 0;
      case 'snapshot':
        if (!name) die(`400 not enough arguments\nqm snapshot <vmid> <snapname> [OPTIONS]`);
        return followTask(await host.qemu.snapshot(CLI_USER, node, vmid, checked('POST', '/snapshot', { snapname: name })), stdout, stderr);
      case 'delsnapshot':
        if (!name) die(`400 not enough arguments\nqm delsnapshot <vmid> <snapname> [OPTIONS]`);
        return followTask(await host.qemu.deleteSnapshot(CLI_USER, node, vmid, name, params), stdout, stderr);
      case 'rollback':
        if (!name) die(`400 not enough arguments\nqm rollback <vmid> <snapname> [OPTIONS]`);
        return followTask(await host.qemu.rollback(CLI_USER, node, vmid, name, params), stdout, stderr);
      case 'template':
        return followTask(await host.qemu.template(CLI_USER, node, vmid), stdout, stderr);
      case 'clone':
        if (!name) die(`400 not enough arguments\nqm clone <vmid> <newid> [OPTIONS]`);
        return followTask(await host.qemu.clone(CLI_USER, node, vmid, checked('POST', '/clone', { newid: name })), stdout, stderr);
      case 'resize':
        return followTask(await host.qemu.resize(CLI_USER, node, vmid, { ...params, disk: positional[1], size: positional[2] }), stdout, stderr);
      case 'destroy':
        return followTask(await host.qemu.destroy(CLI_USER, node, vmid), stdout, stderr);
      default:
        die(`unknown command 'qm ${sub ?? ''}' (phoenix-sim: see docs/simulator-ssh.md)`);
    }
    return PVE_DIE;
  });
}

/** `qm guest exec <vmid> [--timeout 30] [--pass-stdin 0] -- cmd...`: prints exec-status as JSON once exited. */
async function guestExec(ctx: CommandContext, args: string[]): Promise<number> {
  const sep = args.indexOf('--');
  const options = sep < 0 ? args.slice(1) : args.slice(1, sep);
  const command = sep < 0 ? [] : args.slice(sep + 1);
  const vmid = requireVmid(args[0], 'qm guest exec <vmid> [<extra-args>] [OPTIONS]');
  const { params, positional } = parseCliOptions(options, 'qm guest exec <vmid> [<extra-args>] [OPTIONS]');
  command.unshift(...positional);
  if (command.length === 0) die('No command given');
  const timeoutS = Number(params.timeout ?? 30);
  const { pid } = await ctx.host.qemu.agentExec(CLI_USER, ctx.host.node, vmid, { command });
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const status = await ctx.host.qemu.agentExecStatus(ctx.host.node, vmid, { pid: String(pid) });
    if (status.exited) {
      ctx.stdout.write(`${JSON.stringify(status, null, 3)}\n`);
      return 0;
    }
    if (Date.now() > deadline) {
      ctx.stdout.write(`${JSON.stringify({ pid }, null, 3)}\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, EXEC_POLL_MS));
  }
}

/** `qm list`: PVE's fixed-width table of the node's VMs. */
function qmList(ctx: CommandContext): number {
  const { host, stdout } = ctx;
  const row = (cols: Array<string | number>, disk: string): string =>
    `${String(cols[0]).padStart(10)} ${String(cols[1]).padEnd(20)} ${String(cols[2]).padEnd(10)} ${String(cols[3]).padEnd(10)} ${disk.padStart(12)} ${String(cols[4]).padEnd(10)}\n`;
  const vms = host.guests.all().filter((g) => g.type === 'qemu' && g.node === host.node).sort((a, b) => a.vmid - b.vmid);
  if (vms.length) stdout.write(row(['VMID', 'NAME', 'STATUS', 'MEM(MB)', 'PID'], 'BOOTDISK(GB)'));
  for (const g of vms) {
    const st = host.qemu.status(host.node, g.vmid);
    stdout.write(row([g.vmid, String(st.name).slice(0, 20), String(st.status), Math.round(Number(st.maxmem) / 1024 ** 2), Number(st.pid ?? 0)], (Number(st.maxdisk) / 1024 ** 3).toFixed(2)));
  }
  return 0;
}
