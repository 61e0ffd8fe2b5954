import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatIssue, loadConfig, resolveGuest } from '../../src/config';
import { ConfigFixture, SHIPPED_CONFIG_DIR, UPSTREAM_CONFIG_DIR } from './fixtures';

describe('shipped example config', () => {
  test('loads without warnings and resolves root defaults into every container', async () => {
    const { config, warnings } = await loadConfig(SHIPPED_CONFIG_DIR);
    assert.deepEqual(warnings.map(formatIssue), []);
    assert.deepEqual(config.containers.map((c) => c.id), [900, 901, 902, 920, 950, 952, 955]);
    assert.deepEqual(config.vms.map((v) => v.id), [8000, 8001]);
    const ct950 = resolveGuest(config, 950);
    assert.equal(ct950.kind, 'lxc');
    if (ct950.kind !== 'lxc') return;
    assert.equal(ct950.storage_pool, 'local-zfs', 'root-level storage_pool is inherited');
    assert.equal(ct950.nvidia_driver_version, '580.76.05', 'root-level nvidia_driver_version is inherited');
    assert.equal(ct950.clone_from_ctid, 920);
    assert.deepEqual(ct950.gpu_assignment, [0]);
    assert.deepEqual(ct950.shared_mounts, [{ volume: 'vllm_models', host_path: '/var/lib/phoenix/shared/vllm_models', mount_point: '/vllm_models' }]);
    const vm = resolveGuest(config, 8000);
    assert.equal(vm.kind, 'vm');
    if (vm.kind !== 'vm') return;
    assert.equal(vm.cores, 2, 'vm_defaults.cores is merged in');
    assert.equal(vm.user_config.username, 'phoenix');
  });
});

describe("the original Phoenix's files", () => {
  test('load unchanged, with grouped warnings for the keys Phoenix ignores', async () => {
    const { config, warnings } = await loadConfig(UPSTREAM_CONFIG_DIR);
    assert.equal(config.containers.length, 15);
    assert.equal(config.vms.length, 2);
    const lines = warnings.map(formatIssue);
    const firewall = lines.filter((l) => l.includes('firewall'));
    assert.ok(
      firewall.includes(
        'phoenix_lxc_configs.json: lxc_configs.*.firewall: ignored (in 910, 950, 951, 952, 953, 954): Phoenix does not manage the Proxmox firewall (the original never applied these rules either)',
      ),
      firewall.join('\n'),
    );
    assert.ok(lines.some((l) => l.startsWith('phoenix_hypervisor_config.json: shared_volumes.firewall: ignored: misplaced')));
    assert.ok(lines.includes('phoenix_lxc_configs.json: lxc_configs.901.gpu_assignment: read "0, 1" as "0,1"; write GPU indexes without spaces'));
    assert.ok(lines.includes('phoenix_vm_configs.json: vms[0].user_config.gw: ignored: misplaced: the gateway belongs in network_config.gw'));
    // One line per key and path, not one per container.
    assert.equal(new Set(warnings.map((w) => `${w.file} ${w.path}`)).size, warnings.length);
    assert.ok(warnings.length < 35, `${warnings.length} warnings is a flood`);

    const ct901 = resolveGuest(config, 901);
    assert.ok(ct901.kind === 'lxc');
    assert.deepEqual(ct901.gpu_assignment, [0, 1]);
    assert.equal(ct901.nvidia_runfile_url, 'https://us.download.nvidia.com/XFree86/Linux-x86_64/580.76.05/NVIDIA-Linux-x86_64-580.76.05.run');
    const ct950 = resolveGuest(config, 950);
    assert.ok(ct950.kind === 'lxc');
    assert.equal('firewall' in ct950, false, 'ignored keys do not reach the resolved model');
    const vm8000 = resolveGuest(config, 8000);
    assert.ok(vm8000.kind === 'vm');
    assert.equal(vm8000.storage_pool, 'quickOS-vm-disks', 'vm_defaults merged shallowly');
  });
});

describe('load errors', () => {
  const fixture = new ConfigFixture();
  after(() => fixture.remove());

  test('report every error across files at once, each as file: path: message', async () => {
    fixture
      .edit('lxc', (j) => {
        j.lxc_configs['950'].cores = 'six';
        j.lxc_configs['952'].memroy_mb = 1;
      })
      .edit('vm', (j) => {
        j.vms[1].features = ['dokcer'];
      });
    const err = await loadConfig(fixture.dir).then(
      () => assert.fail('expected ConfigError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map(formatIssue), [
      'phoenix_lxc_configs.json: lxc_configs.950.cores: expected a number, got a string',
      'phoenix_lxc_configs.json: lxc_configs.952.memroy_mb: unknown key; did you mean memory_mb?',
      'phoenix_vm_configs.json: vms[1].features[0]: must be one of "docker", "nvidia", "base_setup"; did you mean docker?',
    ]);
  });
});
