// Validation rules exercised in process (the CLI suite covers the end-to-end path).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quote } from '../../src/config/issues';
import {
  CONFIG_FILES,
  ConfigError,
  formatIssue,
  ostemplateFileName,
  parseConfigSources,
  parseOstemplate,
  type ConfigFileKind,
  type ConfigSources,
} from '../../src/config';
import { SHIPPED_CONFIG_DIR } from './fixtures';

type Json = any;

function shipped(kind: ConfigFileKind): Json {
  return JSON.parse(readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILES[kind]), 'utf8'));
}

/** Errors (as printed lines) for the shipped config after `change`; [] when it stays valid. */
function errorsAfter(change: (files: { lxc: Json; vm: Json; hypervisor: Json }) => void): string[] {
  const files = { lxc: shipped('lxc'), vm: shipped('vm'), hypervisor: shipped('hypervisor') };
  change(files);
  const sources: ConfigSources = {
    lxc: { text: JSON.stringify(files.lxc) },
    vm: { text: JSON.stringify(files.vm) },
    hypervisor: { text: JSON.stringify(files.hypervisor) },
  };
  try {
    parseConfigSources(sources);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map(formatIssue);
  }
}

describe('hostnames follow PVE dns-name', () => {
  const hostile = [
    'web"01',
    "web'01",
    'web;reboot',
    'x$(reboot)',
    'x`id`',
    'line\nbreak',
    'has space',
    '-leading-hyphen',
    'trailing-.dot',
    'under_score',
    'a'.repeat(256),
  ];
  for (const name of hostile) {
    test(`rejects ${JSON.stringify(name.length > 40 ? `${name.slice(0, 10)}…(${name.length})` : name)}`, () => {
      const lines = errorsAfter(({ lxc }) => void (lxc.lxc_configs['955'].name = name));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.ok(lines[0]!.startsWith(`phoenix_lxc_configs.json: lxc_configs.955.name: ${quote(name)} is not a valid hostname`), lines[0]);
      assert.doesNotMatch(lines[0]!, /\n/, 'the message stays on one line');
    });
  }

  test('accepts names with dots, as the original used ("vllm-qwen2.5-7b-awq")', () => {
    assert.deepEqual(errorsAfter(({ lxc, vm }) => {
      lxc.lxc_configs['955'].name = 'ollama.gpu0.lab';
      vm.vms[1].name = 'Docker-VM-01';
    }), []);
  });

  test('VM names are checked the same way', () => {
    assert.deepEqual(errorsAfter(({ vm }) => void (vm.vms[1].name = 'a;b')).map((l) => l.split(':').slice(0, 2).join(':')), [
      'phoenix_vm_configs.json: vms[1].name',
    ]);
  });
});

