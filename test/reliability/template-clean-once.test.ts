// Window 4: converting VM 8000 to a template boots, cleans and shuts it down once. A worker
// killed after the shutdown (its throttled "cleaned" heartbeat lost with it) used to boot,
// clean and shut the VM down again on the retry: the cleaning is now recorded on the VM itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createVmActivities } from '../../src/activities/vm';
import { vmPlanOptionsFromEnv } from '../../src/planning/vm';
import type { VmPlan } from '../../src/shared/vm-plan';
import { attempt, startActivityWorld, type ActivityWorld } from './activity-world';

describe('template conversion cleans the guest once', { timeout: 240_000 }, () => {
  let world: ActivityWorld;
  let vm: ReturnType<typeof createVmActivities>;
  let plan: VmPlan;

  before(async () => {
    world = await startActivityWorld();
    vm = createVmActivities(world.deps(), vmPlanOptionsFromEnv({}));
    plan = (await attempt(() => vm.loadVmPlan({ vmid: 8000 }))).result!;
    for (const step of [vm.ensureVmDefined, vm.applyVmConfigurations, vm.startVm, vm.waitForGuestAgent]) {
      const r = await attempt(() => step(plan));
      assert.ifError(r.error);
    }
  });
  after(async () => world?.close());

  test('killed between the shutdown and the conversion, heartbeat lost: no second boot, no second cleaning', { timeout: 180_000 }, async () => {
    const startsBefore = world.ledger('qemu.start', 8000).length;
    world.faults([{ target: 'api', match: 'POST /nodes/*/qemu/8000/template', kind: 'http-error', status: 500, times: 1 }]);
    const first = await attempt(() => vm.convertVmToTemplate(plan));
    assert.ok(first.error, 'the first attempt fails at the conversion');
    assert.equal(world.sim.state.guests.get(8000)?.status, 'stopped', 'the first attempt shut the VM down');
    world.faults([]);
    // The worker died: the retry sees no heartbeat from it.
    const second = await attempt(() => vm.convertVmToTemplate(plan), { attempt: 2, heartbeatDetails: undefined });
    assert.ifError(second.error);
    assert.equal(world.ledger('qemu.start', 8000).length - startsBefore, 0, 'the VM was not booted again');
    const cleanings = world.ledger('agent.exec', 8000).filter((e) => JSON.stringify(e.details).includes('cloud-init'));
    assert.equal(cleanings.length, 1, `cloud-init clean ran ${cleanings.length} times`);
    assert.equal(world.ledger('qemu.template', 8000).length, 1);
  });
});
