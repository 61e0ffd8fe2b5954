import { ZfsError } from './errors';
import type { ZfsDataset, ZfsType } from './types';

/**
 * The host's ZFS datasets as PVE's ZFSPoolPlugin leaves them: container
 * subvols, VM zvols, `basevol-`/`base-` after template conversion with their
 * `@__base__` snapshot, linked clones with an `origin`, and `@snap` snapshots.
 * Error texts are OpenZFS's (PVE surfaces them as `zfs error: <last line>`).
 */
export class ZfsPool {
  private readonly datasets = new Map<string, ZfsDataset>();
  private lastCreation = 0;

  load(list: ZfsDataset[]): void {
    this.datasets.clear();
    for (const d of list) {
      this.datasets.set(d.name, d);
      this.lastCreation = Math.max(this.lastCreation, d.creation);
    }
  }

  dump(): ZfsDataset[] {
    return [...this.datasets.values()];
  }

  reset(): void {
    this.datasets.clear();
  }

  /** Strictly increasing creation times, so "most recent snapshot" is never a tie. */
  private creation(): number {
    this.lastCreation = Math.max(Date.now(), this.lastCreation + 1);
    return this.lastCreation;
  }

  exists(name: string): boolean {
    return this.datasets.has(name);
  }

  get(name: string): ZfsDataset | undefined {
    return this.datasets.get(name);
  }

