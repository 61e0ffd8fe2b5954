// A container's config rewritten over SSH (raw lxc.* lines) while the connection drops: found
// by the reliability suite (20% SSH drops). `cat > <conf>` truncated the file before the content
// arrived, and the container lost its rootfs, network and the rest of its config.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLxcActivities } from '../../src/activities/lxc';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { attempt, startActivityWorld, type ActivityWorld } from './activity-world';

describe('a config write cut off by a dropped SSH connection', { timeout: 120_000 }, () => {
  let world: ActivityWorld;
  before(async () => {
    world = await startActivityWorld();
  });
  after(async () => world?.close());

  test('leaves the container config whole; the retry adds the line', { timeout: 60_000 }, async () => {
    const lxc = createLxcActivities(world.deps());
    const plan = (await attempt(() => lxc.loadLxcPlan({ ctid: 900 }))).result!;
    assert.ifError((await attempt(() => lxc.ensureContainerDefined(plan))).error);
    const edited: LxcPlan = { ...plan, lxcOptions: [...plan.lxcOptions, ['lxc.environment', 'PHOENIX_CONF=1']] };
    world.faults([{ target: 'ssh', match: '/> .*900\\.conf/', kind: 'disconnect', afterMs: 0, times: 1 }]);
    const first = await attempt(() => lxc.applyConfigurations(edited));
    const config = () => world.sim.state.guests.get(900)?.config ?? {};
    assert.ok(config().rootfs && config().hostname, `the config kept its rootfs and hostname after the drop: ${JSON.stringify(config())} (${first.error?.message})`);
    world.faults([]);
    const second = await attempt(() => lxc.applyConfigurations(edited), { attempt: 2 });
    assert.ifError(second.error);
    assert.ok(config().rootfs && config().hostname, JSON.stringify(config()));
  });
});
