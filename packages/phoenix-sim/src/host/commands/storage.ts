/**
 * Disks, pools, datasets and Proxmox storages: `lsblk`, `wipefs`, `zpool`, and the parts of `zfs`
 * and `pvesm` that change the host (`zfs create|set`, `pvesm add|set`); the rest of `zfs` and
 * `pvesm` stays with the guest-facing commands in src/ssh/commands.
 */
import { mkdirSync } from 'node:fs';
import { ZfsError } from '../../state/errors';
import type { HostCommand } from '../../ssh/command-io';
import { pvesm as pvesmRead } from '../../ssh/commands/pvesm';
import { zfs as zfsRead } from '../../ssh/commands/zfs';
import type { SimDisk } from '../profile';
import { machineCommand, options } from './context';

const describe = (d: SimDisk) => ({
  name: d.kname,
  path: `/dev/${d.kname}`,
  size: d.sizeBytes,
  type: 'disk',
  fstype: d.fstype ?? null,
  label: d.label ?? null,
  mountpoint: null,
  ...(d.partitions?.length
    ? { children: d.partitions.map((p, i) => ({ name: `${d.kname}${d.kname.startsWith('nvme') ? 'p' : ''}${i + 1}`, path: `/dev/${d.kname}${d.kname.startsWith('nvme') ? 'p' : ''}${i + 1}`, size: p.sizeBytes, type: 'part', fstype: p.fstype ?? null, label: p.label ?? null, mountpoint: null })) }
    : {}),
});

/** `lsblk --json [--bytes] [--output ...] DEVICE...` (the JSON form, whatever columns are asked). */
export const lsblk = machineCommand((m, ctx, args) => {
  const { rest, flags } = options(args, ['--output', '-o']);
  if (!flags.has('--json') && !flags.has('-J')) {
    ctx.stderr.write('phoenix-sim: lsblk supports --json output only\n');
    return 1;
  }
  const devices = [];
  for (const path of rest) {
    const d = m.disk(path);
    if (!d) {
      ctx.stderr.write(`lsblk: ${path}: not a block device\n`);
      return 32;
    }
    devices.push(describe(d));
  }
  ctx.stdout.write(`${JSON.stringify({ blockdevices: devices }, null, 3)}\n`);
  return 0;
});

/** `wipefs --all [--force] DEVICE`: erases every signature and the partition table. */
export const wipefs = machineCommand((m, ctx, args) => {
  const { rest, flags } = options(args, []);
  if (!flags.has('--all') && !flags.has('-a')) {
    ctx.stderr.write('phoenix-sim: wipefs supports --all only\n');
    return 1;
  }
  for (const path of rest) {
    const d = m.disk(path);
    if (!d) {
      ctx.stderr.write(`wipefs: error: ${path}: probing initialization failed: No such file or directory\n`);
      return 1;
    }
    const pool = m.poolOf(d);
    if (pool) {
      ctx.stderr.write(`wipefs: error: ${path}: probing initialization failed: Device or resource busy (member of pool ${pool.name})\n`);
      return 1;
    }
    const had = [d.fstype, ...(d.partitions ?? []).map((p) => p.fstype)].filter(Boolean);
    m.change('disk.wipe', { disk: d.id, erased: had }, () => {
      delete d.fstype;
      delete d.label;
      delete d.partitions;
    });
  }
  return 0;
});

const VDEVS = new Set(['mirror', 'raidz', 'raidz1', 'raidz2', 'raidz3']);

