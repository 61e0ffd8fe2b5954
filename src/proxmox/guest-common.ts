// What LXC containers and QEMU VMs share on the API: status, config reads, snapshots,
// start/stop semantics and the config-polling waits. `kind` picks the URL subtree.
import { isAlreadyRunning, isNotRunning, PveNotFound, PveWaitTimeout } from './errors';
import { abortError } from '../shared/abort';
import { pollDelayMs } from '../shared/poll-delay';
import { sleep, type WaitOptions } from './poll';
import type { TaskClient, TaskWaitOptions } from './tasks';
import { apiPath, type PveHttp, type PveParams } from './transport';

export type GuestKind = 'lxc' | 'qemu';

/** A guest config as GET .../config returns it: numbers for integers/booleans, strings otherwise. */
export interface GuestConfig {
  [key: string]: unknown;
  digest?: string;
  lock?: string;
  template?: number;
  /** LXC only: raw `lxc.*` lines as [key, value] pairs. */
  lxc?: Array<[string, string]>;
}

export interface GuestStatus {
  vmid: number | string;
  status: 'running' | 'stopped' | string;
  name?: string;
  lock?: string;
  template?: number;
  uptime?: number;
  pid?: number;
  qmpstatus?: string;
}

export interface SnapshotInfo {
  name: string;
  description?: string;
  snaptime?: number;
  parent?: string;
  vmstate?: number;
}

/** Where a guest is in its life: lets a retried create/clone decide what is left to do. */
export type GuestPresence =
  | { state: 'absent' }
  /** Config exists but is locked by an in-flight create/clone (`lock: create` / `lock: clone`). */
  | { state: 'creating'; lock: string }
  | { state: 'present'; config: GuestConfig };

export interface StartResult {
  /** Task to wait for; absent when nothing had to be done. */
  upid?: string;
  alreadyRunning: boolean;
}
export interface StopResult {
  upid?: string;
  alreadyStopped: boolean;
}

export function createGuestCommon(http: PveHttp, tasks: TaskClient, kind: GuestKind, node: string, vmid: number) {
  const label = `${kind === 'lxc' ? 'CT' : 'VM'} ${vmid} on ${node}`;
  const path = (...rest: Array<string | number>) => apiPath('nodes', node, kind, vmid, ...rest);
  const prefix = kind === 'lxc' ? 'vz' : 'qm';

  const config = async (opts: { current?: boolean; snapshot?: string } = {}): Promise<GuestConfig> =>
    http.get<GuestConfig>(path('config'), { current: opts.current ? 1 : undefined, snapshot: opts.snapshot });

  async function presence(): Promise<GuestPresence> {
    try {
      const cfg = await config();
      if (cfg.lock === 'create' || cfg.lock === 'clone') return { state: 'creating', lock: cfg.lock };
      return { state: 'present', config: cfg };
    } catch (err) {
      if (err instanceof PveNotFound) return { state: 'absent' };
      throw err;
    }
  }

  const status = () => http.get<GuestStatus>(path('status', 'current'));

  /** Checks status first and treats "already running" (sync for LXC) as done. */
  async function start(): Promise<StartResult> {
    const s = await status();
    if (s.status === 'running') return { alreadyRunning: true };
    try {
      return { upid: await http.post<string>(path('status', 'start')), alreadyRunning: false };
    } catch (err) {
      if (isAlreadyRunning(err)) return { alreadyRunning: true };
      throw err;
    }
  }

  async function stopVia(action: 'stop' | 'shutdown', params?: PveParams): Promise<StopResult> {
    const s = await status();
    if (s.status === 'stopped') return { alreadyStopped: true };
    try {
      return { upid: await http.post<string>(path('status', action), params), alreadyStopped: false };
    } catch (err) {
      if (isNotRunning(err)) return { alreadyStopped: true };
      throw err;
    }
  }

  /** Start and wait; a start task that fails with "already running" (QEMU) counts as done. */
  async function ensureRunning(opts: TaskWaitOptions = {}): Promise<void> {
    const r = await start();
    if (!r.upid) return;
    try {
      await tasks.wait(r.upid, { what: `start of ${label}`, ...opts });
    } catch (err) {
      if (!isAlreadyRunning(err)) throw err;
    }
  }

  async function ensureStopped(how: { graceful?: { timeoutS: number } } = {}, opts: TaskWaitOptions = {}): Promise<void> {
    const r = how.graceful
      ? await stopVia('shutdown', { timeout: how.graceful.timeoutS, forceStop: 1 })
      : await stopVia('stop');
    if (!r.upid) return;
    try {
      await tasks.wait(r.upid, { what: `stop of ${label}`, ...opts });
    } catch (err) {
      if (!isNotRunning(err)) throw err;
    }
  }

  async function snapshots(): Promise<SnapshotInfo[]> {
    const all = (await http.get<SnapshotInfo[]>(path('snapshot'))) ?? [];
    // PVE lists the live state as a pseudo snapshot named `current` ("You are here!").
    return all.filter((s) => s.name !== 'current');
  }

  const createSnapshot = (snapname: string, opts: { description?: string; vmstate?: boolean } = {}) =>
    http.post<string>(path('snapshot'), { snapname, description: opts.description, vmstate: kind === 'qemu' ? opts.vmstate : undefined });
  const deleteSnapshot = (snapname: string, opts: { force?: boolean } = {}) =>
    http.delete<string>(path('snapshot', snapname), { force: opts.force ? 1 : undefined });
  const rollback = (snapname: string, opts: { start?: boolean } = {}) =>
    http.post<string>(path('snapshot', snapname, 'rollback'), { start: opts.start ? 1 : undefined });

  /** Polls the config until `done(config)`; names the wait in its timeout error. */
  async function waitForConfig(what: string, done: (cfg: GuestConfig) => boolean, opts: WaitOptions = {}): Promise<GuestConfig> {
    const started = Date.now();
    for (let polls = 1; ; polls++) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const cfg = await config();
      opts.onProgress?.({ what, polls, elapsedMs: Date.now() - started, state: cfg.lock ? `lock=${cfg.lock}` : 'unlocked' });
      if (done(cfg)) return cfg;
      if (opts.deadline !== undefined && Date.now() > opts.deadline) {
        throw new PveWaitTimeout(
          `timed out waiting for ${what} of ${label}` + (cfg.lock ? ` (still locked: ${cfg.lock}; if nothing is running on the host, \`${kind === 'lxc' ? 'pct' : 'qm'} unlock ${vmid}\`)` : ''),
        );
      }
      await sleep(opts.pollMs ?? pollDelayMs(polls), opts.signal);
    }
  }

  const waitForUnlock = (opts: WaitOptions = {}) => waitForConfig('config unlock', (c) => !c.lock, opts);

  /** The newest task of `type` for this guest that is still running, to re-attach to after a crash. */
  const findRunningTask = (type: string) => tasks.findRunning(node, { vmid, type });

  return {
    node,
    vmid,
    label,
    path,
    taskPrefix: prefix,
    config,
    presence,
    status,
    start,
    stop: () => stopVia('stop'),
    shutdown: (opts: { timeoutS?: number; forceStop?: boolean } = {}) =>
      stopVia('shutdown', { timeout: opts.timeoutS, forceStop: opts.forceStop ? 1 : undefined }),
    ensureRunning,
    ensureStopped,
    snapshots,
    createSnapshot,
    deleteSnapshot,
    rollback,
    waitForConfig,
    waitForUnlock,
    findRunningTask,
  };
}

export type GuestCommon = ReturnType<typeof createGuestCommon>;
