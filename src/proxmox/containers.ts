// LXC containers: /nodes/{node}/lxc/...
//
// Create and clone return the UPID and do not wait: the caller stores it (heartbeat
// details) and waits with tasks.wait, so a retry re-attaches instead of re-sending.
// Because proxmox-api may send a POST twice, PveAlreadyExists from create/clone can mean
// "our own first attempt got through": check `presence()` before treating it as a failure.
import { PveAlreadyExists, PveWaitTimeout, type PveError, taskFailureError } from './errors';
import { createGuestCommon, type GuestConfig } from './guest-common';
import { diffLxcConfig, type LxcConfigDiff, type LxcConfigKeys } from './lxc-settings';
import { abortError } from '../shared/abort';
import { pollDelayMs } from '../shared/poll-delay';
import { sleep, type WaitOptions } from './poll';
import type { TaskClient } from './tasks';
import { apiPath, type PveHttp, type PveParams } from './transport';

export interface CreateContainerParams {
  vmid: number;
  /** `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst` */
  ostemplate: string;
  hostname?: string;
  /** `local-zfs:8` (new 8 GiB volume). */
  rootfs?: string;
  storage?: string;
  cores?: number;
  memory?: number;
  swap?: number;
  unprivileged?: boolean;
  onboot?: boolean;
  start?: boolean;
  /** Further PVE keys (`net0`, `features`, `ssh-public-keys`, ...). Root-only keys fail with a token. */
  extra?: PveParams;
}

export interface CloneContainerParams {
  newid: number;
  hostname?: string;
  description?: string;
  /** Default chosen by PVE: linked clone from a template, full clone otherwise. */
  full?: boolean;
  snapname?: string;
  /** Only for full clones (`parameter 'storage' not allowed for linked clones`). */
  storage?: string;
  pool?: string;
  /** Another node to clone to: PVE allows it only when the source's volumes are on shared storage. */
  target?: string;
}

export interface LxcInterface {
  name: string;
  hwaddr?: string;
  inet?: string;
  inet6?: string;
  'ip-addresses'?: Array<{ 'ip-address': string; 'ip-address-type': string; prefix: number }>;
}

export function createContainerClient(http: PveHttp, tasks: TaskClient) {
  /** POST /nodes/{node}/lxc → UPID (`vzcreate`). */
  function create(node: string, p: CreateContainerParams): Promise<string> {
    return http.post<string>(apiPath('nodes', node, 'lxc'), {
      ...p.extra,
      vmid: p.vmid,
      ostemplate: p.ostemplate,
      hostname: p.hostname,
      rootfs: p.rootfs,
      storage: p.storage,
      cores: p.cores,
      memory: p.memory,
      swap: p.swap,
      unprivileged: p.unprivileged,
      onboot: p.onboot,
      start: p.start,
    });
  }

  function container(node: string, vmid: number) {
    const common = createGuestCommon(http, tasks, 'lxc', node, vmid);
    const { path, label } = common;

    /** POST clone → UPID (`vzclone`, whose id is *this* vmid, the source). */
    const clone = (p: CloneContainerParams): Promise<string> =>
      http.post<string>(path('clone'), { newid: p.newid, hostname: p.hostname, description: p.description, full: p.full, snapname: p.snapname, storage: p.storage, pool: p.pool, target: p.target });

    /** PUT config (synchronous). `delete` removes keys; `digest` guards against concurrent edits. */
    async function updateConfig(changes: PveParams, opts: { delete?: string[]; digest?: string } = {}): Promise<void> {
      const params: PveParams = { ...changes, delete: opts.delete?.length ? opts.delete.join(',') : undefined, digest: opts.digest };
      if (Object.values(params).every((v) => v === undefined)) return; // PVE: `no options specified`
      await http.put<null>(path('config'), params);
    }

    /**
     * Reads the live config, PUTs only the keys that differ and an API token may set, and
     * returns the whole diff so the caller can send `rootOnly` keys through SSH `pct set`.
     */
    async function applyDifference(desired: LxcConfigKeys): Promise<LxcConfigDiff> {
      const live = await common.config();
      const diff = diffLxcConfig(live, desired);
      if (Object.keys(diff.api).length) await updateConfig(diff.api, { digest: live.digest });
      return diff;
    }

    /**
     * Converts to a template. PVE answers `null` but forks a `vztemplate` worker; done when
     * the config says `template: 1` without a lock. A failed worker is found in the task list.
     * Idempotent: an already converted CT is left alone, a conversion in flight is waited for.
     */
    async function convertToTemplate(opts: WaitOptions = {}): Promise<GuestConfig> {
      const isDone = (cfg: GuestConfig) => String(cfg.template) === '1' && !cfg.lock;
      const before = await common.config();
      if (isDone(before)) return before;
      const earlier = new Set((await tasks.list(node, { source: 'all', vmid, typefilter: 'vztemplate' })).map((t) => t.upid));
      if (String(before.template) !== '1') await http.post<null>(path('template'));
      const started = Date.now();
      for (let polls = 1; ; polls++) {
        if (opts.signal?.aborted) throw abortError(opts.signal);
        const cfg = await common.config();
        opts.onProgress?.({ what: `conversion of ${label} to a template`, polls, elapsedMs: Date.now() - started, state: cfg.lock ? `lock=${cfg.lock}` : 'converting' });
        if (isDone(cfg)) return cfg;
        const failed = await failedTemplateTask(earlier);
        if (failed) throw failed;
        if (opts.deadline !== undefined && Date.now() > opts.deadline) {
          throw new PveWaitTimeout(`timed out waiting for the conversion of ${label} to a template`);
        }
        await sleep(opts.pollMs ?? pollDelayMs(polls), opts.signal);
      }
    }

    async function failedTemplateTask(earlier: Set<string>): Promise<PveError | undefined> {
      const recent = await tasks.list(node, { source: 'all', vmid, typefilter: 'vztemplate' }).catch(() => []);
      const ours = recent.find((t) => !earlier.has(t.upid) && t.endtime && t.status && t.status !== 'OK' && !t.status.startsWith('WARNINGS'));
      if (!ours) return undefined;
      const logTail = await tasks.logTail(ours.upid).catch(() => []);
      return taskFailureError(`conversion of ${label} to a template`, { upid: ours.upid, exitstatus: ours.status!, logTail });
    }

    /** DELETE → UPID (`vzdestroy`). */
    const destroy = (opts: { purge?: boolean; force?: boolean; destroyUnreferencedDisks?: boolean } = {}) =>
      http.delete<string>(path(), { purge: opts.purge ? 1 : undefined, force: opts.force ? 1 : undefined, 'destroy-unreferenced-disks': opts.destroyUnreferencedDisks ? 1 : undefined });

    /** Addresses of a running CT (PVE reads them with `ip --json a` in the CT's netns). */
    const interfaces = () => http.get<LxcInterface[]>(path('interfaces'));

    return { ...common, clone, updateConfig, applyDifference, convertToTemplate, destroy, interfaces };
  }

  return { create, container };
}

export type ContainerClient = ReturnType<typeof createContainerClient>;
export type ContainerHandle = ReturnType<ContainerClient['container']>;

/** True when a create/clone failed only because the guest already exists. */
export const isAlreadyExists = (err: unknown): err is PveAlreadyExists => err instanceof PveAlreadyExists;
