// Cancellation is an outcome, not a failure (issue 10): a cancelled provisioning run ends
// CANCELED with its running step marked cancelled and its activity told to stop; a cancelled
// phoenixUp ends CANCELED and leaves its running child alone (abandoned, never cancel-requested)
// and starts nothing more; a lifecycle verb refuses a guest whose provisioning is running.
// Phoenix's real workflows on a local Temporal, activities stubbed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { waitFor } from 'phoenix-sim';
import { createAwaitGuestRun } from '../../src/activities/lifecycle/await-guest-run';
import { createProvisioningInProgress } from '../../src/activities/lifecycle/provisioning-in-progress';
import { progressQuery } from '../../src/shared/progress';
import type { PhoenixUpInput } from '../../src/shared/phoenix-up';
import { GuestBusy, startOrAttach } from '../../src/cli/runs/guest-runs';
import { deferred, plan, provisioningStubs, startWorkflowTestEnv, within, type WorkflowTestEnv } from './workflow-env';

describe('cancellation and one run per guest (workflow logic)', () => {
  let t: WorkflowTestEnv;

  before(async () => {
    t = await startWorkflowTestEnv();
  });

  after(async () => {
    await t?.close();
  });

  it('a cancelled provisioning run ends CANCELED; its running step is cancelled and its activity stops', { timeout: 60_000 }, async () => {
    const stubs = provisioningStubs();
    await t.withWorker(stubs.activities, async (taskQueue) => {
      const handle = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-101', args: [{ ctid: 101 }] });
      await within(20_000, 'ensure_container_defined to start', stubs.startedFor(101).promise);
      await handle.cancel();
      const err = await handle.result().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `ends with a cancellation, got ${String(err)}: ${String((err as Error)?.cause)}`);
      assert.equal((await handle.describe()).status.name, 'CANCELLED');
      assert.equal(await within(15_000, 'the activity to see its cancellation', stubs.cancelled), 'CT 101');
      const step = (await handle.query(progressQuery)).steps.find((s) => s.name === 'ensure_container_defined');
      assert.equal(step?.state, 'cancelled');
    });
  });

  it('a cancelled phoenixUp ends CANCELED, abandons its running child (not cancel-requested) and starts nothing more', { timeout: 60_000 }, async () => {
    const stubs = provisioningStubs();
    const activities = { ...stubs.activities, awaitGuestRun: createAwaitGuestRun({ temporal: () => t.env.client }) };
    await t.withWorker(activities, async (taskQueue) => {
      const input: PhoenixUpInput = {
        nodes: [
          { id: 201, kind: 'lxc', prerequisites: [], node: 'pve', startAtBoot: false, bootOrder: 0 },
          // A dependency, not a clone of 201: only a clone starts while its template's run is in progress (up-early-start.test.ts).
          { id: 202, kind: 'lxc', prerequisites: [201], node: 'pve', startAtBoot: false, bootOrder: 0 },
        ],
      };
      const up = await t.env.client.workflow.start('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-cancel', args: [input] });
      await within(20_000, "the child's first step to start", stubs.startedFor(201).promise);
      await up.cancel();
      const err = await up.result().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `phoenixUp ends cancelled, got ${String(err)}`);
      assert.equal((await up.describe()).status.name, 'CANCELLED');

      const child = t.env.client.workflow.getHandle('phoenix-lxc-201');
      assert.equal((await child.describe()).status.name, 'RUNNING', 'the child goes on');
      await assert.rejects(t.env.client.workflow.getHandle('phoenix-lxc-202').describe(), WorkflowNotFoundError, 'nothing more was started');

      stubs.release();
      await within(20_000, 'the abandoned child to complete', child.result());
      const events = (await child.fetchHistory()).events ?? [];
      const cancelRequested = events.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
      assert.deepEqual(cancelRequested, [], 'the child was never asked to cancel');
    });
  });

  it('a lifecycle verb refuses a guest whose provisioning is running, and acts once it has ended', { timeout: 60_000 }, async () => {
    const stubs = provisioningStubs();
    let stops = 0;
    const activities = {
      ...stubs.activities,
      provisioningInProgress: createProvisioningInProgress({ temporal: () => t.env.client }),
      stopGuest: async () => (stops++, { changed: true, summary: 'stopped' }),
    };
    await t.withWorker(activities, async (taskQueue) => {
      const provisioning = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-301', args: [{ ctid: 301 }] });
      await within(20_000, 'provisioning to start', stubs.startedFor(301).promise);
      const refused = await t.env.client.workflow
        .execute('guestLifecycle', { taskQueue, workflowId: 'phoenix-stop-lxc-301', args: [{ verb: 'stop', kind: 'lxc', id: 301 }] })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(refused instanceof WorkflowFailedError, String(refused));
      assert.match(String(refused.cause?.message), /CT 301: not running stop: phoenix-lxc-301 is provisioning it .*phoenix-client cancel 301/);
      assert.equal(stops, 0, 'nothing was stopped');

      stubs.release();
      await provisioning.result();
      await t.env.client.workflow.execute('guestLifecycle', { taskQueue, workflowId: 'phoenix-stop-lxc-301', args: [{ verb: 'stop', kind: 'lxc', id: 301 }] });
      assert.equal(stops, 1);
    });
  });

  it('a rebuild waits for a busy template run through awaitGuestRun (no timers), then runs its own pass', { timeout: 60_000 }, async () => {
    const stubs = provisioningStubs();
    const activities = {
      ...stubs.activities,
      loadLxcPlan: async ({ ctid }: { ctid: number }) => ({ ...plan(ctid), templateSnapshot: 'pre-configured' }),
      createTemplateSnapshot: async () => ({ changed: true, summary: 'snapshot taken' }),
      awaitGuestRun: createAwaitGuestRun({ temporal: () => t.env.client }),
    };
    await t.withWorker(activities, async (taskQueue) => {
      const busy = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-501', args: [{ ctid: 501 }] });
      await within(20_000, 'the template run to start', stubs.startedFor(501).promise);
      const rebuild = await t.env.client.workflow.start('rebuildTemplates', { taskQueue, workflowId: 'phoenix-rebuild-test-busy', args: [{ templates: [501] }] });
      await waitForScheduled(rebuild, 'awaitGuestRun');
      stubs.release();
      await busy.result();
      const result = (await within(30_000, 'the rebuild to end', rebuild.result())) as { templates: Array<{ ctid: number }> };
      assert.deepEqual(result.templates.map((r) => r.ctid), [501]);
      const types = ((await rebuild.fetchHistory()).events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType!]);
      assert.ok(!types.includes('EVENT_TYPE_TIMER_STARTED'), `no timers: ${types.join(', ')}`);
      const scheduled = ((await rebuild.fetchHistory()).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      assert.deepEqual(scheduled, ['loadLxcPlan', 'awaitGuestRun']);
      assert.equal(types.filter((x) => x === 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED').length, 1, 'its own pass ran after the wait');
    });
  });

  it('start refuses a guest that a stop, restart or delete is acting on', { timeout: 60_000 }, async () => {
    const stubs = provisioningStubs();
    const stopping = deferred<void>();
    const release = deferred<void>();
    const activities = {
      ...stubs.activities,
      provisioningInProgress: createProvisioningInProgress({ temporal: () => t.env.client }),
      stopGuest: async () => (stopping.resolve(undefined), await release.promise, { changed: true, summary: 'stopped' }),
    };
    await t.withWorker(activities, async (taskQueue) => {
      const stop = await t.env.client.workflow.start('guestLifecycle', { taskQueue, workflowId: 'phoenix-stop-lxc-601', args: [{ verb: 'stop', kind: 'lxc', id: 601 }] });
      await within(20_000, 'the stop to act', stopping.promise);
      const guest = { kind: 'lxc', id: 601, name: 'ct601' } as Parameters<typeof startOrAttach>[1];
      await assert.rejects(startOrAttach(t.env.client, guest, taskQueue), (err: unknown) => err instanceof GuestBusy && /CT 601: not started: phoenix-stop-lxc-601 is running/.test(err.message));
      await assert.rejects(t.env.client.workflow.getHandle('phoenix-lxc-601').describe(), WorkflowNotFoundError, 'nothing was started');
      release.resolve(undefined);
      await stop.result();
    });
  });
});

async function waitForScheduled(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }, activityType: string): Promise<void> {
  const scheduled = async () => ((await handle.fetchHistory()).events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  await waitFor(`${activityType} to be scheduled`, async () => ((await scheduled()) ? true : undefined), 20_000, 100);
}
