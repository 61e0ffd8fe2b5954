// A follower reads a completed run's final steps from its result, never by a query (issue 11):
// each query of a closed run makes a worker replay its whole history, and at the end of an
// `up --all` of 78 guests those replays were what kept the CLI waiting after the run had closed.
// Here no worker runs while the follow reads the runs, so a query could not be answered at all.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { follow, type StepEvent } from '../../src/cli/runs/follow';
import { provisioningStubs, startWorkflowTestEnv, within, type WorkflowTestEnv } from './workflow-env';

describe('follow of closed runs', () => {
  let t: WorkflowTestEnv;

  before(async () => {
    t = await startWorkflowTestEnv();
  });

  after(async () => {
    await t?.close();
  });

  it('reports a completed related run from its result, with no worker to answer a query', { timeout: 90_000 }, async () => {
    const stubs = provisioningStubs();
    const client = t.env.client;
    const [target, related] = await t.withWorker(stubs.activities, async (taskQueue) => {
      // The related run closes after the target began: it belongs to the target's follow.
      const target = await client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-402', args: [{ ctid: 402 }] });
      await within(20_000, 'the target to start its first step', stubs.startedFor(402).promise);
      const related = await client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-401', args: [{ ctid: 401 }] });
      await within(20_000, 'the related run to start its first step', stubs.startedFor(401).promise);
      stubs.release();
      await within(30_000, 'both runs to complete', Promise.all([target.result(), related.result()]));
      return [target, related] as const;
    });

    const steps: StepEvent[] = [];
    const outcome = await within(15_000, 'the follow of two closed runs', follow(client, target, { related: [related.workflowId], onStep: (e) => steps.push(e), pollMs: 100 }));
    assert.equal(outcome.ok, true);
    const ofRelated = steps.filter((e) => e.id === 401).map((e) => `${e.step.name}:${e.step.state}`);
    assert.ok(ofRelated.includes('ensure_container_defined:done'), `401's final steps reported: ${JSON.stringify(ofRelated)}`);
  });

  it('a fleet follow returns as soon as the fleet run closes, not when its look at a child does', { timeout: 90_000 }, async () => {
    const stubs = provisioningStubs();
    const client = t.env.client;
    // A child no worker polls for: a query of it waits on the server (it cannot be answered).
    const stuck = await client.workflow.start('provisionLxc', { taskQueue: `nobody-polls-${Date.now()}`, workflowId: 'phoenix-lxc-421', args: [{ ctid: 421 }] });
    try {
      await t.withWorker(stubs.activities, async (taskQueue) => {
        // Stands in for the fleet run (any run that closes when told).
        const fleet = await client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-420', args: [{ ctid: 420 }] });
        await within(20_000, 'the fleet run to start', stubs.startedFor(420).promise);
        let childrenAskedResolve!: () => void;
        const childrenAsked = new Promise<void>((resolve) => (childrenAskedResolve = resolve));
        const following = follow(client, fleet, {
          related: [],
          onStep: () => undefined,
          pollMs: 100,
          children: async () => {
            childrenAskedResolve();
            return { running: [stuck.workflowId], settled: [] };
          },
        });
        await within(15_000, 'the follower to ask the fleet run for its children', childrenAsked);
        // The round now waits on the stuck child's query; the fleet run closes meanwhile.
        stubs.release();
        await within(20_000, 'the fleet run to complete', fleet.result());
        const closedAt = Date.now();
        const outcome = await within(15_000, 'the follow to return', following);
        const lagMs = Date.now() - closedAt;
        assert.equal(outcome.ok, true);
        assert.ok(lagMs < 3_000, `the follow returned ${lagMs} ms after the fleet run closed (its look at a stuck child held it)`);
      });
    } finally {
      await stuck.terminate('test over').catch(() => undefined);
    }
  });
});
