// Bad configurations through phoenix-client validate: each must exit 2 and name the file and JSON
// path. In-process through main() (argument parsing, command, output and exit code as the process
// has them); one run of the real entry point shows the process prints the same.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigFixture, SHIPPED_CONFIG_DIR, UPSTREAM_CONFIG_DIR } from '../config/fixtures';
import { runCli, runCliInProcess } from './run-cli';

interface BadCase {
  readonly name: string;
  readonly breakIt: (f: ConfigFixture) => void;
  /** A line stderr must contain (exactly that line, or a line starting with it). */
  readonly expect: string | ((dir: string) => string);
}

const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
/** Three nodes; pve2 has one GPU. */
const threeNodes = (f: ConfigFixture) =>
  f.edit('hypervisor', (j) => {
    j.proxmox.node = 'pve1';
    j.proxmox.nodes = [
      { name: 'pve1', gpus: [{ index: 0 }, { index: 1 }] },
      { name: 'pve2', ssh: { host: '10.0.0.12', host_key_fingerprint: FP }, gpus: [{ index: 0 }] },
      { name: 'pve3', ssh: { host: '10.0.0.13', host_key_fingerprint: FP } },
    ];
  });

const CASES: readonly BadCase[] = [
  {
    name: 'a GPU index that does not exist on the guest node',
    breakIt: (f) => threeNodes(f).edit('lxc', (j) => Object.assign(j.lxc_configs['950'], { node: 'pve2', gpu_assignment: '1' })),
    expect: 'phoenix_lxc_configs.json: lxc_configs.950.gpu_assignment: GPU 1 does not exist on node pve2 (its GPUs: 0)',
  },
  {
    name: 'a GPU over-subscribed by vLLM guests, naming them',
    breakIt: (f) =>
      threeNodes(f).edit('lxc', (j) => {
        const second = { ...structuredClone(j.lxc_configs['950']), name: 'vllm-second', mac_address: '52:54:00:67:89:C1', vllm_gpu_memory_utilization: 0.5 };
        second.network_config = { ...second.network_config, ip: '10.0.0.161/24' };
        j.lxc_configs['961'] = second;
        Object.assign(j.lxc_configs['950'], { node: 'pve2', vllm_gpu_memory_utilization: 0.6 });
        j.lxc_configs['961'].node = 'pve2';
      }),
    expect:
      'phoenix_lxc_configs.json: lxc_configs.961.vllm_gpu_memory_utilization: GPU 0 on node pve2 is over-subscribed: container 950 (0.6) + container 961 (0.5) = 1.1 of its memory (at most 1.0); lower vllm_gpu_memory_utilization or move one of them to another GPU or node',
  },
  {
    name: 'a guest on a node outside the cluster',
    breakIt: (f) => threeNodes(f).edit('lxc', (j) => void (j.lxc_configs['952'].node = 'pve4')),
    expect: "phoenix_lxc_configs.json: lxc_configs.952.node: node 'pve4' is not in the cluster (pve1, pve2, pve3): add it to proxmox.nodes in phoenix_hypervisor_config.json or name one of those",
  },
  {
    name: 'a cycle through dependencies and clone parents',
    breakIt: (f) => f.edit('lxc', (j) => void (j.lxc_configs['900'].dependencies = ['950'])),
    expect: 'phoenix_lxc_configs.json: lxc_configs.900.dependencies: cycle through clone_from and dependencies: 900 → 950 → 920 → 901 → 900',
  },
  {
    name: 'a missing parent',
    breakIt: (f) => f.edit('lxc', (j) => void (j.lxc_configs['950'].clone_from_ctid = '999')),
    expect: 'phoenix_lxc_configs.json: lxc_configs.950.clone_from_ctid: parent 999 does not exist',
  },
  {
    name: 'a parent that is not a template',
    breakIt: (f) => f.edit('lxc', (j) => void delete j.lxc_configs['920'].template_snapshot_name),
    expect: 'phoenix_lxc_configs.json: lxc_configs.950.clone_from_ctid: parent 920 is not a template',
  },
  {
    name: 'an ID in both files',
    breakIt: (f) => f.edit('vm', (j) => void (j.vms[1].vmid = 955)),
    expect: 'phoenix_vm_configs.json: vms[1].vmid: 955 is also a container in phoenix_lxc_configs.json',
  },
  {
    name: 'a bad IP',
    breakIt: (f) => f.edit('lxc', (j) => void (j.lxc_configs['952'].network_config.ip = '10.0.0.300/24')),
    expect: 'phoenix_lxc_configs.json: lxc_configs.952.network_config.ip: must be an IPv4 CIDR such as 10.0.0.150/24, or "dhcp"',
  },
  {
    name: 'an IP shared by two guests',
    breakIt: (f) => f.edit('vm', (j) => void (j.vms[1].network_config.ip = '10.0.0.150/24')),
    expect: 'phoenix_vm_configs.json: vms[1].network_config.ip: 10.0.0.150 is already used by container 950',
  },
  {
    name: 'an unknown key, with a suggestion',
    breakIt: (f) => f.edit('lxc', (j) => void (j.lxc_configs['955'].memroy_mb = 4096)),
    expect: 'phoenix_lxc_configs.json: lxc_configs.955.memroy_mb: unknown key; did you mean memory_mb?',
  },
  {
    name: 'a wrong type',
    breakIt: (f) => f.edit('vm', (j) => void (j.vm_defaults.cores = '2')),
    expect: 'phoenix_vm_configs.json: vm_defaults.cores: expected a number, got a string',
  },
  {
    name: 'a file that is not JSON',
    breakIt: (f) => f.writeText('vm', '{\n  "vms": [\n    { "vmid": 8000, }\n  ]\n}\n'),
    expect: 'phoenix_vm_configs.json: not valid JSON at line 3, column 21: expected double-quoted property name',
  },
  {
    name: 'a missing file',
    breakIt: (f) => f.delete('hypervisor'),
    expect: (dir) => `phoenix_hypervisor_config.json: file not found: ${dir}/phoenix_hypervisor_config.json`,
  },
  {
    name: 'a secret in the proxmox block',
    breakIt: (f) => f.edit('hypervisor', (j) => void (j.proxmox.token_secret = '0b1e5c3a-9d7f-4e2b-8a61-2f4c9e7d3b10')),
    expect:
      'phoenix_hypervisor_config.json: proxmox.token_secret: secrets do not belong in config files: remove this key; put the API token secret in PHOENIX_PVE_TOKEN_SECRET or a file named by PHOENIX_PVE_TOKEN_SECRET_FILE',
  },
  {
    name: 'a bind mount on a template',
    breakIt: (f) => f.edit('hypervisor', (j) => void (j.shared_volumes.vllm_models.mounts['920'] = '/vllm_models')),
    expect: 'phoenix_hypervisor_config.json: shared_volumes.vllm_models.mounts.920: container 920 is a template',
  },
  {
    name: 'a hostile container name',
    breakIt: (f) => f.edit('lxc', (j) => void (j.lxc_configs['952'].name = 'qdrant"; rm -rf / #$(reboot)')),
    expect: 'phoenix_lxc_configs.json: lxc_configs.952.name: "qdrant\\"; rm -rf / #$(reboot)" is not a valid hostname',
  },
];

