import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { die, type CommandContext } from '../command-io';
import { parseCliOptions, requireVmid } from '../cli-params';

/**
 * `pct push` / `pct pull`: copy between the simulated host's files and a running container.
 * The guest side of the copy runs inside the container's sandbox (cat, chown, chmod), so
 * the destination path resolves inside the guest exactly as lxc's attach would resolve it.
 */
export async function pctPush(ctx: CommandContext, args: string[], usage: string): Promise<number> {
  const { positional, params } = parseCliOptions(args, usage);
  const vmid = requireVmid(positional[0], usage);
  const [, source, dest] = positional;
  if (source === undefined || dest === undefined) die(`400 not enough arguments\n${usage}`);
  const g = ctx.host.guests.require('lxc', ctx.host.node, vmid);
  if (g.status !== 'running') die('can only push files to a running CT');
  const hostFile = ctx.host.storages.hostPath(source);
  if (!existsSync(hostFile) || !statSync(hostFile).isFile()) die(`failed to open ${source} for reading`);
  const perms = typeof params.perms === 'string' ? params.perms : undefined;
  const owner = [params.user, params.group].map((x) => (typeof x === 'string' ? x : '')).join(':');
  if (perms !== undefined && !/^0?[0-7]{3,4}$/.test(perms)) die(`400 Parameter verification failed.\nperms: invalid format - value does not look like a valid file mode`);
  // $1 = destination, $2 = mode, $3 = owner: passed as arguments, never spliced into the script.
  const script = 'cat > "$1" || exit 1; [ -z "$2" ] || chmod "$2" "$1"; [ "$3" = ":" ] || chown "$3" "$1"';
  return runInGuest(ctx, vmid, ['/bin/sh', '-c', script, 'push', dest, perms ?? '', owner], createReadStream(hostFile));
}

export async function pctPull(ctx: CommandContext, args: string[], usage: string): Promise<number> {
  const { positional } = parseCliOptions(args, usage);
  const vmid = requireVmid(positional[0], usage);
  const [, source, dest] = positional;
  if (source === undefined || dest === undefined) die(`400 not enough arguments\n${usage}`);
  const g = ctx.host.guests.require('lxc', ctx.host.node, vmid);
  if (g.status !== 'running') die('can only pull files from a running CT');
  const out = createWriteStream(ctx.host.storages.hostPath(dest));
  const code = await runInGuest(ctx, vmid, ['/bin/cat', '--', source], undefined, out);
  await new Promise((resolve) => out.end(resolve));
  if (code !== 0) die(`failed to open ${source} for reading`);
  return 0;
}

function runInGuest(ctx: CommandContext, vmid: number, argv: string[], input?: NodeJS.ReadableStream, output?: NodeJS.WritableStream): Promise<number> {
  const child = ctx.host.guestRuntime.spawn(vmid, argv);
  if (input) input.pipe(child.stdin!);
  else child.stdin!.end();
  child.stdout!.pipe(output ?? ctx.stdout, { end: false });
  child.stderr!.resume();
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
