import { fail, paramError } from './errors';
import { GuestStore } from './guests';
import { guestDisks } from './volumes';
import { parseSize } from './property-string';
import type { SimContext } from './context';
import type { TaskRecord } from './types';

/**
 * Read-only cluster views: nodes, next free VMID, `/cluster/resources`
 * (with PVE's RRD lag: a new guest shows `status: unknown` and no name until
 * the next status cycle), storage listings and the task index.
 */
const NODE_MEM = 256 * 1024 ** 3;
const NODE_CPUS = 64;

export interface ClusterOptions {
  /** Milliseconds (PVE time) before a new guest appears in resources with its status; 0 disables the lag. */
  rrdLagMs: number;
  nextIdRange: [number, number];
}

export class ClusterViews {
  /** When each guest first appeared (for the RRD lag). */
  private readonly firstSeen = new Map<number, number>();

  constructor(
    private readonly ctx: SimContext,
    private readonly opts: ClusterOptions,
    private readonly bootTime: number,
  ) {}

  requireNode(node: string): void {
    if (!this.ctx.nodes.includes(node)) throw fail(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  }

  nextId(vmid?: string): number {
    const [lower, upper] = this.opts.nextIdRange;
    if (vmid !== undefined) {
      if (!/^\d+$/.test(vmid)) throw paramError({ vmid: `type check ('integer') failed - got '${vmid}'` });
      if (this.ctx.guests.get(Number(vmid))) throw paramError({ vmid: `VM ${vmid} already exists` });
      return Number(vmid);
    }
    for (let id = lower; id < upper; id++) if (!this.ctx.guests.get(id)) return id;
    throw fail(`unable to get any free VMID in range [${lower}, ${upper}]`);
  }

  nodes(): Array<Record<string, unknown>> {
    return this.ctx.nodes.map((node) => ({
      node,
      id: `node/${node}`,
      type: 'node',
      status: 'online',
      cpu: 0.02,
      maxcpu: NODE_CPUS,
      mem: Math.floor(NODE_MEM / 10),
      maxmem: NODE_MEM,
      disk: 10 * 1024 ** 3,
      maxdisk: 100 * 1024 ** 3,
      uptime: Math.floor((this.ctx.clock.now() - this.bootTime) / 1000),
      level: '',
    }));
  }

  resources(type?: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    const now = this.ctx.clock.now();
    if (!type || type === 'vm') {
      for (const g of this.ctx.guests.all()) {
        if (!this.firstSeen.has(g.vmid)) this.firstSeen.set(g.vmid, now);
        const lagging = now - this.firstSeen.get(g.vmid)! < this.ctx.clock.scaled(this.opts.rrdLagMs);
        const e: Record<string, unknown> = { id: `${g.type}/${g.vmid}`, vmid: g.vmid, node: g.node, type: g.type };
        if (lagging) e.status = 'unknown';
        else {
          const disk = guestDisks(g.type, g.config)[0];
          const memory = Number((g.config.memory ?? (g.type === 'lxc' ? '512' : '2048')).replace(/^current=/, '').split(',')[0]);
          Object.assign(e, {
            status: g.status,
            name: g.type === 'lxc' ? (g.config.hostname ?? `CT${g.vmid}`) : (g.config.name ?? `VM ${g.vmid}`),
            template: GuestStore.isTemplate(g) ? 1 : 0,
            maxcpu: Number(g.config.cores ?? 1),
            cpu: 0,
            maxmem: memory * 1024 * 1024,
            mem: 0,
            maxdisk: parseSize(disk?.mp.props.get('size') ?? '') ?? 0,
            disk: 0,
            netin: 0,
            netout: 0,
            diskread: 0,
            diskwrite: 0,
            uptime: g.status === 'running' && g.startedAt ? Math.floor((now - g.startedAt) / 1000) : 0,
          });
        }
        if (g.config.lock) e.lock = g.config.lock;
        if (g.config.tags) e.tags = g.config.tags;
        out.push(e);
      }
      for (const vmid of [...this.firstSeen.keys()]) if (!this.ctx.guests.get(vmid)) this.firstSeen.delete(vmid);
    }
    if (!type || type === 'node') out.push(...this.nodes().map((n) => ({ ...n, 'cgroup-mode': 2 })));
    if (!type || type === 'storage') {
      for (const node of this.ctx.nodes) {
        for (const s of this.ctx.storages.listOn(node)) {
          const st = this.ctx.storages.status(s);
          out.push({ id: `storage/${node}/${s.id}`, storage: s.id, node, type: 'storage', status: 'available', plugintype: s.type, content: s.content, shared: s.shared ? 1 : 0, disk: st.used, maxdisk: st.total });
        }
      }
    }
    return out;
  }

  storages(node: string, filter: { content?: string; storage?: string; enabled?: string }): Array<Record<string, unknown>> {
    this.requireNode(node);
    return this.ctx.storages
      .listOn(node)
      .filter((s) => (!filter.content || filter.content.split(',').every((c) => this.ctx.storages.hasContent(s, c))) && (!filter.storage || s.id === filter.storage))
      .map((s) => {
        const st = this.ctx.storages.status(s);
        return { storage: s.id, type: s.type, content: s.content, active: 1, enabled: 1, shared: s.shared ? 1 : 0, total: st.total, used: st.used, avail: st.avail, used_fraction: st.total ? st.used / st.total : 0 };
      });
  }

  storageContent(node: string, storage: string, content?: string, vmid?: number): Array<Record<string, unknown>> {
    this.requireNode(node);
    const spec = this.ctx.storages.onNode(storage, node);
    if (!spec) throw fail(`storage '${storage}' does not exist`);
    return this.ctx.storages.content(spec, content, vmid).map((e) => ({ ...e }));
  }

  /** `GET /nodes/{node}/tasks`: archive (finished, default), active (running) or all; running shown as `RUNNING`. */
  tasks(node: string, f: { source?: string; vmid?: number; typefilter?: string; userfilter?: string; errors?: boolean; start?: number; limit?: number; since?: number; until?: number; statusfilter?: string }): { data: Array<Record<string, unknown>>; total: number } {
    this.requireNode(node);
    const source = f.source ?? 'archive';
    if (!['archive', 'active', 'all'].includes(source)) throw paramError({ source: `value '${source}' does not have a value in the enumeration 'archive, active, all'` });
    const statusClass = (t: TaskRecord): string => (t.exitstatus === 'OK' ? 'ok' : /^WARNINGS/.test(t.exitstatus ?? '') ? 'warning' : 'error');
    const list = this.ctx.tasks
      .all()
      .filter((t) => t.node === node)
      .filter((t) => (source === 'active' ? t.status === 'running' : source === 'archive' ? t.status === 'stopped' : true))
      .filter((t) => f.vmid === undefined || t.id === String(f.vmid))
      .filter((t) => !f.typefilter || t.type === f.typefilter)
      .filter((t) => !f.userfilter || t.user.includes(f.userfilter))
      .filter((t) => !f.errors || (t.status === 'stopped' && t.exitstatus !== 'OK'))
      .filter((t) => f.since === undefined || t.starttime >= f.since)
      .filter((t) => f.until === undefined || t.starttime <= f.until)
      .filter((t) => !f.statusfilter || (t.status === 'stopped' && f.statusfilter.split(',').includes(statusClass(t))))
      .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
    const start = f.start ?? 0;
    const limit = f.limit ?? 50;
    const data = list.slice(start, start + limit).map((t) => {
      const e: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, ...splitTokenUser(t.user) };
      if (t.status === 'running') e.status = 'RUNNING';
      else {
        e.status = t.exitstatus;
        e.endtime = t.endtime;
      }
      return e;
    });
    return { data, total: list.length };
  }

  taskStatus(node: string, upid: string): Record<string, unknown> {
    this.requireNode(node);
    const t = this.findTask(upid);
    const e: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, status: t.status, ...splitTokenUser(t.user) };
    if (t.status === 'stopped') e.exitstatus = t.exitstatus;
    return e;
  }

  taskLog(node: string, upid: string, start = 0, limit = 50): { data: Array<{ n: number; t: string }>; total: number } {
    this.requireNode(node);
    const t = this.findTask(upid);
    const lines = t.log.length ? t.log : ['no content'];
    return { data: lines.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text })), total: lines.length };
  }

  private findTask(upid: string): TaskRecord {
    if (!/^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/.test(upid)) {
      throw paramError({ upid: 'unable to parse worker upid' });
    }
    const t = this.ctx.tasks.get(upid);
    if (!t) throw paramError({ upid: 'no such task' });
    return t;
  }
}

/** PVE reports a token's tasks as `user` + `tokenid` (`root@pam` + `phoenix`), never `root@pam!phoenix`. */
function splitTokenUser(user: string): { user: string; tokenid?: string } {
  const bang = user.indexOf('!');
  return bang < 0 ? { user } : { user: user.slice(0, bang), tokenid: user.slice(bang + 1) };
}
