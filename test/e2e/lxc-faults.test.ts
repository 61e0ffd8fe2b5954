/**
 * Acceptance (issue 4): with the simulator failing a fifth of API calls with 500s and adding
 * lock timeouts, provisioning 950 still completes, with no side effect done twice.
 * (The bad-parameter case is lxc-bad-parameter.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { jobs, ledgerText, nvidiaInstalls, TIME_SCALE, CHAIN_950_BUILT_ONCE, provisioningCounts } from './helpers';

describe('provisioning through API faults', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ timeScale: TIME_SCALE, simArgs: ['--fault-seed', '4'] });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
  });

  it('completes 950 with 20% of API calls failing (500) and lock timeouts, doing each side effect once', async () => {
    await stack.setFaults([
      { target: 'api', match: '*', kind: 'http-error', status: 500, message: 'simulated internal error', rate: 0.2 },
      { target: 'api', match: '/^(POST|PUT) /nodes/[^/]+/lxc/.*/', kind: 'lock', lock: 'timeout', rate: 0.2 },
    ]);
    const run = await stack.cli(['start', '950']);
    await stack.setFaults([]);
    const entries = await stack.ledger();
    const why = `\nledger:\n${ledgerText(entries)}\n${run.stderr.slice(-4000)}`;
    assert.equal(run.code, 0, `start 950 failed under faults:${why}`);

    assert.deepEqual(
      provisioningCounts(entries),
      CHAIN_950_BUILT_ONCE,
      why,
    );
    const byJob = jobs(entries);
    assert.equal(byJob.size, 4, `one job per feature and 950's app script${why}`);
    for (const [id, job] of byJob) {
      assert.equal(job.starts, 1, `job ${id} started ${job.starts} times${why}`);
      assert.deepEqual(job.exits, [0], `job ${id}${why}`);
    }
    assert.equal(nvidiaInstalls(entries).length, 1, why);
  });
});
