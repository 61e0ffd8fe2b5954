// Window 1: a step that writes settings taking effect at the next start (GPU passthrough lines,
// raw lxc.* lines, root-only keys, bind mounts) and then restarts the container must finish that
// restart on a retried attempt, even though the retry finds nothing left to write.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLxcActivities } from '../../src/activities/lxc';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { attempt, quickScriptsRoot, startActivityWorld, type ActivityWorld } from './activity-world';

/** Starts after the last write of the CT's config file (a restart that applies it). */
function startsAfterLastConfWrite(world: ActivityWorld, ctid: number): number {
  const writes = world.ledger('file.write').filter((e) => String(e.details?.path ?? '').includes(`/lxc/${ctid}.conf`));
  const lastWrite = writes.at(-1)?.seq ?? 0;
  return world.ledger('lxc.start', ctid).filter((e) => e.seq > lastWrite).length;
}

describe('a retried step finishes the restart its first attempt needed', { timeout: 180_000 }, () => {
  let world: ActivityWorld;
  let lxc: ReturnType<typeof createLxcActivities>;

  before(async () => {
    world = await startActivityWorld((file) => {
      // 901 (the GPU template) built straight from an ostemplate: no need to build 900 first.
      const ct = file.lxc_configs['901']!;
      delete ct.clone_from_ctid;
      ct.template = file.lxc_configs['900']!.template;
      // 910: a plain container with a raw lxc.* line, a root-only feature flag and a shared volume.
      file.lxc_configs['910'] = {
        ...file.lxc_configs['900']!,
        name: 'restart-probe',
        network_config: { name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.210/24', gw: '10.0.0.1' },
        mac_address: '52:54:00:AA:BB:10',
        features: [],
        template_snapshot_name: undefined,
      };
    });
    lxc = createLxcActivities(world.deps({}, quickScriptsRoot(world.tmp, ['nvidia'])));
  });
  after(async () => world?.close());

  async function runningContainer(ctid: number): Promise<LxcPlan> {
    const plan = (await attempt(() => lxc.loadLxcPlan({ ctid }))).result!;
    for (const step of [lxc.ensureContainerDefined, lxc.startContainer]) {
      const r = await attempt(() => step(plan));
      assert.ifError(r.error);
    }
    return plan;
  }

  test('nvidia: killed between stopping and starting the container (it is stopped), the retry starts it and runs the feature', { timeout: 120_000 }, async () => {
    const plan = await runningContainer(901);
    assert.ok(plan.gpuIndices.length > 0, 'the plan passes a GPU through');
    world.faults([{ target: 'api', match: 'POST /nodes/*/lxc/901/status/start', kind: 'http-error', status: 500, times: 1 }]);
    const input = { plan, feature: plan.features.find((f) => f.name === 'nvidia')!, jobId: 'w1-nvidia' };
    const first = await attempt(() => lxc.applyFeature(input));
    assert.ok(first.error, 'the first attempt fails in the restart');
    world.faults([]);
    const second = await attempt(() => lxc.applyFeature(input), { attempt: 2, heartbeatDetails: first.lastHeartbeat });
    assert.ifError(second.error);
    assert.equal(world.sim.state.guests.get(901)?.status, 'running');
    assert.ok(startsAfterLastConfWrite(world, 901) >= 1, 'the container was started after its GPU lines were written');
  });

  test('nvidia: killed after writing the GPU lines, before the restart (it still runs), the retry restarts it', { timeout: 120_000 }, async () => {
    const plan = await runningContainer(901);
    // A fresh GPU index makes the lines change again.
    const moved: LxcPlan = { ...plan, gpuIndices: [1] };
    world.faults([{ target: 'api', match: 'POST /nodes/*/lxc/901/status/shutdown', kind: 'http-error', status: 500, times: 1 }]);
    const input = { plan: moved, feature: plan.features.find((f) => f.name === 'nvidia')!, jobId: 'w1-nvidia-2' };
    const first = await attempt(() => lxc.applyFeature(input));
    assert.ok(first.error, 'the first attempt fails before the restart');
    world.faults([]);
    const second = await attempt(() => lxc.applyFeature(input), { attempt: 2, heartbeatDetails: first.lastHeartbeat });
    assert.ifError(second.error);
    assert.ok(startsAfterLastConfWrite(world, 901) >= 1, 'the container was restarted after its GPU lines were written');
  });

  test('apply_configurations: a raw lxc.* line written, restart lost; the retry restarts', { timeout: 120_000 }, async () => {
    const plan = await runningContainer(910);
    const edited: LxcPlan = { ...plan, lxcOptions: [...plan.lxcOptions, ['lxc.environment', 'PHOENIX_W1=1']] };
    world.faults([{ target: 'api', match: 'POST /nodes/*/lxc/910/status/shutdown', kind: 'http-error', status: 500, times: 1 }]);
    const first = await attempt(() => lxc.applyConfigurations(edited));
    assert.ok(first.error, 'the first attempt fails before the restart');
    world.faults([]);
    const second = await attempt(() => lxc.applyConfigurations(edited), { attempt: 2 });
    assert.ifError(second.error);
    assert.ok(startsAfterLastConfWrite(world, 910) >= 1, 'the container was restarted after its lxc.* line was written');
  });
});
