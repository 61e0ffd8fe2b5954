// Orchestration on a local Temporal with stub activities, in seconds. provisionLxc: the steps
// in their order, each skip with its reason, one step per feature in the configured order, and
// a failing step reported by name with nothing after it run. phoenixUp: a guest starts once its
// prerequisites succeeded, independent branches run side by side up to the per-node limit,
// never two clones of one source at once, and a failure stops only its dependants. What the
// activities do against a host is tested against phoenix-sim elsewhere (test/e2e/, test/reliability/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { waitFor } from 'phoenix-sim';
import { cloneLockStateQuery, cloneLockWorkflowId } from '../../src/shared/clone-lock';
import { progressQuery } from '../../src/shared/progress';
import type { PhoenixUpInput, PhoenixUpResult, UpNode } from '../../src/shared/phoenix-up';
import type { CloneTaskHooks } from '../../src/activities/common/clone-task-hooks';
import { deferred, lockWaiters, withCloneSlots, plan, startWorkflowTestEnv, within, type WorkflowTestEnv } from './workflow-env';

/** Every provisioning activity as a stub that records its name (and the feature's) and succeeds. */
function recordingStubs(client: Client, p: LxcPlan, fail?: { activity: string; feature?: string }) {
  const calls: string[] = [];
  const step = (name: string) => async (arg?: { feature?: { name: string } }) => {
    const label = arg?.feature ? `${name}:${arg.feature.name}` : name;
    calls.push(label);
    if (fail && fail.activity === name && (fail.feature === undefined || fail.feature === arg?.feature?.name)) {
      throw ApplicationFailure.nonRetryable(`${label} refused by the stub`, 'PhoenixGuestScriptFailed');
    }
    return { changed: true, summary: `${label} ok` };
  };
  const activities = withCloneSlots(client, {
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
  });
  return { calls, activities };
}

/**
 * Stubs for phoenixUp's children: each guest's plan from `plans`; ensureContainerDefined runs
 * `define(ctid)` and records which guests were defining at once; `failIn` fails that guest's
 * configuration step for good.
 */
function fleetStubs(client: Client, plans: Map<number, LxcPlan>, define: (ctid: number) => Promise<void>, failIn?: number) {
  const defining = new Set<number>();
  const overlaps: number[][] = [];
  const order: number[] = [];
  const ok = async () => ({ changed: false, summary: 'ok' });
  return {
    order,
    overlaps,
    activities: withCloneSlots(client, {
      loadLxcPlan: async ({ ctid }: { ctid: number }) => plans.get(ctid)!,
      verifyTrust: async () => ({ summary: 'trusted', cached: true }),
        ensureLxcTemplateReady: ok,
      // As a real define step: a clone granted ahead sends its request once the slot is free (mayClone; no hooks outside a slot).
      async ensureContainerDefined(p: LxcPlan, cloneTask?: CloneTaskHooks) {
        await cloneTask?.mayClone();
        order.push(p.ctid);
        defining.add(p.ctid);
        overlaps.push([...defining].sort());
        try {
          await define(p.ctid);
        } finally {
          defining.delete(p.ctid);
        }
        return { changed: true, summary: 'created' };
      },
      async applyConfigurations(p: LxcPlan) {
        if (p.ctid === failIn) throw ApplicationFailure.nonRetryable(`CT ${p.ctid}: bad parameter (stub)`, 'PhoenixBadParameter');
        return ok();
      },
      createPreConfiguredSnapshot: ok,
      applySharedVolumes: ok,
      startContainer: ok,
      createTemplateSnapshot: ok,
    }),
  };
}

const lxcNode = (id: number, extra: Partial<UpNode> = {}): UpNode => ({ id, kind: 'lxc', prerequisites: [], node: 'pve', startAtBoot: false, bootOrder: 0, ...extra });
const template = (ctid: number): LxcPlan => ({ ...plan(ctid), templateSnapshot: 'base' });
const cloneOf = (ctid: number, parent: number): LxcPlan => ({ ...plan(ctid), source: { kind: 'clone', parentCtid: parent, parentSnapshot: 'base' } });

// One local Temporal for every test in this file.
let t: WorkflowTestEnv;
before(async () => {
  t = await startWorkflowTestEnv();
});
after(async () => {
  await t?.close();
});

