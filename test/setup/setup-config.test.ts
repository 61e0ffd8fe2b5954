/**
 * The hypervisor file's setup sections: schemas, cross-checks, the original's file still loading
 * (with warnings for what it mis-placed), and the pure pieces of the setup plan (managed blocks
 * that keep every other line, firewall options, GRUB tokens, ZFS value comparison).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config';
import { buildSetupPlan, sameZfsValue, withManagedBlock } from '../../src/planning/setup';
import { withFirewallOptions } from '../../src/activities/setup/firewall';
import { grubWithTokens } from '../../src/activities/setup/vfio';
import { parseStorageCfg } from '../../src/activities/setup/proxmox-storages';
import { ConfigFixture, UPSTREAM_CONFIG_DIR } from '../config/fixtures';

async function errorsOf(fixture: ConfigFixture): Promise<string[]> {
  try {
    await loadConfig(fixture.dir);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  } finally {
    fixture.remove();
  }
}

describe('hypervisor file: setup sections', () => {
  it("loads the original's file; its NFS and Samba sections are read, its misplaced firewall is a warning", { timeout: 20_000 }, async () => {
    const { config, warnings } = await loadConfig(UPSTREAM_CONFIG_DIR);
    const plan = buildSetupPlan(config);
    assert.deepEqual(plan.exports.map((e) => e.line), ['/fastData/shared-bulk-data 10.0.0.0/24(rw,sync,no_subtree_check,no_root_squash)']);
    assert.equal(plan.samba?.shares.length, 5);
    assert.equal(plan.samba?.shares[0]?.path, '/quickOS/shared-prod-data');
    assert.equal(plan.pools[0]?.vdev, 'mirror');
    assert.equal(plan.vfio, undefined, 'no GPU is marked for VM passthrough, so no VFIO');
    assert.equal(plan.firewall, undefined, 'the misplaced block is not applied');
    const text = warnings.map((w) => `${w.path}: ${w.message}`);
    assert.ok(text.some((t) => /^shared_volumes\.firewall: ignored: misplaced .*top-level "firewall" block/.test(t)), text.join('\n'));
    assert.ok(text.some((t) => t.startsWith('samba.shares.*.options: ignored')), text.join('\n'));
    assert.equal(plan.storages.find((s) => s.id === 'fastData-shared-iso')?.type, 'dir');
  });

  it('cross-checks pools, dataset pools, paths on pools and the GPU inventory', { timeout: 20_000 }, async () => {
    const errors = await errorsOf(
      new ConfigFixture(UPSTREAM_CONFIG_DIR).edit('hypervisor', (h) => {
        h.zfs.datasets.push({ name: 'x', pool: 'nopool' });
        h.zfs.pools[1].disks.push(h.zfs.pools[0].disks[0]);
        h.nfs.exports.push({ path: '/srv/elsewhere', clients: ['10.0.0.0/24'] });
        h.gpus = [{ index: 0, pci_address: '0000:01:00.0', use: 'vm' }];
      }),
    );
    assert.ok(errors.some((e) => /^zfs\.datasets\[10\]\.pool: pool "nopool" is not in zfs\.pools/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /is already a disk of pool "quickOS"/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /^nfs\.exports\[1\]\.path: \/srv\/elsewhere is on no configured ZFS pool/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /gpus\[0\]\.vendor_device: is required/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /gpu_assignment: GPU 1 is not in the host inventory/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /gpu_assignment: GPU 0 is bound to vfio-pci/.test(e)), errors.join('\n'));
  });

  it('binds only the GPUs marked for VM passthrough to vfio-pci', { timeout: 20_000 }, async () => {
    const fixture = new ConfigFixture(UPSTREAM_CONFIG_DIR).edit('hypervisor', (h) => {
      h.gpus = [
        { index: 0, pci_address: '0000:01:00.0', use: 'host' },
        { index: 1, pci_address: '0000:02:00.0', use: 'host' },
        { index: 2, pci_address: '0000:41:00.0', vendor_device: ['10de:2204', '10de:1aef'], use: 'vm' },
      ];
    });
    try {
      const plan = buildSetupPlan((await loadConfig(fixture.dir)).config);
      assert.deepEqual(plan.vfio, { ids: ['10de:1aef', '10de:2204'], addresses: ['0000:41:00.0'], cmdline: ['intel_iommu=on', 'iommu=pt'] });
      assert.equal(plan.driver?.version, '580.76.05', 'the host driver is still installed for the other GPUs');
    } finally {
      fixture.remove();
    }
  });

  it('refuses values that would add a line or an option to exports, smb.conf or a command', { timeout: 20_000 }, async () => {
    const errors = await errorsOf(
      new ConfigFixture(UPSTREAM_CONFIG_DIR).edit('hypervisor', (h) => {
        h.nfs.exports[0].clients = ['10.0.0.0/24(rw) *'];
        h.nfs.exports[0].options = ['rw\n/ *(rw'];
        h.samba.shares[0].name = 'x]\n[global';
        h.samba.shares[1].path = '../etc';
        h.zfs.datasets[0].properties = 'quota=1G; rm -rf /';
        h.zfs.pools[0].disks[0] = '/dev/sda; reboot';
        h.timezone = '$(reboot)';
        h.nvidia_driver.version = '580 --no-check';
      }),
    );
    for (const path of ['nfs.exports[0].clients[0]', 'nfs.exports[0].options[0]', 'samba.shares[0].name', 'samba.shares[1].path', 'zfs.datasets[0].properties', 'zfs.pools[0].disks[0]', 'timezone', 'nvidia_driver.version']) {
      assert.ok(errors.some((e) => e.startsWith(`${path}:`)), `${path} refused:\n${errors.join('\n')}`);
    }
  });
});

describe('setup plan pieces', () => {
  it('a managed block is added, replaced or removed; every other line stays', { timeout: 5_000 }, () => {
    const theirs = '# exports(5)\n/srv/theirs 192.168.1.0/24(ro)\n';
    const once = withManagedBlock(theirs, 'exports', ['/a 10.0.0.0/24(rw)']);
    assert.match(once, /^# exports\(5\)\n\/srv\/theirs 192\.168\.1\.0\/24\(ro\)\n# BEGIN phoenix exports .*\n\/a 10\.0\.0\.0\/24\(rw\)\n# END phoenix exports\n$/);
    const twice = withManagedBlock(`${once}/srv/added-later *(ro)\n`, 'exports', ['/b 10.0.0.0/24(rw)']);
    assert.ok(twice.includes('/srv/theirs 192.168.1.0/24(ro)') && twice.includes('/srv/added-later *(ro)'));
    assert.ok(!twice.includes('/a 10.0.0.0') && twice.includes('/b 10.0.0.0/24(rw)'));
    assert.equal(withManagedBlock(twice, 'exports', ['/b 10.0.0.0/24(rw)']), twice, 'idempotent');
    assert.equal(withManagedBlock(twice, 'exports', []), `${theirs}/srv/added-later *(ro)\n`);
  });

  it('firewall options change [OPTIONS] only; rules stay', { timeout: 5_000 }, () => {
    const text = '[OPTIONS]\nenable: 0\nlog_ratelimit: enable=1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n';
    const out = withFirewallOptions(text, { enable: '1', policy_in: 'DROP' });
    assert.match(out, /^\[OPTIONS\]\nenable: 1\npolicy_in: DROP\nlog_ratelimit: enable=1\n\n\[RULES\]\nIN ACCEPT -p tcp -dport 22\n$/);
    assert.match(withFirewallOptions('', { enable: '1' }), /^\[OPTIONS\]\nenable: 1\n$/);
  });

  it('GRUB tokens are added once; storage.cfg and ZFS values parse as PVE and ZFS print them', { timeout: 5_000 }, () => {
    const grub = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n';
    const updated = grubWithTokens(grub, ['intel_iommu=on', 'iommu=pt'])!;
    assert.match(updated, /GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"/);
    assert.equal(grubWithTokens(updated, ['intel_iommu=on', 'iommu=pt']), undefined);
    const cfg = parseStorageCfg('dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl\n\nzfspool: tank\n\tpool tank/vm\n\tcontent images\n');
    assert.deepEqual(cfg.map((s) => [s.type, s.id, s.props.get('content')]), [['dir', 'local', 'iso,vztmpl'], ['zfspool', 'tank', 'images']]);
    assert.ok(sameZfsValue('1.40T', '1.4T') && sameZfsValue('800G', '800G') && !sameZfsValue('16K', '128K') && !sameZfsValue('lz4', 'zstd'));
  });
});
