import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCommands, main } from '../../src/cli/main';
import { SHIPPED_CONFIG_DIR } from '../config/fixtures';
import { capture } from './run-cli';

describe('phoenix-client', () => {
  test('--help lists every command in the table and exits 0', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io, {}), 0);
    const text = io.stdout.join('\n');
    for (const c of await loadCommands()) assert.match(text, new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  test('no command prints the usage to stderr and exits 2', async () => {
    const io = capture();
    assert.equal(await main([], io, {}), 2);
    assert.match(io.stderr.join('\n'), /^Usage: phoenix-client <command>/);
  });

  test('every command has --help', async () => {
    for (const c of await loadCommands()) {
      const io = capture();
      assert.equal(await main([c.name, '--help'], io, {}), 0);
      assert.match(io.stdout.join('\n'), new RegExp(`^Usage: phoenix-client ${c.name}`));
    }
  });

  test('an unknown command exits 2 with a suggestion', async () => {
    const io = capture();
    assert.equal(await main(['valdiate'], io, {}), 2);
    assert.deepEqual(io.stderr, ['error: unknown command "valdiate"; did you mean validate?', 'Run "phoenix-client --help" for the list of commands.']);
  });

  test('an unknown option exits 2 and names it', async () => {
    const io = capture();
    assert.equal(await main(['validate', '--config-dri', SHIPPED_CONFIG_DIR], io, {}), 2);
    assert.match(io.stderr[0]!, /^error: Unknown option '--config-dri'/);
  });

  test('validate takes its folder from PHOENIX_CONFIG_DIR when --config-dir is absent', async () => {
    const io = capture();
    assert.equal(await main(['validate', '--json'], io, { PHOENIX_CONFIG_DIR: SHIPPED_CONFIG_DIR }), 0);
    const data = JSON.parse(io.stdout.join('\n'));
    assert.deepEqual({ valid: data.valid, dir: data.configDir, containers: data.containers, vms: data.vms }, { valid: true, dir: SHIPPED_CONFIG_DIR, containers: 7, vms: 2 });
  });

  test('a missing folder is bad input (exit 2) naming each file path', async () => {
    const io = capture();
    assert.equal(await main(['validate', '--config-dir', '/nonexistent/phoenix'], io, {}), 2);
    assert.deepEqual(io.stderr, [
      'phoenix_lxc_configs.json: file not found: /nonexistent/phoenix/phoenix_lxc_configs.json',
      'phoenix_vm_configs.json: file not found: /nonexistent/phoenix/phoenix_vm_configs.json',
      'phoenix_hypervisor_config.json: file not found: /nonexistent/phoenix/phoenix_hypervisor_config.json',
    ]);
  });
});
