// QEMU VMs: /nodes/{node}/qemu/...
//
// Differences from LXC that matter: clone does not lock the source (parallel clones are
// allowed) but holds the *new* VM's config lock for the whole task, so nothing may touch
// the new VM's config before the clone task ended; `template` returns a UPID; start's
// "already running" is a task error (handled by ensureRunning).
import { createGuestCommon } from './guest-common';
import { encodeSshKeys } from './property-strings';
import type { TaskClient } from './tasks';
import { apiPath, type PveHttp, type PveParams } from './transport';

export interface CloneVmParams {
  newid: number;
  name?: string;
  description?: string;
  /** Default chosen by PVE: linked from a template, full otherwise. */
  full?: boolean;
  snapname?: string;
  storage?: string;
  format?: 'raw' | 'qcow2' | 'vmdk';
  pool?: string;
  target?: string;
}

export interface CloudInitSettings {
  ciuser?: string;
  /** Resolved by the activity from a secret; never logged. PVE stores a hash. */
  cipassword?: string;
  /** Plain OpenSSH public key lines; encoded here the way PVE wants them. */
  sshkeys?: readonly string[];
  /** `ipconfigN` values, e.g. `{ 0: 'ip=10.0.0.5/24,gw=10.0.0.1' }`. */
  ipconfig?: Record<number, string>;
  nameserver?: string;
  searchdomain?: string;
  /** `user=local:snippets/user-8001.yml,network=...` */
  cicustom?: string;
  citype?: 'nocloud' | 'configdrive2' | 'opennebula';
}

/** PVE config keys for cloud-init settings (sshkeys double-encoded, see property-strings.ts). */
export function cloudInitParams(ci: CloudInitSettings): PveParams {
  const params: PveParams = {
    ciuser: ci.ciuser,
    cipassword: ci.cipassword,
    sshkeys: ci.sshkeys ? encodeSshKeys(ci.sshkeys) : undefined,
    nameserver: ci.nameserver,
    searchdomain: ci.searchdomain,
    cicustom: ci.cicustom,
    citype: ci.citype,
  };
  for (const [i, v] of Object.entries(ci.ipconfig ?? {})) params[`ipconfig${i}`] = v;
  return params;
}

/** `POST /nodes/{node}/qemu`: what the original's `qm create` + `qm set` sequence set, in one request. */
export interface CreateVmParams {
  name: string;
  memory: number;
  cores: number;
  /** `virtio,bridge=vmbr0` */
  net0: string;
  scsihw?: string;
  /** `<storage>:0,import-from=<volid>` imports a cloud image as the boot disk. */
  scsi0?: string;
  /** `<storage>:cloudinit` */
  ide2?: string;
  boot?: string;
  serial0?: string;
  vga?: string;
  agent?: string;
  ostype?: string;
  /** Further config keys, sent as given. */
  extra?: PveParams;
}

export function createVmClient(http: PveHttp, tasks: TaskClient) {
  function vm(node: string, vmid: number) {
    const common = createGuestCommon(http, tasks, 'qemu', node, vmid);
    const { path } = common;

    /** POST clone → UPID (`qmclone`, id = this source vmid). */
    const clone = (p: CloneVmParams) =>
      http.post<string>(path('clone'), { newid: p.newid, name: p.name, description: p.description, full: p.full, snapname: p.snapname, storage: p.storage, format: p.format, pool: p.pool, target: p.target });

    /** PUT config: synchronous, for changes that need no worker. */
    async function updateConfig(changes: PveParams, opts: { delete?: string[]; digest?: string } = {}): Promise<void> {
      const params: PveParams = { ...changes, delete: opts.delete?.length ? opts.delete.join(',') : undefined, digest: opts.digest };
      if (Object.values(params).every((v) => v === undefined)) return;
      await http.put<null>(path('config'), params);
    }

    /** POST config: PVE runs a `qmconfig` worker (disk allocation, imports); returns its UPID. */
    const updateConfigAsync = (changes: PveParams, opts: { delete?: string[]; digest?: string } = {}) =>
      http.post<string | null>(path('config'), { ...changes, delete: opts.delete?.length ? opts.delete.join(',') : undefined, digest: opts.digest });

    const setCloudInit = (ci: CloudInitSettings, opts: { digest?: string } = {}) => updateConfig(cloudInitParams(ci), opts);

    /** Regenerates the cloud-init drive now (otherwise PVE does it at the next start). */
    const regenerateCloudInit = () => http.put<null>(path('cloudinit'));

    /** The generated cloud-init document PVE will serve (`user`, `network` or `meta`). */
    const dumpCloudInit = (type: 'user' | 'network' | 'meta') => http.get<string>(path('cloudinit', 'dump'), { type });

    /** PUT resize: `size` `+10G` or absolute `64G`. PVE >= 8 returns a UPID. */
    const resize = (disk: string, size: string, opts: { digest?: string } = {}) =>
      http.put<string | null>(path('resize'), { disk, size, digest: opts.digest });

    /** POST template → UPID (`qmtemplate`). */
    const convertToTemplate = (opts: { disk?: string } = {}) => http.post<string>(path('template'), { disk: opts.disk });

    /** POST create → UPID (`qmcreate`, id = this vmid). Disks are allocated (and images imported) by the task. */
    const create = (p: CreateVmParams) =>
      http.post<string>(apiPath('nodes', node, 'qemu'), {
        ...p.extra,
        vmid,
        name: p.name,
        memory: p.memory,
        cores: p.cores,
        net0: p.net0,
        scsihw: p.scsihw,
        scsi0: p.scsi0,
        ide2: p.ide2,
        boot: p.boot,
        serial0: p.serial0,
        vga: p.vga,
        agent: p.agent,
        ostype: p.ostype,
      });

    const destroy = (opts: { purge?: boolean; destroyUnreferencedDisks?: boolean; skiplock?: boolean } = {}) =>
      http.delete<string>(path(), { purge: opts.purge ? 1 : undefined, 'destroy-unreferenced-disks': opts.destroyUnreferencedDisks ? 1 : undefined });

    return { ...common, create, clone, updateConfig, updateConfigAsync, setCloudInit, regenerateCloudInit, dumpCloudInit, resize, convertToTemplate, destroy };
  }
  return { vm };
}

export type VmClient = ReturnType<typeof createVmClient>;
export type VmHandle = ReturnType<VmClient['vm']>;
