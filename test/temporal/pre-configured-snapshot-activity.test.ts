// create_pre_configured_snapshot's activity: it reads the live state first. A present snapshot is
// found and nothing is taken; a missing one is taken once; a container that already has bind
// mounts (provisioned before the step existed) gets a note instead of a failing snapshot task,
// since PVE cannot snapshot bind mounts. The Proxmox side is a recording fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCreatePreConfiguredSnapshot } from '../../src/activities/lxc/create-pre-configured-snapshot';
import type { ProvisioningDeps } from '../../src/activities/common/provisioning-deps';
import type { StepOutcome } from '../../src/shared/progress';
import { plan } from './workflow-env';

function fakeDeps(live: { snapshots: string[]; config: Record<string, string> }) {
  const taken: string[] = [];
  const ct = {
    snapshots: async () => [...live.snapshots, 'current'].map((name) => ({ name })),
    config: async () => live.config,
    createSnapshot: async (name: string) => {
      taken.push(name);
      live.snapshots.push(name);
      return `UPID:pve:snapshot:${name}:`;
    },
  };
  const pve = { node: () => ({ lxc: () => ct }), tasks: { wait: async () => undefined } };
  return { taken, deps: { pve: async () => pve } as unknown as ProvisioningDeps };
}

const leaf = { ...plan(950), reconfigureSnapshot: 'pre-configured' };

test('takes a missing snapshot once, then finds it', { timeout: 10_000 }, async () => {
  const { taken, deps } = fakeDeps({ snapshots: [], config: { rootfs: 'local-zfs:subvol-950-disk-0,size=8G' } });
  const activity = createCreatePreConfiguredSnapshot(deps);
  const env = new MockActivityEnvironment();
  assert.deepEqual(await env.run(activity, leaf), { changed: true, summary: "snapshot 'pre-configured' taken" });
  assert.deepEqual(await env.run(activity, leaf), { changed: false, summary: "snapshot 'pre-configured' exists" });
  assert.deepEqual(taken, ['pre-configured']);
});

test('a container that already has bind mounts gets a note, not a failing snapshot task', { timeout: 10_000 }, async () => {
  const { taken, deps } = fakeDeps({ snapshots: [], config: { rootfs: 'local-zfs:subvol-950-disk-0,size=8G', mp0: '/var/lib/phoenix/shared/vllm_models,mp=/vllm_models' } });
  const outcome: StepOutcome = await new MockActivityEnvironment().run(createCreatePreConfiguredSnapshot(deps), leaf);
  assert.equal(outcome.changed, false);
  assert.match(outcome.summary, /not taken: PVE cannot snapshot a container with bind mounts/);
  assert.deepEqual(taken, []);
});

test('a storage-backed mount point is no bind mount: the snapshot is taken', { timeout: 10_000 }, async () => {
  const { taken, deps } = fakeDeps({ snapshots: [], config: { mp0: 'local-zfs:subvol-950-disk-1,mp=/data,size=8G' } });
  await new MockActivityEnvironment().run(createCreatePreConfiguredSnapshot(deps), leaf);
  assert.deepEqual(taken, ['pre-configured']);
});
