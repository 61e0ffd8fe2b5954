import { renderConfigFile } from '../../state/config-file';
import { findSnapshot } from '../../state/snapshots';
import type { OpContext, Params } from '../../state/types';
import { die, PVE_DIE, type CommandContext } from '../command-io';
import { checkCliParams, parseCliOptions, requireVmid } from '../cli-params';
import { asCli, followTask } from '../task-output';
import { pctExec } from './pct-exec';
import { pctPull, pctPush } from './pct-files';
import { snapshotTree } from './snapshot-tree';

/** The CLI runs as root@pam: no root-only restriction applies (B1/B2). */
export const CLI_USER: OpContext = { user: 'root@pam', via: 'ssh' };

const USAGE: Record<string, string> = {
  exec: 'pct exec <vmid> [<extra-args>] [OPTIONS]',
  status: 'pct status <vmid> [OPTIONS]',
  config: 'pct config <vmid> [OPTIONS]',
  set: 'pct set <vmid> [OPTIONS]',
  start: 'pct start <vmid> [OPTIONS]',
  stop: 'pct stop <vmid> [OPTIONS]',
  shutdown: 'pct shutdown <vmid> [OPTIONS]',
  reboot: 'pct reboot <vmid> [OPTIONS]',
  snapshot: 'pct snapshot <vmid> <snapname> [OPTIONS]',
  delsnapshot: 'pct delsnapshot <vmid> <snapname> [OPTIONS]',
  listsnapshot: 'pct listsnapshot <vmid>',
  rollback: 'pct rollback <vmid> <snapname> [OPTIONS]',
  clone: 'pct clone <vmid> <newid> [OPTIONS]',
  template: 'pct template <vmid>',
  destroy: 'pct destroy <vmid> [OPTIONS]',
  unlock: 'pct unlock <vmid>',
  list: 'pct list',
  push: 'pct push <vmid> <file> <destination> [OPTIONS]',
  pull: 'pct pull <vmid> <path> <destination> [OPTIONS]',
  resize: 'pct resize <vmid> <disk> <size> [OPTIONS]',
};

