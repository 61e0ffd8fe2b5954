import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main';
import { plan } from '../../src/cli/commands/plan';
import { SHIPPED_CONFIG_DIR } from '../config/fixtures';
import { capture, runCli } from './run-cli';

describe('plan', () => {
  test('returns the chain, ancestors first, with each guest steps', async () => {
    const result = await plan({ configDir: SHIPPED_CONFIG_DIR, ids: [950], json: false });
    const [target] = result.targets;
    assert.deepEqual(target!.chain.map((g) => g.id), [900, 901, 920, 950]);
    const [base, , , app] = target!.chain;
    assert.deepEqual(base!.steps, [
      { step: 'ensure_container_defined', detail: 'create from ostemplate local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst on local-zfs (16 GiB)' },
      { step: 'apply_configurations', detail: '2 cores, 2048 MiB, net eth0 on vmbr0 10.0.0.200/24 gw 10.0.0.1' },
      { step: 'start_container', detail: '' },
      { step: 'apply_features', detail: 'base_setup' },
      { step: 'create_template_snapshot', detail: 'pre-configured' },
    ]);
    assert.deepEqual(app!.steps.map((s) => s.step), [
      'ensure_container_defined',
      'apply_configurations',
      'create_pre_configured_snapshot',
      'apply_shared_volumes',
      'start_container',
      'run_application_script',
      'run_health_check',
    ]);
    assert.equal(app!.steps[0]!.detail, 'clone from 920 snapshot pre-configured');
    assert.equal(app!.steps[2]!.detail, 'pre-configured'); // the leaf's reconfigure snapshot
    assert.deepEqual(result.levels, [[900], [901], [920], [950]]);
  });

  test('VM chain ends with the template conversion of the parent and a snapshot of the child', async () => {
    const result = await plan({ configDir: SHIPPED_CONFIG_DIR, ids: [8001], json: false });
    const [template, vm] = result.targets[0]!.chain;
    assert.deepEqual(template!.steps.map((s) => s.step), ['ensure_vm_defined', 'apply_vm_configurations', 'start_vm', 'wait_for_guest_agent', 'wait_for_cloud_init', 'convert_to_template']);
    assert.deepEqual(vm!.steps.at(-1), { step: 'create_vm_snapshot', detail: 'initial' });
    assert.equal(vm!.steps[0]!.detail, 'full clone of template 8000 on local-zfs, disk 64 GiB');
  });

  test('prints the plan through the real CLI', () => {
    const run = runCli(['plan', '950', '955', '--config-dir', SHIPPED_CONFIG_DIR]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], '950 vllm-qwen2.5-7b-awq (container): builds 900 → 901 → 920 → 950');
    assert.ok(lines.includes('  920 Template-VLLM (container, template)'));
    assert.ok(lines.includes('    create_pre_configured_snapshot  pre-configured'));
    assert.ok(lines.includes('    apply_shared_volumes            vllm_models /var/lib/phoenix/shared/vllm_models at /vllm_models'));
    assert.ok(lines.includes('955 ollama (container): builds 900 → 901 → 955'));
    assert.deepEqual(lines.slice(lines.indexOf('Build levels (each level in parallel, after the one before):') + 1).filter(Boolean), [
      '  1. 900',
      '  2. 901',
      '  3. 920, 955',
      '  4. 950',
    ]);
  });

  test('--json prints the same data for scripts', async () => {
    const io = capture();
    assert.equal(await main(['plan', '952', '--json', '--config-dir', SHIPPED_CONFIG_DIR], io, {}), 0);
    const data = JSON.parse(io.stdout.join('\n'));
    assert.deepEqual(data.targets[0].chain.map((g: { id: number }) => g.id), [900, 902, 952]);
    assert.deepEqual(data.levels, [[900], [902], [952]]);
  });

  test('an unknown ID is bad input (exit 2) naming both files', async () => {
    const io = capture();
    assert.equal(await main(['plan', '950', '951', '--config-dir', SHIPPED_CONFIG_DIR], io, {}), 2);
    assert.deepEqual(io.stdout, []);
    assert.deepEqual(io.stderr, ['error: 951 is neither a container in phoenix_lxc_configs.json (lxc_configs) nor a VM in phoenix_vm_configs.json (vms)']);
  });

  test('IDs must be numbers, and at least one is needed', async () => {
    for (const args of [['plan', 'qdrant'], ['plan']]) {
      const io = capture();
      assert.equal(await main([...args, '--config-dir', SHIPPED_CONFIG_DIR], io, {}), 2);
      assert.match(io.stderr[0]!, /^error: ("qdrant" is not a container or VM ID|plan needs at least one container or VM ID)/);
      assert.equal(io.stderr[1], 'Run "phoenix-client plan --help" for usage.');
    }
  });
});
