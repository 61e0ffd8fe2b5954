/**
 * From the hypervisor file to what `phoenix-client setup` makes true on the host, step by step.
 * Pure. Built on the worker by each setup activity and never returned to a workflow: it carries
 * the admin user's password hash, which must stay out of history.
 */
import type { PhoenixConfig } from '../config';
import type { HypervisorFile } from '../config';

export type Vdev = 'stripe' | 'mirror' | 'raidz1' | 'raidz2' | 'raidz3';

export interface SetupPlan {
  timezone?: string;
  /** Packages every later step relies on, installed in the first step. */
  packages: string[];
  pools: Array<{ name: string; vdev: Vdev; disks: string[] }>;
  arcMaxBytes?: number;
  datasets: Array<{ name: string; properties: Record<string, string> }>;
  storages: Array<{ id: string; type: 'zfspool' | 'dir'; pool?: string; path?: string; content: string }>;
  /** Only for GPUs the config passes through to VMs. */
  vfio?: { ids: string[]; addresses: string[]; cmdline: string[] };
  driver?: { version: string; runfileUrl: string; runfile: string };
  firewall?: { enabled: boolean; policyIn?: string; policyOut?: string };
  exports: Array<{ path: string; line: string }>;
  samba?: { user: string; workgroup: string; shares: Array<{ name: string; path: string; section: string[] }> };
  users: Array<{ name: string; sudo: boolean; passwordHash?: string; sshKey?: string; pveAdmin: boolean }>;
  apparmor: boolean;
  idmap: string;
}

const VDEV: Record<string, Vdev> = { single: 'stripe', mirror: 'mirror', RAIDZ1: 'raidz1', RAIDZ2: 'raidz2', RAIDZ3: 'raidz3' };

export const RUNFILE_CACHE = '/var/cache/phoenix';
export const ROOT_IDMAP = 'root:100000:65536';

