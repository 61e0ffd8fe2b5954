import { fail } from './errors';
import type { SimClock } from './clock';

/**
 * PVE's first lock layer: `flock` on a lock file with a timeout
 * (`can't lock file '<file>' - got timeout`). Held across awaits, so a QEMU
 * clone keeps the new VM's config file locked for its whole task and a config
 * change in that window waits, then fails, exactly as on a real host.
 */
interface Holder {
  mode: 'shared' | 'exclusive';
}
interface Waiter {
  mode: 'shared' | 'exclusive';
  grant: () => void;
}

export type Release = () => void;

export class FlockTable {
  private readonly holders = new Map<string, Holder[]>();
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(private readonly clock: SimClock) {}

  /** PVE's lock file of a guest config. */
  static configLockFile(type: 'lxc' | 'qemu', vmid: number): string {
    return type === 'qemu' ? `/var/lock/qemu-server/lock-${vmid}.conf` : `/run/lock/lxc/pve-config-${vmid}.lock`;
  }

  isHeld(file: string): boolean {
    return (this.holders.get(file)?.length ?? 0) > 0;
  }

  /** Acquires within `timeoutMs` of PVE time (scaled), or throws PVE's timeout error. */
  async acquire(file: string, timeoutMs: number, mode: 'shared' | 'exclusive' = 'exclusive'): Promise<Release> {
    if (this.compatible(file, mode) && !(this.waiters.get(file)?.length)) return this.grant(file, mode);
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        mode,
        grant: () => {
          clearTimeout(timer);
          resolve(this.grant(file, mode));
        },
      };
      const queue = this.waiters.get(file) ?? [];
      queue.push(waiter);
      this.waiters.set(file, queue);
      const timer = setTimeout(() => {
        const q = this.waiters.get(file) ?? [];
        const i = q.indexOf(waiter);
        if (i >= 0) q.splice(i, 1);
        reject(fail(`can't lock file '${file}' - got timeout`));
      }, this.clock.scaled(timeoutMs));
    });
  }

  private compatible(file: string, mode: 'shared' | 'exclusive'): boolean {
    const held = this.holders.get(file) ?? [];
    if (held.length === 0) return true;
    return mode === 'shared' && held.every((h) => h.mode === 'shared');
  }

  private grant(file: string, mode: 'shared' | 'exclusive'): Release {
    const holder: Holder = { mode };
    const held = this.holders.get(file) ?? [];
    held.push(holder);
    this.holders.set(file, held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const list = this.holders.get(file) ?? [];
      const i = list.indexOf(holder);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.holders.delete(file);
      this.wakeWaiters(file);
    };
  }

  private wakeWaiters(file: string): void {
    const queue = this.waiters.get(file) ?? [];
    while (queue.length && this.compatible(file, queue[0]!.mode)) queue.shift()!.grant();
    if (queue.length === 0) this.waiters.delete(file);
  }

  clear(): void {
    this.holders.clear();
    this.waiters.clear();
  }
}
