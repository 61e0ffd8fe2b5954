import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GuestStore } from '../state/guests';
import type { GuestType } from '../state/types';
import type { SshHost } from './host-backend';

/**
 * The simulated host's filesystem as host commands see it. Guest config files under
 * /etc/pve are views of the state (pmxcfs): reading renders the guest's config, writing
 * parses the text back into the state. Every other path is a real file under the state's
 * host root folder (`storages.hostPath`), e.g. /var/lib/vz/snippets/*.yml that `cicustom`
 * checks, shared-volume folders and simulated /dev/nvidia* nodes.
 */
const CONF_PATH = /^\/etc\/pve\/(?:nodes\/([^/]+)\/)?(lxc|qemu-server)\/([1-9][0-9]{2,8})\.conf$/;

export class HostFsError extends Error {}

interface ConfRef {
  type: GuestType;
  vmid: number;
  node: string;
}

export class HostFs {
  constructor(private readonly host: SshHost) {}

  normalize(path: string): string {
    const parts: string[] = [];
    for (const p of path.split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') parts.pop();
      else parts.push(p);
    }
    return `/${parts.join('/')}`;
  }

  private conf(path: string): ConfRef | undefined {
    const m = CONF_PATH.exec(this.normalize(path));
    if (!m) return undefined;
    return { node: m[1] ?? this.host.node, type: m[2] === 'lxc' ? 'lxc' : 'qemu', vmid: Number(m[3]) };
  }

  private guestOf(ref: ConfRef) {
    const g = this.host.guests.get(ref.vmid);
    return g && g.type === ref.type && g.node === ref.node ? g : undefined;
  }

  realPath(path: string): string {
    return this.host.storages.hostPath(this.normalize(path));
  }

  exists(path: string): boolean {
    const ref = this.conf(path);
    if (ref) return this.guestOf(ref) !== undefined;
    if (/^\/etc\/pve\/(lxc|qemu-server|nodes)?\/?$/.test(this.normalize(path) + '/')) return true;
    return existsSync(this.realPath(path));
  }

  isDirectory(path: string): boolean {
    if (this.conf(path)) return false;
    const real = this.realPath(path);
    return existsSync(real) && statSync(real).isDirectory();
  }

  read(path: string): Buffer {
    if (this.normalize(path) === '/etc/pve/storage.cfg' && this.host.machine) return Buffer.from(this.host.machine.renderStorageCfg());
    const ref = this.conf(path);
    if (ref) {
      const g = this.guestOf(ref);
      if (!g) throw new HostFsError(`${path}: No such file or directory`);
      return Buffer.from(GuestStore.render(g));
    }
    const real = this.realPath(path);
    if (!existsSync(real)) throw new HostFsError(`${path}: No such file or directory`);
    if (statSync(real).isDirectory()) throw new HostFsError(`${path}: Is a directory`);
    return readFileSync(real);
  }

  write(path: string, data: Buffer, append = false): void {
    const ref = this.conf(path);
    if (ref) {
      const g = this.guestOf(ref);
      if (!g) throw new HostFsError(`${path}: creating guests by writing config files is not supported by phoenix-sim`);
      const text = append ? GuestStore.render(g) + data.toString('utf8') : data.toString('utf8');
      this.host.writeConfigFile(ref.type, ref.vmid, text);
      return;
    }
    const normalized = this.normalize(path);
    // pmxcfs: guest configs are views (above); the firewall files are plain files there.
    if (normalized.startsWith('/etc/pve/') && !normalized.startsWith('/etc/pve/firewall/')) throw new HostFsError(`${path}: Permission denied`);
    const real = this.realPath(normalized);
    if (!existsSync(dirname(real))) throw new HostFsError(`${path}: No such file or directory`);
    if (append) appendFileSync(real, data);
    else writeFileSync(real, data);
    if (normalized.startsWith('/var/lib/vz/snippets/') || normalized.startsWith('/etc/')) {
      this.host.ledger.record('file.write', { node: this.host.node, path: normalized, bytes: data.length, append, via: 'ssh' });
    }
  }

  mkdir(path: string, parents: boolean, mode?: number): void {
    const real = this.realPath(path);
    if (existsSync(real)) {
      if (!parents) throw new HostFsError(`cannot create directory '${path}': File exists`);
      return;
    }
    if (!parents && !existsSync(dirname(real))) throw new HostFsError(`cannot create directory '${path}': No such file or directory`);
    mkdirSync(real, { recursive: parents, ...(mode !== undefined ? { mode } : {}) });
  }
}
