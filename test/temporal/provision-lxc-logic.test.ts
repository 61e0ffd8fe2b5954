// provisionLxc's orchestration on a local Temporal with stub activities, in seconds: the steps
// in their order, each skip with its reason, one step per feature in the configured order, and
// a failing step reported by name with nothing after it run. What the activities do against a
// host is tested against phoenix-sim elsewhere (test/e2e/, test/reliability/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { progressQuery } from '../../src/shared/progress';
import { plan, startWorkflowTestEnv, type WorkflowTestEnv } from './workflow-env';

/** Every provisioning activity as a stub that records its name (and the feature's) and succeeds. */
function recordingStubs(p: LxcPlan, fail?: { activity: string; feature?: string }) {
  const calls: string[] = [];
  const step = (name: string) => async (arg?: { feature?: { name: string } }) => {
    const label = arg?.feature ? `${name}:${arg.feature.name}` : name;
    calls.push(label);
    if (fail && fail.activity === name && (fail.feature === undefined || fail.feature === arg?.feature?.name)) {
      throw ApplicationFailure.nonRetryable(`${label} refused by the stub`, 'PhoenixGuestScriptFailed');
    }
    return { changed: true, summary: `${label} ok` };
  };
  const activities = {
    loadLxcPlan: async () => (calls.push('loadLxcPlan'), p),
    verifyTrust: async () => (calls.push('verifyTrust'), { summary: 'trusted', cached: true }),
    ensureLxcTemplateReady: step('ensureLxcTemplateReady'),
    ensureContainerDefined: step('ensureContainerDefined'),
    applyConfigurations: step('applyConfigurations'),
    createPreConfiguredSnapshot: step('createPreConfiguredSnapshot'),
    applySharedVolumes: step('applySharedVolumes'),
    startContainer: step('startContainer'),
    applyFeature: step('applyFeature'),
    runApplicationScript: step('runApplicationScript'),
    runHealthCheck: step('runHealthCheck'),
    createTemplateSnapshot: step('createTemplateSnapshot'),
  };
  return { calls, activities };
}

describe('provisionLxc orchestration (workflow logic)', () => {
  let t: WorkflowTestEnv;

  before(async () => {
    t = await startWorkflowTestEnv();
  });

  after(async () => {
    await t?.close();
  });

  it('a template cloned from its parent: every step in order, one per feature in the configured order', { timeout: 60_000 }, async () => {
    const p: LxcPlan = {
      ...plan(301),
      source: { kind: 'clone', parentCtid: 300, parentSnapshot: 'base' },
      templateSnapshot: 'gpu',
      features: [{ name: 'nvidia', env: {} }, { name: 'docker', env: {} }],
      application: { script: 'app.sh', env: {} },
      healthChecks: [{ name: 'up', command: 'true', retries: 1, intervalSeconds: 1 }],
    } as LxcPlan;
    const { calls, activities } = recordingStubs(p);
    await t.withWorker(activities, async (taskQueue) => {
      const handle = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-301', args: [{ ctid: 301 }] });
      const result = await handle.result();
      assert.deepEqual(calls, [
        'loadLxcPlan', 'verifyTrust', 'ensureLxcTemplateReady', 'ensureContainerDefined', 'applyConfigurations', 'applySharedVolumes', 'startContainer',
        'applyFeature:nvidia', 'applyFeature:docker', 'runApplicationScript', 'runHealthCheck', 'createTemplateSnapshot',
      ]);
      assert.equal(result.template, true);
      assert.deepEqual(result.steps.map((s: { name: string }) => s.name), [
        'ensure_parent_template', 'ensure_container_defined', 'apply_configurations', 'apply_shared_volumes', 'start_container',
        'apply_features:nvidia', 'apply_features:docker', 'run_application_script', 'run_health_check', 'create_template_snapshot',
      ]);
      const progress = await handle.query(progressQuery);
      const states = Object.fromEntries(progress.steps.map((s) => [s.name, s.state]));
      assert.equal(states['create_pre_configured_snapshot'], 'skipped', 'a template returns to its template snapshot instead');
      for (const [name, state] of Object.entries(states)) if (name !== 'create_pre_configured_snapshot') assert.equal(state, 'done', `${name} is done`);
    });
  });

  it('a leaf from an ostemplate with nothing to run: each step it does not need is skipped with its reason', { timeout: 60_000 }, async () => {
    const p: LxcPlan = { ...plan(302), reconfigureSnapshot: 'pre-configured' };
    const { calls, activities } = recordingStubs(p);
    await t.withWorker(activities, async (taskQueue) => {
      const handle = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-302', args: [{ ctid: 302 }] });
      const result = await handle.result();
      assert.equal(result.template, false);
      assert.deepEqual(calls, ['loadLxcPlan', 'verifyTrust', 'ensureContainerDefined', 'applyConfigurations', 'createPreConfiguredSnapshot', 'applySharedVolumes', 'startContainer']);
      const progress = await handle.query(progressQuery);
      const skipped = Object.fromEntries(progress.steps.filter((s) => s.state === 'skipped').map((s) => [s.name, s.summary]));
      assert.deepEqual(skipped, {
        ensure_parent_template: 'created from an ostemplate',
        apply_features: 'no features',
        run_application_script: 'no application script',
        run_health_check: 'no health checks',
        create_template_snapshot: 'not a template',
      });
    });
  });

  it('a feature that fails: the run fails naming the step, the steps after it never run', { timeout: 60_000 }, async () => {
    const p: LxcPlan = { ...plan(303), features: [{ name: 'base_setup', env: {} }, { name: 'docker', env: {} }, { name: 'ollama', env: {} }] } as LxcPlan;
    const { calls, activities } = recordingStubs(p, { activity: 'applyFeature', feature: 'docker' });
    await t.withWorker(activities, async (taskQueue) => {
      const handle = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-303', args: [{ ctid: 303 }] });
      const err = await handle.result().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError, `the run fails, got ${String(err)}`);
      assert.equal((await handle.describe()).status.name, 'FAILED');
      assert.equal(calls.at(-1), 'applyFeature:docker');
      assert.ok(!calls.includes('applyFeature:ollama'), 'nothing after the failed step ran');
      const progress = await handle.query(progressQuery);
      const failed = progress.steps.filter((s) => s.state === 'failed');
      assert.deepEqual(failed.map((s) => s.name), ['apply_features:docker']);
      assert.match(String(failed[0]!.error), /applyFeature:docker refused by the stub/);
      assert.equal(progress.steps.find((s) => s.name === 'apply_features:base_setup')?.state, 'done');
      assert.equal(progress.steps.find((s) => s.name === 'apply_features:ollama')?.state, 'pending');
    });
  });
});
