/**
 * Acceptance (issue 6): the lifecycle verbs act once and a second call is a no-op. `delete` without
 * --yes exits 2 and changes nothing; a template whose clone still exists is refused with a message
 * naming the clone; `reconfigure` rolls back to `pre-configured` and provisions again, on a template
 * (902) and on a leaf (950, whose pre-configured snapshot is taken once by its provisioning).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type LedgerEntry, type Stack } from '../../scripts/lib/stack';
import { configCopy, countBy, ledgerText, TIME_SCALE, type ConfigCopy } from './helpers';

const ACTS = ['lxc.stop', 'lxc.shutdown', 'lxc.start', 'lxc.destroy', 'lxc.rollback', 'lxc.create', 'lxc.clone', 'lxc.snapshot'];

describe('phoenix-client stop, restart, delete, reconfigure', () => {
  let stack: Stack;
  let config: ConfigCopy;
  let mark = 0;
  /** Side effects since the last call. */
  const sinceMark = async (): Promise<LedgerEntry[]> => {
    const all = await stack.ledger();
    const added = all.filter((e) => e.seq > mark);
    mark = all.at(-1)?.seq ?? mark;
    return added;
  };

  before(async () => {
    config = configCopy();
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
    const start = await stack.cli(['start', '902']); // builds 900, then clones 902 from it
    assert.equal(start.code, 0, `start 902 failed:\n${start.stdout}\n${start.stderr}`);
    await sinceMark();
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('delete without --yes exits 2 and changes nothing', async () => {
    const run = await stack.cli(['delete', '902']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--yes/);
    assert.deepEqual(countBy(await sinceMark(), ACTS), {});
  });

  it('stop stops once; a second stop is a no-op', async () => {
    const first = await stack.cli(['stop', '902']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /CT 902: stopped/);
    assert.deepEqual(countBy(await sinceMark(), ACTS), { 'lxc.stop 902': 1 });
    const second = await stack.cli(['stop', '902']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /CT 902: already stopped \(nothing changed\)/);
    assert.deepEqual(countBy(await sinceMark(), ACTS), {});
  });

  it('restart starts a stopped guest once, and stops then starts a running one', async () => {
    const first = await stack.cli(['restart', '902']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(countBy(await sinceMark(), ACTS), { 'lxc.start 902': 1 });
    const second = await stack.cli(['restart', '902']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(countBy(await sinceMark(), ACTS), { 'lxc.stop 902': 1, 'lxc.start 902': 1 });
  });

  it('reconfigure rolls back to pre-configured and provisions again', async () => {
    const run = await stack.cli(['reconfigure', '902']);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /rolled back to pre-configured; re-provisioned \(phoenix-lxc-902\)/);
    const added = await sinceMark();
    const counts = countBy(added, ACTS);
    assert.equal(counts['lxc.rollback 902'], 1, ledgerText(added));
    assert.equal(counts['lxc.start 902'], 1, ledgerText(added)); // provisioning started it again
    assert.equal(counts['lxc.create 902'] ?? counts['lxc.clone 902'], undefined, ledgerText(added));
  });

  it('delete refuses a template whose clone exists, naming the clone', async () => {
    const run = await stack.cli(['delete', '900', '--yes']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /CT 900 is the template of CT 902, which still exists; delete it first/);
    assert.deepEqual(countBy(await sinceMark(), ACTS), {});
  });

  it('delete --yes stops and destroys once; a second delete is a no-op', async () => {
    const first = await stack.cli(['delete', '902', '--yes']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(countBy(await sinceMark(), ACTS), { 'lxc.stop 902': 1, 'lxc.destroy 902': 1 });
    const second = await stack.cli(['delete', '902', '--yes']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /CT 902: CT 902 is already gone \(nothing changed\)/);
    assert.deepEqual(countBy(await sinceMark(), ACTS), {});
  });

  it('reconfigure of a guest that is gone fails with a clear message', async () => {
    const run = await stack.cli(['reconfigure', '902']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /CT 902 does not exist/);
  });

  it('a leaf gets its pre-configured snapshot once; reconfigure 950 rolls back to it and provisions again', { timeout: 300_000 }, async () => {
    const plan = await stack.cli(['plan', '950']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /create_pre_configured_snapshot +pre-configured/);

    const start = await stack.cli(['start', '950']); // clones 901, 920 and 950
    assert.equal(start.code, 0, `start 950 failed:\n${start.stdout}\n${start.stderr}`);
    let added = await sinceMark();
    assert.equal(countBy(added, ACTS)['lxc.snapshot 950'], 1, ledgerText(added));

    const converged = await stack.cli(['start', '950']);
    assert.equal(converged.code, 0, converged.stderr);
    added = await sinceMark();
    assert.equal(countBy(added, ACTS)['lxc.snapshot 950'], undefined, `not retaken on a converged run\n${ledgerText(added)}`);

    const run = await stack.cli(['reconfigure', '950']);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /rolled back to pre-configured; re-provisioned \(phoenix-lxc-950\)/);
    added = await sinceMark();
    const counts = countBy(added, [...ACTS, 'job.start']);
    assert.equal(counts['lxc.rollback 950'], 1, ledgerText(added));
    assert.equal(counts['lxc.start 950'], 1, ledgerText(added)); // provisioning started it again
    assert.equal(counts['lxc.snapshot 950'], undefined, ledgerText(added)); // found, not retaken
    assert.equal(counts['lxc.clone 950'], undefined, ledgerText(added));
    assert.ok((counts['job.start 950'] ?? 0) >= 1, `the application script ran again after the rollback\n${ledgerText(added)}`);
  });
});