/** `zpool list|create|status`. */
export const zpool = machineCommand((m, ctx, args) => {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { opts, rest: names } = options(rest, ['-o']);
    const columns = (opts.get('-o')?.[0] ?? 'name,size,health').split(',');
    const pools = m.data.pools.filter((p) => names.length === 0 || names.includes(p.name));
    for (const n of names) {
      if (!pools.some((p) => p.name === n)) {
        ctx.stderr.write(`cannot open '${n}': no such pool\n`);
        return 1;
      }
    }
    for (const p of pools) {
      const size = p.disks.map((id) => m.data.disks.find((d) => d.id === id)?.sizeBytes ?? 0);
      const value: Record<string, string> = { name: p.name, health: 'ONLINE', size: String(p.vdev === 'mirror' ? Math.min(...size) : size.reduce((a, b) => a + b, 0)) };
      ctx.stdout.write(`${columns.map((c) => value[c] ?? '-').join('\t')}\n`);
    }
    return 0;
  }
  if (sub === 'create') {
    const { opts, rest: words, flags } = options(rest, ['-o', '-O', '-m']);
    const [name, ...vdevWords] = words;
    if (!name) {
      ctx.stderr.write('missing pool name\n');
      return 2;
    }
    if (m.data.pools.some((p) => p.name === name)) {
      ctx.stderr.write(`cannot create '${name}': pool already exists\n`);
      return 1;
    }
    const kind = vdevWords[0] && VDEVS.has(vdevWords[0]) ? vdevWords.shift()! : 'stripe';
    const disks: SimDisk[] = [];
    for (const path of vdevWords) {
      const d = m.disk(path);
      if (!d) {
        ctx.stderr.write(`cannot open '${path}': no such device in /dev\nmust be a full path or shorthand device name\n`);
        return 1;
      }
      const pool = m.poolOf(d);
      if (pool) {
        ctx.stderr.write(`invalid vdev specification\n${path} is part of active pool '${pool.name}'\n`);
        return 1;
      }
      const sig = d.fstype ?? d.partitions?.find((p) => p.fstype)?.fstype;
      if (sig && !flags.has('-f')) {
        ctx.stderr.write(`invalid vdev specification\nuse '-f' to override the following errors:\n${path} contains a filesystem of type '${sig}'\n`);
        return 1;
      }
      disks.push(d);
    }
    if (disks.length === 0 || (kind === 'mirror' && disks.length < 2)) {
      ctx.stderr.write(`invalid vdev specification: ${kind} requires ${kind === 'mirror' ? 'at least 2 devices' : 'a device'}\n`);
      return 1;
    }
    const props = Object.fromEntries((opts.get('-O') ?? []).map((kv) => kv.split('=') as [string, string]));
    m.change('zpool.create', { pool: name, vdev: kind, disks: disks.map((d) => d.id), properties: props, poolProperties: opts.get('-o') ?? [] }, (s) => {
      for (const d of disks) {
        d.fstype = 'zfs_member';
        d.label = name;
        delete d.partitions;
      }
      s.pools.push({ name, vdev: (kind === 'raidz' ? 'raidz1' : kind) as 'stripe', disks: disks.map((d) => d.id) });
    });
    m.state.zfs.ensureFilesystem(name);
    const root = m.state.zfs.get(name)!;
    root.props = { ...root.props, ...props };
    m.state.changed();
    mkdirSync(m.state.hostPath(`/${name}`), { recursive: true });
    return 0;
  }
  ctx.stderr.write(`phoenix-sim: zpool supports list and create, not '${sub ?? ''}'\n`);
  return 2;
});

