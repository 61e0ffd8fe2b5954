// Early starts (patch up-starts-children-early): `up` starts a clone whose only unfinished
// prerequisite is its template's run in progress as soon as that run has started, so the server's
// child start and the clone's first steps overlap the template's build. The clone must still wait
// for that run, clone only after it, never start a build of its own, and, when the template's run
// fails, be reported skipped (blocked by it) like any other dependant of a failed guest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEnsureLxcTemplateReady } from '../../src/activities/lxc/ensure-template-ready';
import type { ProvisioningDeps } from '../../src/activities/common/provisioning-deps';
import type { TemplateReadyInput } from '../../src/activities/lxc/types';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import type { PhoenixUpInput, PhoenixUpResult } from '../../src/shared/phoenix-up';
import { lxcWorkflowId } from '../../src/shared/workflow-ids';
import { waitFor } from '../e2e/helpers';
import { deferred, plan, startWorkflowTestEnv, within, withCloneSlots, type WorkflowTestEnv } from './workflow-env';

const ok = async () => ({ changed: false, summary: 'ok' });

/** A template `template` (from an ostemplate) and its clone `leaf`, as up's input. */
function chain(template: number, leaf: number): PhoenixUpInput {
  return {
    concurrencyPerNode: 4,
    nodes: [
      { id: template, kind: 'lxc', prerequisites: [], node: 'pve', startAtBoot: false, bootOrder: 0 },
      { id: leaf, kind: 'lxc', parent: template, prerequisites: [template], node: 'pve', startAtBoot: false, bootOrder: 0 },
    ],
  };
}

describe('up starts a clone while its template is being built (workflow logic)', () => {
  let t: WorkflowTestEnv;
  before(async () => {
    t = await startWorkflowTestEnv();
  });
  after(async () => {
    await t?.close();
  });

  /**
   * Stubs in which the template's definition blocks until `release`, and the clone's template
   * check does what ensureLxcTemplateReady does when told the run is in progress: waits for the
   * template's run, and fails (non-retryable) when that run did not succeed.
   */
  function stubs(template: number, leaf: number, templateFails = false) {
    const release = deferred<void>();
    const templateDefining = deferred<void>();
    const asked: TemplateReadyInput[] = [];
    const log: string[] = [];
    const activities = withCloneSlots(t.env.client, {
      loadLxcPlan: async ({ ctid }: { ctid: number }): Promise<LxcPlan> =>
        ctid === leaf ? { ...plan(ctid), source: { kind: 'clone', parentCtid: template, parentSnapshot: 'template' } } : plan(ctid),
      verifyTrust: async () => ({ summary: 'trusted', cached: true }),
      async ensureLxcTemplateReady(input: TemplateReadyInput) {
        asked.push(input);
        log.push(`template check of ${leaf} begins`);
        if (input.afterItsRun) {
          const outcome = await t.env.client.workflow.getHandle(lxcWorkflowId(input.ctid)).result().then(() => 'ok', (e: unknown) => e);
          if (outcome !== 'ok') throw ApplicationFailure.nonRetryable(`the build of template CT ${input.ctid} did not succeed`, 'PhoenixTemplateFailed');
        }
        return { changed: false, summary: 'ready' };
      },
      async ensureContainerDefined(p: LxcPlan) {
        if (p.ctid === template) {
          templateDefining.resolve(undefined);
          await release.promise;
        }
        log.push(`${p.ctid} defined`);
        return { changed: true, summary: 'created' };
      },
      async applyConfigurations(p: LxcPlan) {
        if (p.ctid === template && templateFails) throw ApplicationFailure.nonRetryable('test: the template cannot be configured');
        return ok();
      },
      applySharedVolumes: ok,
      startContainer: ok,
    });
    return { activities, release, templateDefining, asked, log };
  }

  it("starts the clone while the template's run is in progress; the clone waits for that run and clones after it", { timeout: 60_000 }, async () => {
    const s = stubs(601, 602);
    await t.withWorker(s.activities, async (taskQueue) => {
      const up = await t.env.client.workflow.start('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-early', args: [chain(601, 602)] });
      try {
        await within(20_000, "the template's definition to begin", s.templateDefining.promise);
        // The clone's run exists and waits in its template check while the template's run is held.
        await waitFor("the clone's template check", () => s.asked[0], 20_000, 50);
        assert.deepEqual(s.asked, [{ ctid: 601, snapshot: 'template', afterItsRun: true }]);
        assert.equal((await t.env.client.workflow.getHandle(lxcWorkflowId(601)).describe()).status.name, 'RUNNING', "the template's run was still going");
      } finally {
        s.release.resolve(undefined);
      }
      const report = (await within(30_000, 'up to finish', up.result())) as PhoenixUpResult;
      assert.deepEqual(report.succeeded.map((g) => g.id).sort(), [601, 602]);
      assert.deepEqual(s.log, ['template check of 602 begins', '601 defined', '602 defined'], 'the clone was defined only after the template');
    });
  });

  it("ensureLxcTemplateReady told the template's run is in progress never starts another one when that run failed", { timeout: 60_000 }, async () => {
    const failing = {
      loadLxcPlan: async () => {
        throw ApplicationFailure.nonRetryable('test: no plan');
      },
    };
    await t.withWorker(failing, async (taskQueue) => {
      const template = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: lxcWorkflowId(621), args: [{ ctid: 621 }] });
      await assert.rejects(template.result(), WorkflowFailedError);
      // No PVE: the failed run must end the wait before any read of the template.
      const deps = { temporal: () => t.env.client, taskQueue, pve: () => Promise.reject(new Error('test: PVE read')) } as unknown as ProvisioningDeps;
      const check = createEnsureLxcTemplateReady(deps);
      const outcome = await new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000 })
        .run(() => check({ ctid: 621, snapshot: 'template', afterItsRun: true }))
        .then(() => undefined, (e: unknown) => e);
      assert.ok(outcome instanceof ApplicationFailure, String(outcome));
      assert.equal(outcome.type, 'PhoenixTemplateFailed');
      assert.equal(outcome.nonRetryable, true);
      const latest = await t.env.client.workflow.getHandle(lxcWorkflowId(621)).describe();
      assert.equal(latest.runId, template.firstExecutionRunId, 'no second build of the template was started');
    });
  });

  it("reports the clone skipped, blocked by its template, when the template's run fails, and defines nothing for it", { timeout: 60_000 }, async () => {
    const s = stubs(611, 612, true);
    await t.withWorker(s.activities, async (taskQueue) => {
      const up = await t.env.client.workflow.start('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-early-failed', args: [chain(611, 612)] });
      try {
        await within(20_000, "the template's definition to begin", s.templateDefining.promise);
        await waitFor("the clone's template check", () => s.asked[0], 20_000, 50);
      } finally {
        s.release.resolve(undefined);
      }
      const report = (await within(30_000, 'up to finish', up.result())) as PhoenixUpResult;
      assert.deepEqual(report.failed.map((g) => g.id), [611]);
      assert.deepEqual(report.skipped, [{ id: 612, kind: 'lxc', blockedBy: [611] }]);
      assert.deepEqual(report.succeeded, []);
      assert.ok(!s.log.includes('612 defined'), 'nothing was defined for the clone');
      // The clone's own run failed in its template check (it never built the template itself).
      const leafRun = await t.env.client.workflow.getHandle(lxcWorkflowId(612)).result().then(() => undefined, (e: unknown) => e);
      assert.ok(leafRun instanceof WorkflowFailedError, String(leafRun));
      assert.match(String(leafRun.cause?.message), /ensure_parent_template/);
    });
  });
});
