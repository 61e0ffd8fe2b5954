/**
 * Acceptance (issue 10): `start` honours `dependencies` as `plan` describes them. With 955
 * depending on 952: `start 955 --no-deps` refuses, naming 952, and changes nothing; `start 955`
 * provisions 952 first (it is cloned before 955) and then 955; `start 955 --no-deps` is then fine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { configCopy, ledgerText, target, TIME_SCALE, type ConfigCopy } from './helpers';

describe('start with dependencies', () => {
  let stack: Stack;
  let config: ConfigCopy;

  before(async () => {
    config = configCopy(({ lxc }) => {
      lxc.lxc_configs['955'].dependencies = [952];
    });
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('--no-deps refuses while a dependency was never provisioned, and changes nothing', { timeout: 60_000 }, async () => {
    const run = await stack.cli(['start', '955', '--no-deps']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--no-deps: 952 has not been provisioned/);
    assert.deepEqual((await stack.ledger()).filter((e) => /^lxc\.(create|clone)$/.test(e.kind)), []);
  });

  it('start provisions the dependency first, then the guest; --no-deps is fine afterwards', { timeout: 300_000 }, async () => {
    const run = await stack.cli(['start', '955']);
    const entries = await stack.ledger();
    const why = `\n${run.stdout}\n${run.stderr}\nledger:\n${ledgerText(entries)}`;
    assert.equal(run.code, 0, why);
    assert.match(run.stderr, /first the dependencies: 952/);
    const cloned = entries.filter((e) => e.kind === 'lxc.clone').map(target);
    assert.ok(cloned.indexOf(952) >= 0 && cloned.indexOf(952) < cloned.indexOf(955), `952 was cloned before 955: ${cloned.join(', ')}${why}`);

    const again = await stack.cli(['start', '955', '--no-deps']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /first the dependencies/);
  });
});