  /** Ensures a pool/parent filesystem exists (`rpool`, `rpool/data`). */
  ensureFilesystem(name: string): void {
    const parts = name.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const n = parts.slice(0, i).join('/');
      if (!this.datasets.has(n)) this.datasets.set(n, { name: n, type: 'filesystem', creation: this.creation() });
    }
  }

  create(name: string, type: 'filesystem' | 'volume', size?: number, props?: Record<string, string>): ZfsDataset {
    if (this.datasets.has(name)) throw new ZfsError(`cannot create '${name}': dataset already exists`);
    const parent = name.split('/').slice(0, -1).join('/');
    if (parent && !this.datasets.has(parent)) throw new ZfsError(`cannot create '${name}': parent does not exist`);
    const d: ZfsDataset = { name, type, creation: this.creation() };
    if (size !== undefined) d.size = size;
    if (props) d.props = { ...props };
    this.datasets.set(name, d);
    return d;
  }

  snapshotsOf(name: string): ZfsDataset[] {
    return [...this.datasets.values()].filter((d) => d.type === 'snapshot' && d.name.startsWith(`${name}@`)).sort((a, b) => a.creation - b.creation);
  }

  snapshot(full: string): ZfsDataset {
    const [ds, snap] = full.split('@');
    if (!ds || !snap) throw new ZfsError(`cannot create snapshot '${full}': invalid character '@' in name`);
    if (!this.datasets.has(ds)) throw new ZfsError(`cannot open '${ds}': dataset does not exist\nusage:\n\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...`);
    if (this.datasets.has(full)) throw new ZfsError(`cannot create snapshot '${full}': dataset already exists`);
    const d: ZfsDataset = { name: full, type: 'snapshot', creation: this.creation() };
    this.datasets.set(full, d);
    return d;
  }

  /** Datasets whose `origin` is this snapshot. */
  clonesOf(snapshotName: string): ZfsDataset[] {
    return [...this.datasets.values()].filter((d) => d.origin === snapshotName);
  }

  clone(snapshotFull: string, target: string, size?: number): ZfsDataset {
    const snap = this.datasets.get(snapshotFull);
    if (!snap || snap.type !== 'snapshot') throw new ZfsError(`cannot open '${snapshotFull}': dataset does not exist`);
    if (this.datasets.has(target)) throw new ZfsError(`cannot create '${target}': dataset already exists`);
    const source = this.datasets.get(snapshotFull.split('@')[0]!);
    const d: ZfsDataset = { name: target, type: source?.type === 'volume' ? 'volume' : 'filesystem', creation: this.creation(), origin: snapshotFull };
    const s = size ?? source?.size;
    if (s !== undefined) d.size = s;
    this.datasets.set(target, d);
    return d;
  }

  rename(from: string, to: string): void {
    const d = this.datasets.get(from);
    if (!d) throw new ZfsError(`cannot open '${from}': dataset does not exist`);
    if (this.datasets.has(to)) throw new ZfsError(`cannot rename to '${to}': dataset already exists`);
    this.datasets.delete(from);
    d.name = to;
    this.datasets.set(to, d);
    for (const s of this.snapshotsOf(from)) {
      const newName = `${to}@${s.name.split('@')[1]}`;
      for (const c of this.clonesOf(s.name)) c.origin = newName;
      this.datasets.delete(s.name);
      s.name = newName;
      this.datasets.set(newName, s);
    }
  }

  rollback(full: string, destroyNewer = false): void {
    const [ds] = full.split('@');
    if (!this.datasets.has(full)) throw new ZfsError(`cannot open '${full}': dataset does not exist`);
    const snaps = this.snapshotsOf(ds!);
    const target = this.datasets.get(full)!;
    const newer = snaps.filter((s) => s.creation > target.creation);
    if (newer.length && !destroyNewer) {
      throw new ZfsError(
        [`cannot rollback to '${full}': more recent snapshots or bookmarks exist`, `use '-r' to force deletion of the following snapshots and bookmarks:`, ...newer.map((s) => s.name)].join('\n'),
      );
    }
    for (const s of newer) this.destroy(s.name);
  }

  /** `zfs destroy [-r] [-R] <name>`. */
  destroy(name: string, opts: { recursive?: boolean; dependents?: boolean } = {}): void {
    const d = this.datasets.get(name);
    if (!d) throw new ZfsError(`cannot open '${name}': dataset does not exist`);
    if (d.type === 'snapshot') {
      const clones = this.clonesOf(name);
      if (clones.length && !opts.dependents) {
        throw new ZfsError([`cannot destroy '${name}': snapshot has dependent clones`, `use '-R' to destroy the following datasets:`, ...clones.map((c) => c.name)].join('\n'));
      }
      for (const c of clones) this.destroy(c.name, { recursive: true, dependents: true });
      this.datasets.delete(name);
      return;
    }
    const children = [...this.datasets.values()].filter((x) => x.name.startsWith(`${name}/`) || x.name.startsWith(`${name}@`));
    if (children.length && !opts.recursive && !opts.dependents) {
      const kind = d.type === 'volume' ? 'volume' : 'filesystem';
      throw new ZfsError([`cannot destroy '${name}': ${kind} has children`, `use '-r' to destroy the following datasets:`, ...children.map((c) => c.name)].join('\n'));
    }
    for (const s of this.snapshotsOf(name)) {
      const clones = this.clonesOf(s.name);
      if (clones.length && !opts.dependents) {
        throw new ZfsError([`cannot destroy '${name}': filesystem has dependent clones`, `use '-R' to destroy the following datasets:`, ...clones.map((c) => c.name)].join('\n'));
      }
    }
    for (const c of children.sort((a, b) => b.name.length - a.name.length)) {
      if (!this.datasets.has(c.name)) continue;
      if (c.type === 'snapshot') for (const clone of this.clonesOf(c.name)) this.destroy(clone.name, { recursive: true, dependents: true });
      this.datasets.delete(c.name);
    }
    this.datasets.delete(name);
  }

  /** `zfs list [-r] [-t type,...] [name...]` rows sorted by name. */
  list(opts: { names?: string[]; types?: ZfsType[]; recursive?: boolean } = {}): ZfsDataset[] {
    const types = opts.types ?? (opts.names?.length ? undefined : ['filesystem', 'volume']);
    let rows: ZfsDataset[];
    if (opts.names?.length) {
      rows = [];
      for (const n of opts.names) {
        const d = this.datasets.get(n);
        if (!d) throw new ZfsError(`cannot open '${n}': dataset does not exist`);
        rows.push(d);
        if (opts.recursive) rows.push(...[...this.datasets.values()].filter((x) => x.name.startsWith(`${n}/`) || x.name.startsWith(`${n}@`)));
      }
    } else {
      rows = [...this.datasets.values()];
    }
    return rows.filter((d) => !types || types.includes(d.type)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
