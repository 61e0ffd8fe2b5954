import { ZfsError } from '../../state/errors';
import type { ZfsDataset, ZfsType } from '../../state/types';
import type { CommandContext } from '../command-io';

const USAGE = 'usage:\n\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]... [-t type[,...]] [filesystem|volume|snapshot] ...';
/** A fresh subvol references ~100 KiB; the simulator does not track real usage. */
const REFERENCED = 98304;

function property(d: ZfsDataset, name: string, parsable: boolean, all: ZfsDataset[]): string {
  const size = (n: number | undefined) => (n === undefined ? '-' : parsable ? String(n) : human(n));
  switch (name) {
    case 'name': return d.name;
    case 'type': return d.type;
    case 'used': return size(d.type === 'snapshot' ? 0 : REFERENCED);
    case 'avail': case 'available': return d.type === 'snapshot' ? '-' : size(d.size ?? 100 * 1024 ** 3);
    case 'refer': case 'referenced': return size(REFERENCED);
    case 'mountpoint': return d.type === 'filesystem' ? `/${d.name}` : '-';
    case 'origin': return d.origin ?? '-';
    case 'creation': return parsable ? String(Math.floor(d.creation / 1000)) : new Date(d.creation).toString().slice(0, 24);
    case 'refquota': return d.type === 'filesystem' ? (d.size ? size(d.size) : 'none') : '-';
    case 'volsize': return d.type === 'volume' ? size(d.size) : '-';
    case 'clones': return all.filter((x) => x.origin === d.name).map((x) => x.name).join(',');
    default: return d.props?.[name] ?? '-';
  }
}

function human(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)}${units[i]}`.replace(/\.0+([A-Z])$/, '$1');
}

function table(rows: string[][], header: string[] | undefined, tabs: boolean): string {
  if (tabs) return rows.map((r) => `${r.join('\t')}\n`).join('');
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => r[i]!.length))) ?? [];
  return all.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`).join('');
}

/** `zfs list|get|snapshot|destroy` over the state's pool, with OpenZFS's texts and exit codes. */
export async function zfs(ctx: CommandContext): Promise<number> {
  const [sub, ...args] = ctx.argv.slice(1);
  const pool = ctx.host.zfs;
  try {
    if (sub === 'list' || sub === 'get') {
      let tabs = false, parsable = false, recursive = false;
      let columns = sub === 'list' ? ['name', 'used', 'avail', 'refer', 'mountpoint'] : ['name', 'property', 'value', 'source'];
      let types: ZfsType[] | undefined;
      const names: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === '-o') columns = (args[++i] ?? '').split(',');
        else if (a === '-t') types = (args[++i] ?? '').split(',').flatMap((t) => (t === 'all' ? ['filesystem', 'volume', 'snapshot'] : [t === 'snap' ? 'snapshot' : t])) as ZfsType[];
        else if (/^-[Hpr]+$/.test(a)) {
          tabs ||= a.includes('H');
          parsable ||= a.includes('p');
          recursive ||= a.includes('r');
        } else if (a.startsWith('-')) {
          ctx.stderr.write(`invalid option '${a.slice(1, 2)}'\n${USAGE}\n`);
          return 2;
        } else names.push(a);
      }
      if (sub === 'list') {
        const rows = pool.list({ names, ...(types ? { types } : {}), recursive });
        const all = pool.list({ types: ['filesystem', 'volume', 'snapshot'] });
        if (rows.length === 0 && !tabs) {
          ctx.stdout.write('no datasets available\n');
          return 0;
        }
        ctx.stdout.write(table(rows.map((d) => columns.map((c) => property(d, c, parsable, all))), columns.map((c) => c.toUpperCase()), tabs));
        return 0;
      }
      const [props, ...targets] = names;
      if (!props || targets.length === 0) {
        ctx.stderr.write('missing property argument\nusage:\n\tget [-rHp] [-d max] [-o "all" | field[,...]] <"all" | property[,...]> [filesystem|volume|snapshot|bookmark] ...\n');
        return 2;
      }
      const rows: string[][] = [];
      const all = pool.list({ types: ['filesystem', 'volume', 'snapshot'] });
      for (const d of pool.list({ names: targets, recursive })) {
        for (const p of props.split(',')) {
          const value = property(d, p, parsable, all);
          const row: Record<string, string> = { name: d.name, property: p, value, source: d.props?.[p] !== undefined ? 'local' : '-' };
          rows.push(columns.map((c) => row[c] ?? '-'));
        }
      }
      ctx.stdout.write(table(rows, columns.map((c) => c.toUpperCase()), tabs));
      return 0;
    }
    if (sub === 'snapshot') {
      const targets = args.filter((a) => !a.startsWith('-'));
      for (const t of targets) {
        if (!t.includes('@')) throw new ZfsError(`cannot create snapshot '${t}': empty component or misplaced '@' or '#' delimiter in name`);
        pool.snapshot(t);
      }
      ctx.host.changed();
      ctx.host.ledger.record('zfs.snapshot', { node: ctx.host.node, snapshots: targets, via: 'ssh' });
      return 0;
    }
    if (sub === 'destroy') {
      const flags = args.filter((a) => a.startsWith('-')).join('');
      const targets = args.filter((a) => !a.startsWith('-'));
      for (const t of targets) pool.destroy(t, { recursive: flags.includes('r') || flags.includes('R'), dependents: flags.includes('R') });
      ctx.host.changed();
      ctx.host.ledger.record('zfs.destroy', { node: ctx.host.node, datasets: targets, via: 'ssh' });
      return 0;
    }
    ctx.stderr.write(`unrecognized command '${sub ?? ''}'\nphoenix-sim supports: zfs list, get, snapshot, destroy\n`);
    return 2;
  } catch (error) {
    if (error instanceof ZfsError) {
      ctx.stderr.write(error.stderr.endsWith('\n') ? error.stderr : `${error.stderr}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