describe('cross-file rules', () => {
  test('MACs must be unicast and unique', () => {
    assert.deepEqual(errorsAfter(({ lxc }) => void (lxc.lxc_configs['955'].mac_address = '52:54:00:67:89:50'.toLowerCase())), [
      'phoenix_lxc_configs.json: lxc_configs.955.mac_address: 52:54:00:67:89:50 is already used by container 950',
    ]);
    assert.deepEqual(errorsAfter(({ lxc }) => void (lxc.lxc_configs['955'].mac_address = '01:00:5E:00:00:01')), [
      'phoenix_lxc_configs.json: lxc_configs.955.mac_address: must be a unicast MAC address (first octet even), as PVE requires',
    ]);
  });

  test('a guest may not take the Proxmox host address', () => {
    assert.deepEqual(errorsAfter(({ lxc }) => void (lxc.lxc_configs['955'].network_config.ip = '10.0.0.13/24')), [
      'phoenix_lxc_configs.json: lxc_configs.955.network_config.ip: 10.0.0.13 is already used by the Proxmox host (network.interfaces.address in phoenix_hypervisor_config.json)',
    ]);
  });

  test('dependencies must name existing guests; features must exist', () => {
    assert.deepEqual(
      errorsAfter(({ lxc }) => {
        lxc.lxc_configs['955'].dependencies = ['952', '4242'];
        lxc.lxc_configs['955'].features = ['olama'];
      }),
      [
        'phoenix_lxc_configs.json: lxc_configs.955.features[0]: must be one of "base_setup", "nvidia", "docker", "vllm", "ollama", "qdrant", "portainer", "python_api_service"; did you mean ollama?',
      ],
    );
    assert.deepEqual(errorsAfter(({ lxc }) => void (lxc.lxc_configs['955'].dependencies = ['952', '4242'])), [
      'phoenix_lxc_configs.json: lxc_configs.955.dependencies[1]: 4242 is neither a container nor a VM in this configuration',
    ]);
  });

  test('a VM clone needs a template VM; a VM template keeps no snapshot', () => {
    assert.deepEqual(errorsAfter(({ vm }) => void (vm.vms[0].is_template = false)), [
      'phoenix_vm_configs.json: vms[1].clone_from_vmid: parent 8000 is not a template: set is_template on VM 8000 (the original Phoenix, like PVE linked clones, clones only template VMs)',
    ]);
    assert.deepEqual(errorsAfter(({ vm }) => void (vm.vms[0].template_snapshot_name = 'base')), [
      'phoenix_vm_configs.json: vms[0].template_snapshot_name: a VM template cannot keep snapshots (PVE refuses `qm template` on a VM with snapshots); drop template_snapshot_name or is_template',
    ]);
    assert.deepEqual(errorsAfter(({ vm }) => void (vm.vms[1].clone_from_vmid = 950)), [
      'phoenix_vm_configs.json: vms[1].clone_from_vmid: parent 950 is a container; a VM can only be cloned from a VM',
    ]);
  });

  test('resource fields are required after merging defaults, naming both places to set them', () => {
    assert.deepEqual(errorsAfter(({ vm, lxc }) => {
      delete vm.vm_defaults.disk_size_gb;
      delete lxc.storage_pool;
    }).sort(), [
      ...['900', '901', '902', '920', '950', '952', '955'].map(
        (id) => `phoenix_lxc_configs.json: lxc_configs.${id}.storage_pool: is required (set it here, or at the top of the file as a default for every container)`,
      ),
      'phoenix_vm_configs.json: vms[0].disk_size_gb: is required (VM 8000: set it here, or in vm_defaults)',
    ].sort());
  });

  test('a container needs exactly one of template and clone_from_ctid', () => {
    assert.deepEqual(errorsAfter(({ lxc }) => void delete lxc.lxc_configs['900'].template), [
      'phoenix_lxc_configs.json: lxc_configs.900.template: is required unless clone_from_ctid is set: say which ostemplate to create the container from',
    ]);
  });

  test('values that would break out of PVE property strings or conf lines are refused', () => {
    const lines = errorsAfter(({ lxc, hypervisor }) => {
      lxc.lxc_configs['955'].network_config.bridge = 'vmbr0,firewall=0';
      lxc.lxc_configs['955'].lxc_options = ['lxc.cap.keep=sys_admin\nlxc.apparmor.profile=unconfined'];
      lxc.lxc_configs['955'].application_script = '../../etc/passwd';
      hypervisor.shared_volumes.vllm_models.host_path = '/srv/models,ro=0';
    });
    assert.deepEqual(lines.map((l) => l.split(': ').slice(0, 2).join(': ')), [
      'phoenix_lxc_configs.json: lxc_configs.955.application_script',
      'phoenix_lxc_configs.json: lxc_configs.955.network_config.bridge',
      'phoenix_lxc_configs.json: lxc_configs.955.lxc_options[0]',
      'phoenix_hypervisor_config.json: shared_volumes.vllm_models.host_path',
    ]);
  });

  test('gpu_assignment accepts "none", "0,1" and [0, 1]; rejects a GPU listed twice', () => {
    assert.deepEqual(errorsAfter(({ lxc }) => {
      lxc.lxc_configs['955'].gpu_assignment = [0, 1];
      lxc.lxc_configs['952'].gpu_assignment = 'none';
    }), []);
    assert.deepEqual(errorsAfter(({ lxc }) => void (lxc.lxc_configs['955'].gpu_assignment = '0,0')), [
      'phoenix_lxc_configs.json: lxc_configs.955.gpu_assignment: lists a GPU twice',
    ]);
  });
});

describe('ostemplate', () => {
  test('keeps the raw value and yields the archive file name from a volid or a host path', () => {
    assert.deepEqual(parseOstemplate('local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst'), {
      kind: 'volid',
      storage: 'local',
      fileName: 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    });
    assert.equal(
      ostemplateFileName('/fastData/shared-iso/template/cache/ubuntu-24.04-standard_24.04-2_amd64.tar.zst'),
      'ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    );
    assert.equal(parseOstemplate('local:iso/ubuntu.iso'), undefined);
    assert.equal(parseOstemplate('ubuntu.tar.zst'), undefined);
  });
});
