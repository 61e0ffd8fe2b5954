/**
 * phoenix-sim's host model (src/host): what setup relies on, checked over real SSH. A reboot
 * takes the host away, changes the boot id, applies what GRUB and the initramfs were given, loads
 * the installed driver and brings `onboot` containers back; every effect is in the ledger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sandboxGuests } from '../src/guest/plugin';
import { sshEndpoint } from '../src/ssh/plugin';
import { startSimulator, type RunningSimulator } from '../src';
import { DEFAULT_HOST_PROFILE } from '../src/host/profile';
import { connect, createRunningCt, exec, q } from './ssh-client-helper';
import { waitFor } from '../src/wait-for';

/** One command over a fresh connection; a host that drops the connection without a word fails it within 5 s. */
async function run(sim: RunningSimulator, command: string, stdin?: string) {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${command}`)), 5_000)));
  const attempt = (async () => {
    const client = await connect(sim);
    try {
      return await exec(client, command, stdin);
    } finally {
      client.end();
    }
  })();
  try {
    return await Promise.race([attempt, silence]);
  } finally {
    clearTimeout(timer);
  }
}

/** A probe that throws (the host is rebooting) counts as "not yet". */
const until = <T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> => waitFor(what, () => fn().catch(() => undefined), ms, 100);

describe('phoenix-sim host machine', () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({
      timeScale: 0.02,
      guests: sandboxGuests(),
      ssh: sshEndpoint({ hostProfile: { ...DEFAULT_HOST_PROFILE, durations: { shutdownMs: 500, rebootDownMs: 20_000, pveproxyStartMs: 5_000, nvidiaInstallMs: 10_000 } } }),
    });
  });

  after(async () => {
    await sim?.close();
  });

  it('refuses a pool on a disk with a filesystem unless forced, and reports storages in storage.cfg', { timeout: 30_000 }, async () => {
    const lsblk = await run(sim, 'lsblk --json --bytes --output PATH,FSTYPE /dev/disk/by-id/nvme-SIM_NVME_2TB_A /dev/disk/by-id/nope');
    assert.equal(lsblk.code, 32);
    assert.match(lsblk.stderr, /nope: not a block device/);
    assert.equal((await run(sim, 'zpool create tank /dev/disk/by-id/ata-SIM_SYSTEM_SSD_500GB')).code, 1, 'the system disk is in rpool');
    const created = await run(sim, 'zpool create -o ashift=12 -O compression=lz4 -m /tank tank mirror /dev/disk/by-id/nvme-SIM_NVME_2TB_A /dev/disk/by-id/nvme-SIM_NVME_2TB_B');
    assert.equal(created.code, 0, created.stderr);
    assert.match((await run(sim, 'zpool list -H -o name')).stdout, /^rpool\ntank\n$/);
    assert.equal((await run(sim, 'zfs create -o recordsize=1M tank/iso')).code, 0);
    assert.match((await run(sim, 'zfs get -H -o property,value recordsize tank/iso')).stdout, /recordsize\t1M/);
    assert.equal((await run(sim, 'pvesm add dir tank-iso --path /tank/iso --content iso,vztmpl')).code, 0);
    assert.equal((await run(sim, 'pvesm add dir tank-iso --path /tank/iso --content iso')).code, 255, 'an id is added once');
    assert.match((await run(sim, 'cat /etc/pve/storage.cfg')).stdout, /dir: tank-iso\n\tpath \/tank\/iso\n\tcontent iso,vztmpl/);
    assert.ok(sim.ledger({ kind: 'zpool.create,zfs.create,storage.add' }).length === 3);
  });

  it('keeps passwords off the ledger: smbpasswd and chpasswd read them from stdin', { timeout: 30_000 }, async () => {
    assert.equal((await run(sim, 'smbpasswd -a -s heads', 'pw-secret-123\npw-secret-123\n')).code, 1, 'no Linux user yet');
    assert.equal((await run(sim, 'useradd -m -s /bin/bash heads')).code, 0);
    assert.equal((await run(sim, 'smbpasswd -a -s heads', 'pw-secret-123\npw-secret-123\n')).code, 0);
    assert.equal((await run(sim, 'chpasswd', 'heads:pw-secret-123\n')).code, 0);
    assert.match((await run(sim, 'pdbedit -L')).stdout, /^heads:1000:/);
    assert.ok(!JSON.stringify(sim.ledger()).includes('pw-secret-123'));
  });

  it('reboots: SSH goes away, the boot id changes, GRUB and the driver take effect, onboot containers come back', { timeout: 60_000 }, async () => {
    await createRunningCt(sim, 950);
    await createRunningCt(sim, 951);
    await sim.state.lxc.setConfig({ user: 'root@pam', via: 'api' }, sim.node, 950, { onboot: '1' });
    const before = (await run(sim, 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
    await run(sim, `tee /etc/default/grub`, 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on"\n');
    assert.equal((await run(sim, 'update-grub')).code, 0);
    assert.equal((await run(sim, 'nvidia-smi')).code, 127, 'no driver before the install');
    await run(sim, 'mkdir -p /var/cache/phoenix');
    await run(sim, `curl -fsSL -o /var/cache/phoenix/NVIDIA-Linux-x86_64-580.76.05.run ${q('https://us.download.nvidia.com/XFree86/Linux-x86_64/580.76.05/NVIDIA-Linux-x86_64-580.76.05.run')}`);
    await run(sim, 'apt-get install -y proxmox-default-headers');
    assert.equal((await run(sim, 'systemd-run --unit=inst --remain-after-exit /var/cache/phoenix/NVIDIA-Linux-x86_64-580.76.05.run --silent')).code, 0);
    assert.equal((await run(sim, 'systemd-run --unit=inst /var/cache/phoenix/NVIDIA-Linux-x86_64-580.76.05.run')).code, 1, 'a unit name is taken once');
    await until('the installer to finish', async () => ((await run(sim, 'systemctl show inst.service -p SubState')).stdout.includes('exited') ? true : undefined));
    assert.equal((await run(sim, 'modinfo -F version nvidia')).stdout.trim(), '580.76.05');
    assert.equal((await run(sim, 'nvidia-smi')).code, 9, 'installed but not loaded until the reboot');

    assert.equal((await run(sim, 'reboot')).code, 0);
    await until('the host to go down', async () => (await run(sim, 'true').then(() => undefined, () => true)));
    await until('SSH to answer again', () => run(sim, 'true').then(() => true));
    const after = (await run(sim, 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
    assert.notEqual(after, before);
    assert.match((await run(sim, 'cat /proc/cmdline')).stdout, /intel_iommu=on/);
    await until('pveproxy', async () => ((await run(sim, 'systemctl is-active pveproxy')).code === 0 ? true : undefined));
    assert.match((await run(sim, 'nvidia-smi --query-gpu=index,driver_version --format=csv,noheader')).stdout, /^0, 580\.76\.05$/m);
    // What placement asks a node for its GPU inventory.
    assert.equal((await run(sim, 'nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits')).stdout, '0, NVIDIA GeForce RTX 3090, 24576\n');
    await until('the onboot container to start', async () => (sim.state.guests.get(950)?.status === 'running' ? true : undefined));
    assert.equal(sim.state.guests.get(951)?.status, 'stopped', 'a container without onboot stays stopped');
    const kinds = sim.ledger({ kind: 'host.*' }).map((e) => e.kind);
    assert.deepEqual(kinds, ['host.reboot', 'host.down', 'host.up', 'host.onboot-start']);
  });
});
