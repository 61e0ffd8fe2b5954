import type { CommandContext } from '../command-io';

/** `pvesm status`, `pvesm list <storage>` (PVE's column layout) and `pvesm path <volid>`. */
export async function pvesm(ctx: CommandContext): Promise<number> {
  const [sub, storageId] = ctx.argv.slice(1);
  const storages = ctx.host.storages;
  if (sub === 'status') {
    ctx.stdout.write('Name             Type     Status           Total            Used       Available        %\n');
    for (const spec of storages.listOn(ctx.host.node)) {
      const s = storages.status(spec);
      const kib = (n: number) => String(Math.floor(n / 1024));
      ctx.stdout.write(`${spec.id.padEnd(16)} ${spec.type.padEnd(8)} ${'active'.padEnd(8)} ${kib(s.total).padStart(16)} ${kib(s.used).padStart(15)} ${kib(s.avail).padStart(15)} ${((s.used / Math.max(s.total, 1)) * 100).toFixed(2).padStart(7)}%\n`);
    }
    return 0;
  }
  if (sub === 'list' && storageId) {
    const spec = storages.get(storageId);
    if (!spec) {
      ctx.stderr.write(`storage '${storageId}' does not exist\n`);
      return 255;
    }
    ctx.stdout.write('Volid                                                        Format  Type             Size VMID\n');
    for (const e of storages.content(spec)) {
      ctx.stdout.write(`${e.volid.padEnd(60)} ${e.format.padEnd(7)} ${e.content.padEnd(10)} ${String(e.size).padStart(12)} ${e.vmid ?? ''}\n`);
    }
    return 0;
  }
  if (sub === 'path' && storageId) {
    // PVE prints the absolute path of a file volume whether or not the file exists yet.
    const file = storages.filePath(storageId);
    if (!file) {
      const id = storageId.split(':')[0] ?? '';
      ctx.stderr.write(storages.get(id) ? `unable to parse directory volume name '${storageId.slice(id.length + 1)}'\n` : `storage '${id}' does not exist\n`);
      return 255;
    }
    ctx.stdout.write(`${file.path}\n`);
    return 0;
  }
  ctx.stderr.write(`phoenix-sim: pvesm supports 'status', 'list <storage>' and 'path <volid>'\n`);
  return 255;
}
