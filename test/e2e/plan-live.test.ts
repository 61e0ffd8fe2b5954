/**
 * Acceptance (issue 4): `phoenix-client plan <ID>` also reads the live state, through the worker,
 * and shows what a run would change: nothing on a converged guest, the exact key on an edited one,
 * the create/clone for a guest that does not exist yet. Reading changes nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { configCopy, ledgerText, SIDE_EFFECTS, TIME_SCALE, type ConfigCopy } from './helpers';

describe('phoenix-client plan with the live state', () => {
  let stack: Stack;
  let config: ConfigCopy;

  before(async () => {
    config = configCopy();
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
    const built = await stack.cli(['start', '952']);
    assert.equal(built.code, 0, built.stderr);
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('shows a converged chain as up to date, an edited key as a change, a missing guest as a clone; and changes nothing', async () => {
    const before = await stack.ledger();
    const converged = await stack.cli(['plan', '952']);
    assert.equal(converged.code, 0, converged.stderr);
    assert.doesNotMatch(converged.stderr, /live state was not read/);
    assert.equal(converged.stdout.match(/live: running, up to date: a run changes nothing/g)?.length, 3, converged.stdout);

    const file = join(config.dir, 'phoenix_lxc_configs.json');
    const lxc = JSON.parse(readFileSync(file, 'utf8'));
    const memory = lxc.lxc_configs['952'].memory_mb as number;
    lxc.lxc_configs['952'].memory_mb = memory + 1024;
    writeFileSync(file, JSON.stringify(lxc, null, 2));
    const edited = await stack.cli(['plan', '952', '955']);
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, new RegExp(`live: running, a run would:\\n +apply_configurations +memory: ${memory} → ${memory + 1024}`));
    assert.match(edited.stdout, /live: absent, a run would:\n +ensure_container_defined +clone 901@pre-configured/);

    const offline = await stack.cli(['plan', '952', '--offline']);
    assert.doesNotMatch(offline.stdout, /live:/);

    const added = (await stack.ledger()).slice(before.length).filter((e) => SIDE_EFFECTS.includes(e.kind) || /\.(config|start|stop)$/.test(e.kind));
    assert.deepEqual(added, [], `plan changed something:\n${ledgerText(added)}`);
  });
});
