/**
 * What the simulated hypervisor is made of before anyone touches it: its disks (and what is on
 * them), GPUs, the files a fresh Proxmox VE install has, and how long a reboot and the NVIDIA
 * installer take (PVE-like milliseconds, scaled by the simulator's time scale). `phoenix-sim
 * --host-profile FILE` replaces the default, field by field.
 */
export interface SimDisk {
  /** The /dev/disk/by-id name (`nvme-Samsung_SSD_990_EVO_Plus_2TB_S7U6...`). */
  id: string;
  /** Kernel name (`nvme1n1`). */
  kname: string;
  sizeBytes: number;
  /** A signature on the whole disk (`zfs_member`, `ext4`), with its label (the pool's name for zfs_member). */
  fstype?: string;
  label?: string;
  partitions?: Array<{ fstype?: string; label?: string; sizeBytes: number }>;
}

export interface SimGpu {
  pciAddress: string;
  /** vendor:device ids of the GPU's functions (GPU, audio). */
  ids: string[];
  name: string;
  /** memory.total as nvidia-smi reports it (MiB). */
  memoryMb?: number;
}

export interface HostProfile {
  disks: SimDisk[];
  gpus: SimGpu[];
  /** Several nodes: a node's own GPUs (default: `gpus`, on every node). */
  nodeGpus?: Record<string, SimGpu[]>;
  timezone: string;
  packages: string[];
  /** Host files at first start (path → content), e.g. /etc/exports with someone else's lines. */
  files: Record<string, string>;
  durations: {
    /** From `reboot` until SSH stops answering. */
    shutdownMs: number;
    /** The host is unreachable this long. */
    rebootDownMs: number;
    /** After SSH answers again, `pveproxy` is still starting for this long. */
    pveproxyStartMs: number;
    /** The NVIDIA runfile installer's run. */
    nvidiaInstallMs: number;
  };
}

export const DEFAULT_HOST_PROFILE: HostProfile = {
  disks: [
    { id: 'ata-SIM_SYSTEM_SSD_500GB', kname: 'sda', sizeBytes: 500_107_862_016, partitions: [{ fstype: 'vfat', sizeBytes: 1_073_741_824 }, { fstype: 'zfs_member', label: 'rpool', sizeBytes: 499_034_120_192 }] },
    { id: 'nvme-SIM_NVME_2TB_A', kname: 'nvme0n1', sizeBytes: 2_000_398_934_016 },
    { id: 'nvme-SIM_NVME_2TB_B', kname: 'nvme1n1', sizeBytes: 2_000_398_934_016 },
    { id: 'nvme-SIM_NVME_4TB_C', kname: 'nvme2n1', sizeBytes: 4_000_787_030_016 },
  ],
  gpus: [{ pciAddress: '0000:01:00.0', ids: ['10de:2204', '10de:1aef'], name: 'NVIDIA GeForce RTX 3090', memoryMb: 24576 }],
  timezone: 'Etc/UTC',
  packages: ['proxmox-ve', 'zfsutils-linux', 'openssh-server', 'apparmor', 'chrony', 'curl'],
  files: {
    '/etc/apt/sources.list.d/pve-enterprise.sources':
      'Types: deb\nURIs: https://enterprise.proxmox.com/debian/pve\nSuites: trixie\nComponents: pve-enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n',
    '/etc/apt/sources.list.d/ceph.sources':
      'Types: deb\nURIs: https://enterprise.proxmox.com/debian/ceph-squid\nSuites: trixie\nComponents: enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n',
    '/etc/apt/sources.list.d/debian.sources': 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\nComponents: main contrib\n',
    '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR="Proxmox VE"\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="root=ZFS=rpool/ROOT/pve-1 boot=zfs"\n',
    '/etc/modules': '# /etc/modules: kernel modules to load at boot time.\n',
    '/etc/exports': '# /etc/exports: the access control list for filesystems which may be exported\n#\t\tto NFS clients.  See exports(5).\n',
    '/etc/samba/smb.conf': '[global]\n   workgroup = WORKGROUP\n   server role = standalone server\n   map to guest = bad user\n',
    '/etc/subuid': '',
    '/etc/subgid': '',
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
    '/etc/group': 'root:x:0:\nsudo:x:27:\n',
  },
  durations: { shutdownMs: 2_000, rebootDownMs: 60_000, pveproxyStartMs: 8_000, nvidiaInstallMs: 200_000 },
};

/** The default with the given fields replaced (durations merged key by key). */
export function hostProfileFrom(raw: unknown, where: string): HostProfile {
  if (raw === undefined) return DEFAULT_HOST_PROFILE;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: a host profile is a JSON object`);
  const given = raw as Partial<HostProfile>;
  const known = new Set(['disks', 'gpus', 'nodeGpus', 'timezone', 'packages', 'files', 'durations']);
  const unknown = Object.keys(given).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`${where}: unknown host profile keys ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  for (const d of given.disks ?? []) {
    if (!/^[A-Za-z0-9_.:+-]+$/.test(d.id ?? '') || !/^[a-z0-9]+$/.test(d.kname ?? '') || !(d.sizeBytes > 0)) {
      throw new Error(`${where}: each disk needs an id (by-id name), a kname and sizeBytes > 0`);
    }
  }
  return {
    ...DEFAULT_HOST_PROFILE,
    ...given,
    files: { ...DEFAULT_HOST_PROFILE.files, ...given.files },
    durations: { ...DEFAULT_HOST_PROFILE.durations, ...given.durations },
  };
}
