// Activities and cancellation (issue 10): a cancelled activity leaves as a CancelledFailure
// (which the SDK reports as cancelled) rather than as a retryable failure, and the shared
// wait-for-another-workflow helper heartbeats at min(5 s, timeout / 4) and stops at once when
// cancelled, leaving the awaited run alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { classified } from '../../src/activities/common/classify';
import { cancellation } from '../../src/activities/common/heartbeat';
import { sleep } from '../../src/activities/common/sleep';
import { heartbeatInterval } from '../../src/activities/common/await-workflow';
import { createAwaitGuestRun } from '../../src/activities/lifecycle/await-guest-run';
import { waitFor } from 'phoenix-sim';

describe('activity cancellation', () => {
  it('classified() passes a cancellation through as CancelledFailure; other errors stay classified', { timeout: 10_000 }, async () => {
    const env = new MockActivityEnvironment();
    const run = env.run(() => classified('wait for a task', 'CT 950', () => sleep(60_000, cancellation())));
    setTimeout(() => env.cancel('CANCELLED'), 50);
    await assert.rejects(run, (err: unknown) => err instanceof CancelledFailure);

    const failing = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }); // the failure is expected
    await assert.rejects(
      failing.run(() => classified('wait for a task', 'CT 950', async () => { throw new Error('boom'); })),
      (err: unknown) => err instanceof ApplicationFailure && !err.nonRetryable && /wait for a task \(CT 950\) failed: boom/.test(err.message),
    );
  });

  it('heartbeats every min(5 s, timeout / 4)', { timeout: 5_000 }, () => {
    assert.equal(heartbeatInterval(undefined), 5_000);
    assert.equal(heartbeatInterval(30_000), 5_000);
    assert.equal(heartbeatInterval(8_000), 2_000);
    assert.equal(heartbeatInterval(5_000), 1_250);
  });

  it('awaitGuestRun heartbeats within a short timeout and stops at once when cancelled, without cancelling the run', { timeout: 10_000 }, async () => {
    let runCancelled = false;
    const never = new Promise<never>(() => {});
    const client = { workflow: { getHandle: () => ({ result: () => never, cancel: async () => void (runCancelled = true) }) } } as unknown as Client;
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 400 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const run = env.run(createAwaitGuestRun({ temporal: () => client }), { workflowId: 'phoenix-lxc-950' });
    // Four heartbeats inside one 400 ms timeout's worth of waiting: the interval is a quarter of it.
    await waitFor('four heartbeats', () => (beats.length >= 4 ? true : undefined), 5_000, 10);
    env.cancel('CANCELLED');
    const began = Date.now();
    await assert.rejects(run, (err: unknown) => err instanceof CancelledFailure);
    assert.ok(Date.now() - began < 500, 'stopped at once');
    assert.equal(runCancelled, false, 'the awaited run is not cancelled');
  });
});