export async function pct(ctx: CommandContext): Promise<number> {
  const [sub, ...args] = ctx.argv.slice(1);
  return asCli(ctx.stderr, async () => {
    const { host, stdout, stderr } = ctx;
    const node = host.node;
    const usage = USAGE[sub ?? ''];
    if (!sub || !usage) {
      die(`unknown command 'pct ${sub ?? ''}'\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]\n       ${Object.values(USAGE).join('\n       ')}`);
    }
    if (sub === 'exec') return pctExec(ctx, args);
    if (sub === 'push') return pctPush(ctx, args, usage);
    if (sub === 'pull') return pctPull(ctx, args, usage);
    if (sub === 'list') {
      stdout.write('VMID       Status     Lock         Name                \n');
      for (const g of host.guests.all().filter((x) => x.type === 'lxc' && x.node === node)) {
        stdout.write(`${String(g.vmid).padEnd(10)} ${g.status.padEnd(10)} ${(g.config.lock ?? '').padEnd(12)} ${g.config.hostname ?? `CT${g.vmid}`}\n`);
      }
      return 0;
    }
    const booleans = ['force', 'purge', 'full', 'current', 'skiplock', 'start', 'destroy-unreferenced-disks'];
    const { positional, params } = parseCliOptions(args, usage, booleans);
    const vmid = requireVmid(positional[0], usage);
    const snapname = positional[1];
    const needsName = ['snapshot', 'delsnapshot', 'rollback', 'clone'].includes(sub);
    if (needsName && snapname === undefined) die(`400 not enough arguments\n${usage}`);
    const extra = needsName ? positional.slice(2) : sub === 'resize' ? positional.slice(3) : positional.slice(1);
    if (extra.length) die(`400 too many arguments\n${usage}`);

    /** The options checked against the API method the subcommand calls (as PVE's CLI does). */
    const checked = (method: string, sub: string, extra: Params = {}): Params => checkCliParams(host.state.schema, method, `/nodes/${node}/lxc/${vmid}${sub}`, { ...params, ...extra });

    /** A stopped container has no processes left: detached jobs die with it, as with lxc-stop. */
    const stopped = async (id: number, code: number) => {
      if (host.guests.get(id)?.status !== 'running') await host.guestRuntime.killGuestProcesses(id);
      return code;
    };

    switch (sub) {
      case 'status': {
        const status = host.lxc.status(node, vmid);
        stdout.write(`status: ${String(status.status)}\n`);
        return 0;
      }
      case 'config': {
        const g = host.guests.require('lxc', node, vmid);
        const snapshot = typeof params.snapshot === 'string' ? params.snapshot : undefined;
        if (snapshot !== undefined) {
          const snap = findSnapshot(g, snapshot);
          if (!snap) die(`snapshot '${snapshot}' does not exist`);
          stdout.write(renderConfigFile(snap.description ? { ...snap.config, description: snap.description } : snap.config, snap.lxc, []));
        } else stdout.write(renderConfigFile(g.config, g.lxc, []));
        return 0;
      }
      case 'set':
        await host.lxc.setConfig(CLI_USER, node, vmid, checked('PUT', '/config'));
        return 0;
      case 'start':
        return followTask(await host.lxc.start(CLI_USER, node, vmid, checked('POST', '/status/start')), stdout, stderr);
      case 'stop':
        return stopped(vmid, await followTask(await host.lxc.stop(CLI_USER, node, vmid, checked('POST', '/status/stop'), 'stop'), stdout, stderr));
      case 'shutdown':
        return stopped(vmid, await followTask(await host.lxc.stop(CLI_USER, node, vmid, checked('POST', '/status/shutdown'), 'shutdown'), stdout, stderr));
      case 'reboot': {
        const code = await stopped(vmid, await followTask(await host.lxc.stop(CLI_USER, node, vmid, {}, 'shutdown'), stdout, stderr));
        return code === 0 ? followTask(await host.lxc.start(CLI_USER, node, vmid, {}), stdout, stderr) : code;
      }
      case 'snapshot':
        return followTask(await host.lxc.snapshot(CLI_USER, node, vmid, checked('POST', '/snapshot', { snapname })), stdout, stderr);
      case 'delsnapshot':
        return followTask(await host.lxc.deleteSnapshot(CLI_USER, node, vmid, snapname!, params), stdout, stderr);
      case 'rollback':
        return stopped(vmid, await followTask(await host.lxc.rollback(CLI_USER, node, vmid, snapname!, params), stdout, stderr));
      case 'listsnapshot':
        stdout.write(snapshotTree(host.lxc.listSnapshots(node, vmid)));
        return 0;
      case 'clone':
        return followTask(await host.lxc.clone(CLI_USER, node, vmid, checked('POST', '/clone', { newid: snapname })), stdout, stderr);
      case 'template': {
        const handle = await host.lxc.template(CLI_USER, node, vmid);
        return followTask(handle, stdout, stderr);
      }
      case 'destroy':
        return stopped(vmid, await followTask(await host.lxc.destroy(CLI_USER, node, vmid, checked('DELETE', '')), stdout, stderr));
      case 'resize':
        return followTask(await host.lxc.resize(CLI_USER, node, vmid, { ...params, disk: positional[1], size: positional[2] }), stdout, stderr);
      case 'unlock': {
        // `remove_lock`: the config file is rewritten without its lock line.
        const g = host.guests.require('lxc', node, vmid);
        const { lock: _removed, ...config } = g.config;
        host.writeConfigFile('lxc', vmid, renderConfigFile(config, g.lxc, g.snapshots));
        return 0;
      }
    }
    return PVE_DIE;
  });
}