export function buildSetupPlan(config: PhoenixConfig): SetupPlan {
  const hv: HypervisorFile = config.hypervisor;
  const datasets = hv.zfs?.datasets ?? [];
  const vmGpus = (hv.gpus ?? []).filter((g) => g.use === 'vm');
  const driver = hv.nvidia_driver?.install && hv.nvidia_driver.version && hv.nvidia_driver.runfile_url ? hv.nvidia_driver : undefined;
  const packages = new Set<string>(['chrony', ...(hv.setup?.packages ?? [])]);
  if (hv.nfs?.exports.length) ['nfs-kernel-server', 'nfs-common'].forEach((p) => packages.add(p));
  if (hv.samba?.shares.length) ['samba', 'samba-common-bin'].forEach((p) => packages.add(p));
  if (driver) ['build-essential', 'dkms', 'pkg-config', 'proxmox-default-headers'].forEach((p) => packages.add(p));
  const samba = hv.samba?.shares.length
    ? {
        user: hv.samba.user ?? 'heads',
        workgroup: hv.samba.workgroup ?? hv.network?.workgroup ?? 'WORKGROUP',
        shares: hv.samba.shares.map((s) => {
          const path = s.path.startsWith('/') ? s.path : `/${s.path}`;
          const users = s.valid_users?.length ? s.valid_users : [hv.samba!.user ?? 'heads'];
          return {
            name: s.name,
            path,
            section: [
              `[${s.name}]`,
              `   path = ${path}`,
              `   browseable = ${s.browsable === false ? 'no' : 'yes'}`,
              `   read only = ${s.read_only ? 'yes' : 'no'}`,
              `   guest ok = ${s.guest_ok ? 'yes' : 'no'}`,
              `   valid users = ${users.join(' ')}`,
              '   create mask = 0770',
              '   directory mask = 0770',
            ],
          };
        }),
      }
    : undefined;
  const admin = hv.users;
  return {
    ...(hv.timezone ? { timezone: hv.timezone } : {}),
    packages: [...packages].sort(),
    pools: (hv.zfs?.pools ?? []).map((p) => ({ name: p.name, vdev: VDEV[p.raid_level]!, disks: p.disks })),
    ...(hv.zfs?.arc_max_gb && hv.zfs.pools?.length ? { arcMaxBytes: Math.round(hv.zfs.arc_max_gb * 1024 ** 3) } : {}),
    datasets: datasets.map((d) => ({ name: `${d.pool}/${d.name}`, properties: parseProperties(d.properties) })),
    storages: datasets
      .filter((d) => d.proxmox_storage_type)
      .map((d) => ({
        id: d.proxmox_storage_id ?? `${d.pool}-${d.name.replace(/\//g, '-')}`,
        type: d.proxmox_storage_type!,
        ...(d.proxmox_storage_type === 'zfspool' ? { pool: `${d.pool}/${d.name}` } : { path: `/${d.pool}/${d.name}` }),
        content: d.proxmox_content_type ?? (d.proxmox_storage_type === 'zfspool' ? 'images,rootdir' : 'iso,vztmpl,backup'),
      })),
    ...(vmGpus.length ? { vfio: { ids: [...new Set(vmGpus.flatMap((g) => g.vendor_device ?? []))].sort(), addresses: vmGpus.map((g) => g.pci_address), cmdline: ['intel_iommu=on', 'iommu=pt'] } } : {}),
    ...(driver
      ? { driver: { version: driver.version!, runfileUrl: driver.runfile_url!, runfile: `${RUNFILE_CACHE}/NVIDIA-Linux-x86_64-${driver.version}.run` } }
      : {}),
    ...(hv.firewall
      ? { firewall: { enabled: hv.firewall.enabled, ...(hv.firewall.default_input_policy ? { policyIn: hv.firewall.default_input_policy } : {}), ...(hv.firewall.default_output_policy ? { policyOut: hv.firewall.default_output_policy } : {}) } }
      : {}),
    exports: (hv.nfs?.exports ?? []).map((e) => ({ path: e.path, line: `${e.path} ${e.clients.map((c) => `${c}(${(e.options ?? ['rw', 'sync', 'no_subtree_check']).join(',')})`).join(' ')}` })),
    ...(samba ? { samba } : {}),
    users: admin
      ? [
          {
            name: admin.username,
            sudo: admin.sudo_access !== false,
            pveAdmin: admin.sudo_access !== false,
            ...(admin.password_hash && admin.password_hash !== 'NOT_SET' ? { passwordHash: admin.password_hash } : {}),
            ...(admin.ssh_public_key ? { sshKey: admin.ssh_public_key } : {}),
          },
        ]
      : [],
    apparmor: hv.setup?.apparmor_nesting_profile !== false,
    idmap: ROOT_IDMAP,
  };
}

/** `recordsize=16K,compression=lz4` → { recordsize: '16K', compression: 'lz4' } (validated by the schema). */
export function parseProperties(text: string | undefined): Record<string, string> {
  if (!text) return {};
  return Object.fromEntries(text.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/**
 * `text` with the lines between Phoenix's markers replaced by `lines` (the block appended when
 * absent). Every other line is kept as it was: a managed block never truncates the file.
 */
export function withManagedBlock(text: string, name: string, lines: readonly string[]): string {
  const begin = `# BEGIN phoenix ${name} (managed by phoenix-client setup; edits inside are replaced)`;
  const end = `# END phoenix ${name}`;
  const all = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const from = all.findIndex((l) => l.startsWith(`# BEGIN phoenix ${name} `) || l === `# BEGIN phoenix ${name}`);
  const to = from >= 0 ? all.findIndex((l, i) => i > from && l === end) : -1;
  const block = lines.length ? [begin, ...lines, end] : [];
  const out = from >= 0 && to >= 0 ? [...all.slice(0, from), ...block, ...all.slice(to + 1)] : [...all, ...block];
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Sizes as ZFS prints them (`1.40T`, `800G`) or as written (`1.4T`) compare by value. */
export function sameZfsValue(a: string, b: string): boolean {
  const bytes = (v: string) => {
    const m = /^([0-9]+(?:\.[0-9]+)?)([KMGTPE])?B?$/i.exec(v);
    if (!m) return undefined;
    return Number(m[1]) * 1024 ** ('BKMGTPE'.indexOf((m[2] ?? 'B').toUpperCase()));
  };
  if (a === b) return true;
  const x = bytes(a);
  const y = bytes(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.max(x, y) * 0.005;
}