describe('provisionLxc orchestration (workflow logic)', () => {
  it('a template cloned from its parent: every step in order, one per feature in the configured order', { timeout: 60_000 }, async () => {
    const p: LxcPlan = {
      ...plan(301),
      source: { kind: 'clone', parentCtid: 300, parentSnapshot: 'base' },
      templateSnapshot: 'gpu',
      features: [{ name: 'nvidia', env: {} }, { name: 'docker', env: {} }],
      application: { script: 'app.sh', env: {} },
      healthChecks: [{ name: 'up', command: 'true', retries: 1, intervalSeconds: 1 }],
    } as LxcPlan;
    const { calls, activities } = recordingStubs(t.env.client, p);
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
    const { calls, activities } = recordingStubs(t.env.client, p);
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
    const { calls, activities } = recordingStubs(t.env.client, p, { activity: 'applyFeature', feature: 'docker' });
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

describe('phoenixUp scheduling (workflow logic)', () => {
  it('parents first; independent guests side by side within the per-node limit; clones of one source one at a time', { timeout: 90_000 }, async () => {
    // 410 and 420 are independent templates; 411 and 412 clone 410. With a limit of 2, 410 and
    // 420 start together (410's definition waits until 420's has begun: a run that serialised
    // them would time out here), 411 and 412 wait for 410 and then never define at once: the
    // first to clone holds its definition until the other is queued for 410's clone slot (a
    // sibling started beside it would be defining instead, and the wait would time out).
    const plans = new Map([[410, template(410)], [420, template(420)], [411, cloneOf(411, 410)], [412, cloneOf(412, 410)]]);
    const began420 = deferred<void>();
    const lock410 = t.env.client.workflow.getHandle(cloneLockWorkflowId('pve', 410));
    const queuedFor410 = (ctid: number) => async () =>
      lockWaiters(await lock410.query(cloneLockStateQuery)).includes(`phoenix-lxc-${ctid}`) || undefined;
    let firstClone: number | undefined;
    const stubs = fleetStubs(t.env.client, plans, async (ctid) => {
      if (ctid === 420) began420.resolve(undefined);
      if (ctid === 410) await within(30_000, "420's definition to begin while 410's runs", began420.promise);
      if ((ctid === 411 || ctid === 412) && firstClone === undefined) {
        firstClone = ctid;
        const sibling = ctid === 411 ? 412 : 411;
        await waitFor(`${sibling} to queue for 410's clone slot while ${ctid} clones`, queuedFor410(sibling), 30_000, 50);
      }
    });
    const input: PhoenixUpInput = {
      concurrencyPerNode: 2,
      nodes: [lxcNode(410), lxcNode(420), lxcNode(411, { parent: 410, prerequisites: [410] }), lxcNode(412, { parent: 410, prerequisites: [410] })],
    };
    await t.withWorker(stubs.activities, async (taskQueue) => {
      const result: PhoenixUpResult = await t.env.client.workflow.execute('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-schedule', args: [input] });
      assert.deepEqual(result.succeeded.map((s) => s.id).sort(), [410, 411, 412, 420]);
      assert.deepEqual([result.failed, result.skipped], [[], []]);
      assert.deepEqual(stubs.order.slice(0, 2).sort(), [410, 420], 'the two roots start first');
      for (const set of stubs.overlaps) {
        assert.ok(set.length <= 2, `at most 2 guests at once on the node: ${JSON.stringify(stubs.overlaps)}`);
        assert.ok(!(set.includes(411) && set.includes(412)), `two clones of 410 at once: ${JSON.stringify(stubs.overlaps)}`);
        if (set.includes(411) || set.includes(412)) assert.ok(!set.includes(410), 'a clone waits for its parent');
      }
    });
  });

  it('within a node limit of one, a template with guests after it starts before a leaf with a lower id', { timeout: 90_000 }, async () => {
    // 441 is a leaf; 449 is a template that 450 clones. With one slot, ascending ids would start
    // 441 first and leave 450's whole chain queued behind it; the guest with guests after it goes first.
    const plans = new Map([[441, plan(441)], [449, template(449)], [450, cloneOf(450, 449)]]);
    const stubs = fleetStubs(t.env.client, plans, async () => {});
    const input: PhoenixUpInput = {
      concurrencyPerNode: 1,
      nodes: [lxcNode(441), lxcNode(449), lxcNode(450, { parent: 449, prerequisites: [449] })],
    };
    await t.withWorker(stubs.activities, async (taskQueue) => {
      const result: PhoenixUpResult = await t.env.client.workflow.execute('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-start-order', args: [input] });
      assert.deepEqual(result.succeeded.map((s) => s.id).sort(), [441, 449, 450]);
      assert.equal(stubs.order[0], 449, `the template starts first: ${stubs.order.join(', ')}`);
      assert.ok(stubs.overlaps.every((set) => set.length <= 1), `one guest at a time: ${JSON.stringify(stubs.overlaps)}`);
    });
  });

  it('a failure stops only its dependants, which are reported skipped with what blocked them', { timeout: 90_000 }, async () => {
    // 431 fails; 432 depends on it (skipped), 433 on 432 (skipped, blocked by the skipped 432); 434 is independent.
    const plans = new Map([[431, plan(431)], [432, plan(432)], [433, plan(433)], [434, plan(434)]]);
    const stubs = fleetStubs(t.env.client, plans, async () => {}, 431);
    const input: PhoenixUpInput = {
      nodes: [lxcNode(431), lxcNode(432, { prerequisites: [431] }), lxcNode(433, { prerequisites: [432] }), lxcNode(434, { startAtBoot: true, bootOrder: 1 })],
    };
    await t.withWorker(stubs.activities, async (taskQueue) => {
      const result: PhoenixUpResult = await t.env.client.workflow.execute('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-failure', args: [input] });
      assert.deepEqual(result.succeeded.map((s) => s.id), [434]);
      assert.deepEqual(result.failed.map((f) => [f.id, f.step]), [[431, 'apply_configurations']]);
      assert.match(result.failed[0]!.reason, /CT 431: bad parameter \(stub\)/);
      assert.deepEqual(result.skipped, [{ id: 432, kind: 'lxc', blockedBy: [431] }, { id: 433, kind: 'lxc', blockedBy: [432] }]);
      assert.deepEqual(result.bootOrder, [434]);
      assert.ok(!stubs.order.includes(432) && !stubs.order.includes(433), 'nothing blocked was started');
    });
  });
});
