import type { PveRelease } from '../pve-schema';

/** What `/version`, `/nodes/{node}/status` and `pveversion` report for each simulated release. */
export interface ReleaseInfo {
  version: string;
  release: PveRelease;
  repoid: string;
  kernel: string;
  /** `pveversion -v`: the main packages, in its order. */
  packages: Array<[string, string]>;
}

export const RELEASE_INFO: Record<PveRelease, ReleaseInfo> = {
  '8.2': {
    version: '8.2.4',
    release: '8.2',
    repoid: 'faa83925c9641325',
    kernel: '6.8.12-1-pve',
    packages: [['proxmox-ve', '8.2.0'], ['pve-manager', '8.2.4'], ['libpve-common-perl', '8.2.2'], ['pve-container', '5.1.12'], ['qemu-server', '8.2.4'], ['pve-qemu-kvm', '9.0.2-2'], ['libpve-storage-perl', '8.2.3'], ['zfsutils-linux', '2.2.4-pve1']],
  },
  '9.0': {
    version: '9.0.3',
    release: '9.0',
    repoid: '025864202ebb6109',
    kernel: '6.14.8-2-pve',
    packages: [['proxmox-ve', '9.0.0'], ['pve-manager', '9.0.3'], ['libpve-common-perl', '9.0.9'], ['pve-container', '6.0.9'], ['qemu-server', '9.0.16'], ['pve-qemu-kvm', '10.0.2-4'], ['libpve-storage-perl', '9.0.13'], ['zfsutils-linux', '2.3.3-pve1']],
  },
};
