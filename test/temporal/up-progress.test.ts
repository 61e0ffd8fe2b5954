// phoenixUp names its running and settled children in one query (issue 11), so a follower looks
// at those only, instead of querying every child (a closed child's query replays its history).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAwaitGuestRun } from '../../src/activities/lifecycle/await-guest-run';
import { upProgressQuery } from '../../src/shared/progress';
import type { PhoenixUpInput } from '../../src/shared/phoenix-up';
import { provisioningStubs, startWorkflowTestEnv, within, type WorkflowTestEnv } from './workflow-env';

describe('phoenixUp progress (workflow logic)', () => {
  let t: WorkflowTestEnv;

  before(async () => {
    t = await startWorkflowTestEnv();
  });

  after(async () => {
    await t?.close();
  });

  it('answers which children run and which have settled', { timeout: 60_000 }, async () => {
    const stubs = provisioningStubs();
    const activities = { ...stubs.activities, awaitGuestRun: createAwaitGuestRun({ temporal: () => t.env.client }) };
    await t.withWorker(activities, async (taskQueue) => {
      const input: PhoenixUpInput = {
        concurrencyPerNode: 1,
        nodes: [
          { id: 401, kind: 'lxc', prerequisites: [], node: 'pve', startAtBoot: false, bootOrder: 0 },
          { id: 402, kind: 'lxc', prerequisites: [], node: 'pve', startAtBoot: false, bootOrder: 0 },
        ],
      };
      const up = await t.env.client.workflow.start('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-progress', args: [input] });
      await within(20_000, 'the first child to start', stubs.startedFor(401).promise);
      assert.deepEqual(await up.query(upProgressQuery), { running: [401], settled: [] }, 'one at a time: 402 waits');
      stubs.release();
      await within(30_000, 'up to finish', up.result());
      const final = await up.query(upProgressQuery);
      assert.deepEqual({ running: final.running, settled: [...final.settled].sort() }, { running: [], settled: [401, 402] });
    });
  });
});