/** `zfs create [-p] [-o k=v]... NAME` and `zfs set k=v... NAME`; everything else as before. */
export const zfs: HostCommand = async (ctx) => {
  const [sub, ...args] = ctx.argv.slice(1);
  const machine = ctx.host.machine;
  if (!machine || (sub !== 'create' && sub !== 'set')) return zfsRead(ctx);
  const pool = ctx.host.zfs;
  try {
    if (sub === 'create') {
      const { opts, rest, flags } = options(args, ['-o']);
      const [name] = rest;
      if (!name) throw new ZfsError('missing dataset argument', 2);
      if (pool.exists(name)) throw new ZfsError(`cannot create '${name}': dataset already exists`);
      const parent = name.split('/').slice(0, -1).join('/');
      if (!parent || !pool.exists(parent)) {
        if (!flags.has('-p') || !parent || !pool.exists(name.split('/')[0]!)) throw new ZfsError(`cannot create '${name}': parent does not exist`);
        pool.ensureFilesystem(parent);
      }
      const props = Object.fromEntries((opts.get('-o') ?? []).map((kv) => kv.split('=') as [string, string]));
      pool.create(name, 'filesystem', undefined, props);
      mkdirSync(machine.state.hostPath(`/${name}`), { recursive: true });
      ctx.host.changed();
      machine.record('zfs.create', { dataset: name, properties: props });
      return 0;
    }
    const name = args.at(-1);
    const pairs = args.slice(0, -1);
    if (!name || pairs.length === 0 || pairs.some((p) => !/^[a-z][\w:.]*=.+$/.test(p))) throw new ZfsError('usage:\n\tset <property=value> ... <filesystem|volume|snapshot> ...', 2);
    const d = pool.get(name);
    if (!d) throw new ZfsError(`cannot open '${name}': dataset does not exist`);
    const props = Object.fromEntries(pairs.map((kv) => kv.split('=') as [string, string]));
    d.props = { ...d.props, ...props };
    ctx.host.changed();
    machine.record('zfs.set', { dataset: name, properties: props });
    return 0;
  } catch (error) {
    if (error instanceof ZfsError) {
      ctx.stderr.write(error.stderr.endsWith('\n') ? error.stderr : `${error.stderr}\n`);
      return error.exitCode;
    }
    throw error;
  }
};

/** `pvesm add zfspool|dir ID --pool|--path ... --content ...` and `pvesm set ID --content ...`. */
export const pvesm: HostCommand = async (ctx) => {
  const [sub, ...args] = ctx.argv.slice(1);
  const machine = ctx.host.machine;
  if (!machine || (sub !== 'add' && sub !== 'set')) return pvesmRead(ctx);
  const { opts, rest } = options(args, ['--pool', '--path', '--content', '--shared', '--sparse', '--mkdir']);
  const one = (k: string) => opts.get(k)?.[0];
  const content = one('--content');
  const die = (msg: string) => {
    ctx.stderr.write(`${msg}\n`);
    return 255;
  };
  if (content !== undefined && !/^[a-z]+(,[a-z]+)*$/.test(content)) return die(`400 Parameter verification failed.\ncontent: invalid format - ${content}`);
  if (sub === 'add') {
    const [type, id] = rest;
    if (type !== 'zfspool' && type !== 'dir') return die(`phoenix-sim: pvesm add supports zfspool and dir storages, not '${type ?? ''}'`);
    if (!id || !/^[A-Za-z][A-Za-z0-9\-_.]*[A-Za-z0-9]$/.test(id)) return die(`400 Parameter verification failed.\nstorage: invalid format - storage ID '${id ?? ''}' contains illegal characters`);
    if (ctx.host.storages.get(id)) return die(`create storage failed: storage ID '${id}' already defined`);
    if (type === 'zfspool') {
      const poolName = one('--pool');
      if (!poolName) return die("400 Parameter verification failed.\npool: property is missing and it is not optional");
      if (!ctx.host.zfs.exists(poolName)) return die(`create storage failed: zfs error: cannot open '${poolName}': dataset does not exist`);
      machine.addStorage({ id, type, pool: poolName, content: content ?? 'images,rootdir' });
    } else {
      const path = one('--path');
      if (!path?.startsWith('/')) return die("400 Parameter verification failed.\npath: property is missing and it is not optional");
      machine.addStorage({ id, type, path, content: content ?? 'images,rootdir' });
    }
    return 0;
  }
  const [id] = rest;
  if (!id || !ctx.host.storages.get(id)) return die(`update storage failed: storage '${id ?? ''}' does not exist`);
  if (content !== undefined) machine.setStorageContent(id, content);
  return 0;
};

export const STORAGE_COMMANDS: Record<string, HostCommand> = { lsblk, wipefs, zpool, zfs, pvesm };