describe('phoenix-client validate', () => {
  test('exits 0 on the shipped config and prints a summary (the real process)', { timeout: 60_000 }, () => {
    const run = runCli(['validate', '--config-dir', SHIPPED_CONFIG_DIR]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /config: valid \(7 containers, 2 VMs, 0 warnings\)/);
    assert.equal(run.stderr, '');
  });

  test("exits 0 on the original's files, warnings on stderr; PHOENIX_CONFIG_DIR selects the folder", { timeout: 10_000 }, async () => {
    const run = await runCliInProcess(['validate'], { PHOENIX_CONFIG_DIR: UPSTREAM_CONFIG_DIR });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /upstream-configs: valid \(15 containers, 2 VMs, \d+ warnings\)/);
    assert.match(run.stderr, /^warning: phoenix_lxc_configs\.json: lxc_configs\.\*\.firewall: ignored/m);
  });

  for (const c of CASES) {
    test(`exits 2 on ${c.name}`, { timeout: 10_000 }, async () => {
      const fixture = new ConfigFixture();
      try {
        c.breakIt(fixture);
        const run = await runCliInProcess(['validate', '--config-dir', fixture.dir]);
        assert.equal(run.status, 2, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
        assert.equal(run.stdout, '');
        const expected = typeof c.expect === 'string' ? c.expect : c.expect(fixture.dir);
        const lines = run.stderr.split('\n').filter((l) => !l.startsWith('warning: ') && l !== '');
        assert.ok(
          lines.some((l) => l === expected || l.startsWith(expected)),
          `expected a line starting with:\n  ${expected}\ngot:\n  ${lines.join('\n  ')}`,
        );
        // Every error line names a file; none leaks the secret value.
        for (const l of lines) assert.match(l, /^phoenix_(lxc_configs|vm_configs|hypervisor_config)\.json: /);
        assert.doesNotMatch(run.stderr, /0b1e5c3a/);
      } finally {
        fixture.remove();
      }
    });
  }
});
