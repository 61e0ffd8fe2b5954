/**
 * Acceptance (issue 4): a parameter error fails fast with a readable message naming the
 * step: a container whose storage_pool names a storage the host does not have makes
 * `start` exit 1 within seconds (no retries), naming ensure_container_defined and the
 * storage, and nothing is created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { configCopy, TIME_SCALE, type ConfigCopy } from './helpers';

describe('a storage that does not exist', () => {
  let stack: Stack;
  let config: ConfigCopy;

  before(async () => {
    // 905: a container from the ostemplate, like 900, but on a storage the host lacks.
    config = configCopy(({ lxc }) => {
      const base = lxc.lxc_configs['900'];
      lxc.lxc_configs['905'] = {
        ...base,
        name: 'bad-storage',
        storage_pool: 'nosuchpool',
        mac_address: '52:54:00:AA:BB:05',
        network_config: { ...base.network_config, ip: '10.0.0.205/24' },
      };
      delete lxc.lxc_configs['905'].template_snapshot_name;
    });
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('fails fast, naming ensure_container_defined and the storage, and creates nothing', async () => {
    const started = Date.now();
    const run = await stack.cli(['start', '905']);
    const ms = Date.now() - started;
    assert.equal(run.code, 1, `start 905 should fail:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /ensure_container_defined/);
    assert.match(run.stderr, /nosuchpool/);
    assert.ok(ms < 15_000, `failing took ${ms} ms: it was retried instead of failing fast\n${run.stderr}`);
    const created = (await stack.ledger()).filter((e) => /^lxc\.(create|clone)$/.test(e.kind));
    assert.deepEqual(created, [], 'nothing was created');
  });
});
