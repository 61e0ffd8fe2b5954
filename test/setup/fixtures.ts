/** A hypervisor file that uses every setup section, on the simulator's default disks and GPU. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { configCopy, type ConfigCopy } from '../e2e/helpers';

export const DISK_A = '/dev/disk/by-id/nvme-SIM_NVME_2TB_A';
export const DISK_B = '/dev/disk/by-id/nvme-SIM_NVME_2TB_B';

export function setupConfig(options: { driver?: boolean } = {}): ConfigCopy {
  return configCopy(({ hypervisor }) => {
    Object.assign(hypervisor, {
      timezone: 'America/New_York',
      users: { username: 'phoenix_admin', sudo_access: true, ssh_public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPhoenixTestKey admin@test' },
      zfs: {
        arc_max_gb: 8,
        pools: [{ name: 'quickOS', raid_level: 'mirror', disks: [DISK_A, DISK_B] }],
        datasets: [
          { name: 'vm-disks', pool: 'quickOS', properties: 'recordsize=128K,compression=lz4,quota=800G', proxmox_storage_type: 'zfspool', proxmox_content_type: 'images' },
          { name: 'shared', pool: 'quickOS', properties: 'recordsize=1M,quota=1.4T', proxmox_storage_type: 'dir', proxmox_content_type: 'iso,vztmpl' },
        ],
      },
      firewall: { enabled: true, default_input_policy: 'DROP', default_output_policy: 'ACCEPT' },
      nfs: { exports: [{ path: '/quickOS/shared', clients: ['10.0.0.0/24'], options: ['rw', 'sync', 'no_subtree_check'] }] },
      samba: { user: 'heads', shares: [{ name: 'shared', path: 'quickOS/shared', valid_users: ['heads'] }] },
      gpus: [{ index: 0, pci_address: '0000:01:00.0', use: 'host' }],
    });
    if (options.driver === false) delete hypervisor.nvidia_driver;
  });
}

/** A simulator host profile file whose second disk holds an ext4 filesystem with data. */
export function profileWithDataDisk(): string {
  const file = join(tmpdir(), `phoenix-host-profile-${process.pid}-${Date.now()}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      disks: [
        { id: 'ata-SIM_SYSTEM_SSD_500GB', kname: 'sda', sizeBytes: 500_107_862_016, partitions: [{ fstype: 'zfs_member', label: 'rpool', sizeBytes: 499_034_120_192 }] },
        { id: 'nvme-SIM_NVME_2TB_A', kname: 'nvme0n1', sizeBytes: 2_000_398_934_016 },
        { id: 'nvme-SIM_NVME_2TB_B', kname: 'nvme1n1', sizeBytes: 2_000_398_934_016, partitions: [{ fstype: 'ext4', label: 'family-photos', sizeBytes: 2_000_000_000_000 }] },
      ],
    }),
  );
  return file;
}
