// Issue 10, item 3: a leaf container takes the snapshot `reconfigure` returns to (the original's
// `pre-configured`) once, right after apply_configurations and before shared volumes, features
// and the application script; a converged run finds it and takes nothing; a template keeps its
// template snapshot and takes no reconfigure snapshot. Phoenix's real provisionLxc on a local
// Temporal, activities stubbed with an in-memory snapshot list.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { progressQuery } from '../../src/shared/progress';
import type { ProvisionLxcResult } from '../../src/workflows/lxc/provision-lxc';
import { plan, startWorkflowTestEnv, type WorkflowTestEnv } from './workflow-env';

/** Stubs that record the order of the steps and keep snapshots in memory, like PVE would. */
function recordingStubs(planned: LxcPlan) {
  const calls: string[] = [];
  const snapshots = new Set<string>();
  const step = (name: string) => async () => {
    calls.push(name);
    return { changed: false, summary: 'ok' };
  };
  const take = (name: string | undefined, what: string) => {
    calls.push(what);
    if (!name) return { changed: false, summary: 'none' };
    if (snapshots.has(name)) return { changed: false, summary: `snapshot '${name}' exists` };
    snapshots.add(name);
    return { changed: true, summary: `snapshot '${name}' taken` };
  };
  const activities = {
    loadLxcPlan: async () => planned,
    verifyTrust: async () => ({ summary: 'trusted', cached: true }),
    ensureContainerDefined: step('ensureContainerDefined'),
    applyConfigurations: step('applyConfigurations'),
    applySharedVolumes: step('applySharedVolumes'),
    startContainer: step('startContainer'),
    applyFeature: step('applyFeature'),
    runApplicationScript: step('runApplicationScript'),
    runHealthCheck: step('runHealthCheck'),
    createPreConfiguredSnapshot: async (p: LxcPlan) => take(p.reconfigureSnapshot, 'createPreConfiguredSnapshot'),
    createTemplateSnapshot: async (p: LxcPlan) => take(p.templateSnapshot, 'createTemplateSnapshot'),
  };
  return { calls, snapshots, activities };
}

const leaf = (ctid: number): LxcPlan => ({
  ...plan(ctid),
  reconfigureSnapshot: 'before-apps',
  sharedVolumes: [{ name: 'models', hostPath: '/srv/models', mountPath: '/models' }],
  features: [{ name: 'base_setup', env: {} }],
  application: { script: 'vllm.sh', env: {} },
});

describe('the reconfigure snapshot of a leaf (workflow logic)', () => {
  let t: WorkflowTestEnv;

  before(async () => {
    t = await startWorkflowTestEnv();
  });

  after(async () => {
    await t?.close();
  });

  it('is taken once, after apply_configurations and before shared volumes, features and the app; a converged run finds it', { timeout: 60_000 }, async () => {
    const stubs = recordingStubs(leaf(950));
    await t.withWorker(stubs.activities, async (taskQueue) => {
      const run = () => t.env.client.workflow.execute('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-950', args: [{ ctid: 950 }] }) as Promise<ProvisionLxcResult>;
      const first = await run();
      assert.deepEqual(stubs.calls, [
        'ensureContainerDefined',
        'applyConfigurations',
        'createPreConfiguredSnapshot',
        'applySharedVolumes',
        'startContainer',
        'applyFeature',
        'runApplicationScript',
      ]);
      assert.deepEqual(first.steps.find((s) => s.name === 'create_pre_configured_snapshot'), { name: 'create_pre_configured_snapshot', changed: true, summary: "snapshot 'before-apps' taken" });
      assert.deepEqual([...stubs.snapshots], ['before-apps']);

      stubs.calls.length = 0;
      const handle = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-950', args: [{ ctid: 950 }] });
      const second = (await handle.result()) as ProvisionLxcResult;
      assert.deepEqual(second.steps.find((s) => s.name === 'create_pre_configured_snapshot'), { name: 'create_pre_configured_snapshot', changed: false, summary: "snapshot 'before-apps' exists" });
      assert.deepEqual([...stubs.snapshots], ['before-apps'], 'nothing retaken');
      assert.ok(!stubs.calls.includes('createTemplateSnapshot'), 'a leaf takes no template snapshot');
      const progress = await handle.query(progressQuery);
      assert.deepEqual(progress.steps.map((s) => s.name).slice(0, 6), ['load_plan', 'ensure_parent_template', 'ensure_container_defined', 'apply_configurations', 'create_pre_configured_snapshot', 'apply_shared_volumes']);
      assert.equal(progress.steps.find((s) => s.name === 'create_pre_configured_snapshot')?.state, 'done');
    });
  });

  it('a template takes its template snapshot and no reconfigure snapshot', { timeout: 60_000 }, async () => {
    const stubs = recordingStubs({ ...plan(900), templateSnapshot: 'golden' });
    await t.withWorker(stubs.activities, async (taskQueue) => {
      const handle = await t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-900', args: [{ ctid: 900 }] });
      await handle.result();
      assert.ok(!stubs.calls.includes('createPreConfiguredSnapshot'), stubs.calls.join(', '));
      assert.deepEqual([...stubs.snapshots], ['golden']);
      const step = (await handle.query(progressQuery)).steps.find((s) => s.name === 'create_pre_configured_snapshot');
      assert.deepEqual([step?.state, step?.summary], ['skipped', 'a template: reconfigure returns to its template snapshot']);
    });
  });
});
