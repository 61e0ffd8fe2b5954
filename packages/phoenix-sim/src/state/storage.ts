import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fail, paramError } from './errors';
import type { StorageSpec } from './types';
import type { ZfsPool } from './zfs';

/**
 * Storages of the simulated cluster and the host files behind them. `dir`
 * storages are real folders under `<stateDir>/host` (so the SSH side writes
 * snippets there and the API lists them); `zfspool` volumes are datasets of
 * the ZFS model. Layout of a dir storage is PVE's: `template/cache` (vztmpl),
 * `template/iso`, `snippets`, `import`, `dump` (backup).
 */
export const DEFAULT_STORAGES: StorageSpec[] = [
  { id: 'local', type: 'dir', path: '/var/lib/vz', content: 'vztmpl,iso,snippets,import,backup' },
  { id: 'local-zfs', type: 'zfspool', pool: 'rpool/data', content: 'images,rootdir' },
];

export const DEFAULT_TEMPLATES = [
  'vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
  'vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
  'import/noble-server-cloudimg-amd64.img',
  'iso/noble-server-cloudimg-amd64.img',
];

const CONTENT_DIRS: Record<string, string> = {
  vztmpl: 'template/cache',
  iso: 'template/iso',
  snippets: 'snippets',
  import: 'import',
  backup: 'dump',
};

const DEFAULT_TOTAL = 512 * 1024 ** 3;

export interface ContentEntry {
  volid: string;
  content: string;
  format: string;
  size: number;
  ctime: number;
  vmid?: number;
  parent?: string;
}

export class Storages {
  constructor(
    readonly specs: StorageSpec[],
    private readonly nodes: string[],
    /** Real folder standing for the host's `/`. */
    readonly hostRoot: string,
    private readonly zfs: ZfsPool,
  ) {
    for (const s of specs) {
      if (s.type === 'dir') {
        for (const c of s.content.split(',')) {
          const sub = CONTENT_DIRS[c];
          if (sub) mkdirSync(this.hostPath(join(s.path ?? `/mnt/pve/${s.id}`, sub)), { recursive: true });
        }
      } else if (s.pool) {
        zfs.ensureFilesystem(s.pool);
      }
    }
  }

  /** Real path of a host path (`/var/lib/vz/snippets/a.yml` → `<hostRoot>/var/lib/vz/snippets/a.yml`). */
  hostPath(path: string): string {
    const clean = normalize('/' + path).replace(/^\/+/, '');
    return join(this.hostRoot, clean);
  }

  get(id: string): StorageSpec | undefined {
    return this.specs.find((s) => s.id === id);
  }

  onNode(id: string, node: string): StorageSpec | undefined {
    const s = this.get(id);
    return s && (!s.nodes || s.nodes.includes(node)) ? s : undefined;
  }

  /** storage.cfg: every storage, whichever nodes it is on. */
  all(): StorageSpec[] {
    return [...this.specs];
  }

  listOn(node: string): StorageSpec[] {
    return this.specs.filter((s) => !s.nodes || s.nodes.includes(node));
  }

  hasContent(spec: StorageSpec, content: string): boolean {
    return spec.content.split(',').includes(content);
  }

  /** `storage 'x' does not exist` as PVE's storage config lookup says it. */
  require(id: string): StorageSpec {
    const s = this.get(id);
    if (!s) throw fail(`storage '${id}' does not exist`);
    return s;
  }

  static splitVolid(volid: string): { storage: string; volname: string } | undefined {
    const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
    return m ? { storage: m[1]!, volname: m[2]! } : undefined;
  }

  /** Host path of a file volume on a dir storage (`local:vztmpl/x.tar.zst`). */
  filePath(volid: string): { spec: StorageSpec; content: string; path: string } | undefined {
    const parts = Storages.splitVolid(volid);
    if (!parts) return undefined;
    const spec = this.get(parts.storage);
    if (!spec || spec.type !== 'dir') return undefined;
    const m = /^(vztmpl|iso|snippets|import|backup)\/(.+)$/.exec(parts.volname);
    if (!m || m[2]!.includes('..')) return undefined;
    return { spec, content: m[1]!, path: join(spec.path ?? `/mnt/pve/${spec.id}`, CONTENT_DIRS[m[1]!]!, m[2]!) };
  }

  fileExists(volid: string): boolean {
    const f = this.filePath(volid);
    return !!f && existsSync(this.hostPath(f.path));
  }

