// Window 8: the long waits ride out a flaky host. Under 50% injected API errors on the guest
// agent, VM 8000's cloud-init wait used to run out of retries; under 50% SSH drops a health
// probe did. Each now completes within one attempt: a read that got no answer is read again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLxcActivities } from '../../src/activities/lxc';
import { createVmActivities } from '../../src/activities/vm';
import { vmPlanOptionsFromEnv } from '../../src/planning/vm';
import { attempt, startActivityWorld, type ActivityWorld } from './activity-world';

describe('long waits under 50% faults', { timeout: 300_000 }, () => {
  let world: ActivityWorld;
  before(async () => {
    world = await startActivityWorld();
  });
  after(async () => world?.close());

  test('cloud-init wait of VM 8000 with half the guest-agent calls failing: one attempt', { timeout: 200_000 }, async () => {
    const vm = createVmActivities(world.deps(), vmPlanOptionsFromEnv({}));
    const plan = (await attempt(() => vm.loadVmPlan({ vmid: 8000 }))).result!;
    for (const step of [vm.ensureVmDefined, vm.applyVmConfigurations, vm.startVm, vm.waitForGuestAgent]) assert.ifError((await attempt(() => step(plan))).error);
    world.faults([{ target: 'api', match: '/\\/qemu\\/8000\\/agent\\//', kind: 'http-error', status: 500, rate: 0.5 }], 8);
    const r = await attempt(() => vm.waitForCloudInit(plan));
    world.faults([]);
    assert.ifError(r.error);
  });

  test('health probe with half the SSH commands dropping the connection: one attempt', { timeout: 120_000 }, async () => {
    const lxc = createLxcActivities(world.deps());
    const plan = (await attempt(() => lxc.loadLxcPlan({ ctid: 900 }))).result!;
    for (const step of [lxc.ensureContainerDefined, lxc.startContainer]) assert.ifError((await attempt(() => step(plan))).error);
    world.faults([{ target: 'ssh', match: 'pct exec *', kind: 'disconnect', afterMs: 0, rate: 0.5 }], 8);
    const checks = [1, 2, 3, 4, 5, 6].map((i) => ({ name: `probe-${i}`, command: 'true', retries: 2, intervalSeconds: 1 }));
    const r = await attempt(() => lxc.runHealthCheck({ ...plan, healthChecks: checks }));
    world.faults([]);
    assert.ifError(r.error);
    assert.match(r.result!.summary, /healthy: probe-1, .*probe-6/);
  });
});
