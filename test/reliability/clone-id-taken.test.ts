// A clone granted ahead reads its guest's ID while the previous clone of its source still runs, and
// sends its request only once that clone has ended (CloneTaskHooks.mayClone). A container someone
// makes under that ID in between makes the clone request fail with "already exists", the answer
// Phoenix otherwise takes for its own request re-sent by the HTTP client: it must refuse to adopt
// that container, not report it created.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLxcActivities } from '../../src/activities/lxc';
import { createEnsureContainerDefined } from '../../src/activities/lxc/ensure-container-defined';
import type { CloneTaskHooks } from '../../src/activities/common/clone-task-hooks';
import { attempt, startActivityWorld, type ActivityWorld } from './activity-world';

describe('a clone whose ID is taken while it waits for its clone slot', { timeout: 120_000 }, () => {
  let world: ActivityWorld;
  before(async () => {
    world = await startActivityWorld();
  });
  after(async () => world?.close());

  test('is refused naming the other container, and nothing is cloned', { timeout: 60_000 }, async () => {
    const deps = world.deps();
    const lxc = createLxcActivities(deps);
    const template = (await attempt(() => lxc.loadLxcPlan({ ctid: 900 }))).result!;
    assert.ifError((await attempt(() => lxc.ensureContainerDefined(template))).error);
    assert.ifError((await attempt(() => lxc.createTemplateSnapshot(template))).error);
    const plan = (await attempt(() => lxc.loadLxcPlan({ ctid: 901 }))).result!;
    assert.equal(plan.source.kind, 'clone');

    const pve = await deps.pve();
    const hooks: CloneTaskHooks = {
      // While "the previous clone" runs, someone creates a container under 901.
      async mayClone() {
        const upid = await pve.node(plan.node).createContainer({
          vmid: plan.ctid, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', hostname: 'someone-else', rootfs: `${plan.storage}:2`,
          cores: 1, memory: 512, swap: 0, unprivileged: true, onboot: false, extra: {},
        });
        await pve.tasks.wait(upid, {});
      },
      started: async () => undefined,
      ended: async () => undefined,
    };
    const outcome = await attempt(() => createEnsureContainerDefined(deps)(plan, hooks));
    assert.match(outcome.error?.message ?? `no error: ${JSON.stringify(outcome.result)}`, /CT 901 already exists on pve with hostname 'someone-else', not '[^']+': refusing to adopt another guest/);
    assert.deepEqual(world.ledger('clone', 900), [], 'no clone of 900 was made');
  });
});