  /** Places a file into a dir storage (template files given by options). */
  addFile(storageId: string, relative: string, content: string | Buffer = ''): void {
    const f = this.filePath(`${storageId}:${relative}`);
    if (!f) throw new Error(`cannot place '${relative}' on storage '${storageId}'`);
    const real = this.hostPath(f.path);
    mkdirSync(dirname(real), { recursive: true });
    if (!existsSync(real)) writeFileSync(real, content);
  }

  /** Dataset of a ZFS volume name (`basevol-900-disk-0/subvol-901-disk-0` → `rpool/data/subvol-901-disk-0`). */
  datasetOf(spec: StorageSpec, volname: string): string {
    const last = volname.split('/').at(-1)!;
    return `${spec.pool}/${last}`;
  }

  /** Next free `<prefix>-<vmid>-disk-<n>` on a zfspool. */
  freeVolname(spec: StorageSpec, vmid: number, prefix: 'subvol' | 'vm'): string {
    const taken = new Set(
      this.zfs
        .list({ types: ['filesystem', 'volume'] })
        .map((d) => new RegExp(`^${spec.pool}/(?:subvol|basevol|vm|base)-${vmid}-disk-(\\d+)$`).exec(d.name)?.[1])
        .filter((x): x is string => x !== undefined),
    );
    let n = 0;
    while (taken.has(String(n))) n++;
    return `${prefix}-${vmid}-disk-${n}`;
  }

  /** Storage listing as `GET /nodes/{node}/storage` returns it. */
  status(spec: StorageSpec): { total: number; used: number; avail: number } {
    const total = spec.totalBytes ?? DEFAULT_TOTAL;
    let used = 0;
    if (spec.type === 'zfspool') {
      for (const d of this.zfs.list({ types: ['filesystem', 'volume'] })) if (d.name.startsWith(`${spec.pool}/`)) used += Math.min(d.size ?? 0, 2 * 1024 ** 3);
    } else {
      for (const e of this.content(spec)) used += e.size;
    }
    return { total, used, avail: Math.max(0, total - used) };
  }

  content(spec: StorageSpec, content?: string, vmid?: number): ContentEntry[] {
    const out: ContentEntry[] = [];
    if (spec.type === 'dir') {
      for (const c of spec.content.split(',')) {
        const sub = CONTENT_DIRS[c];
        if (!sub || (content && content !== c)) continue;
        const dir = this.hostPath(join(spec.path ?? `/mnt/pve/${spec.id}`, sub));
        if (!existsSync(dir)) continue;
        for (const name of readdirSync(dir).sort()) {
          const st = statSync(join(dir, name));
          if (!st.isFile()) continue;
          out.push({ volid: `${spec.id}:${c}/${name}`, content: c, format: formatOf(c, name), size: st.size, ctime: Math.floor(st.ctimeMs / 1000) });
        }
      }
      return out;
    }
    for (const d of this.zfs.list({ types: ['filesystem', 'volume'] })) {
      const m = new RegExp(`^${spec.pool}/((subvol|basevol|vm|base)-(\\d+)-(disk-\\d+|cloudinit))$`).exec(d.name);
      if (!m) continue;
      const isCt = m[2] === 'subvol' || m[2] === 'basevol';
      const c = isCt ? 'rootdir' : 'images';
      if (content && content !== c) continue;
      if (vmid !== undefined && Number(m[3]) !== vmid) continue;
      const entry: ContentEntry = { volid: `${spec.id}:${m[1]}`, content: c, format: isCt ? 'subvol' : 'raw', size: d.size ?? 0, ctime: Math.floor(d.creation / 1000), vmid: Number(m[3]) };
      if (d.origin) entry.parent = d.origin.split('/').at(-1)!;
      out.push(entry);
    }
    return out;
  }

  /** The `storage` parameter check of `pct create`/`qm create`. */
  requireContent(id: string, node: string, content: 'rootdir' | 'images', param = 'storage'): StorageSpec {
    const spec = this.onNode(id, node);
    if (!spec) throw paramError({ [param]: `storage '${id}' does not exist` });
    if (!this.hasContent(spec, content)) {
      throw paramError({ [param]: content === 'rootdir' ? `storage '${id}' does not support container directories` : `storage '${id}' does not support vm images` });
    }
    return spec;
  }
}

function formatOf(content: string, name: string): string {
  if (content === 'vztmpl') {
    const m = /\.tar\.(\w+)$/.exec(name);
    if (!m) return 'tar';
    return m[1] === 'zst' ? 'tzst' : `t${m[1]}`;
  }
  if (content === 'iso') return 'iso';
  if (content === 'snippets') return 'snippet';
  if (content === 'import') return /\.(qcow2|vmdk|ova|raw)$/.exec(name)?.[1] ?? 'raw';
  return 'raw';
}
