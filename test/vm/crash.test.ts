// Worker crashes in the long VM waits: the worker process is killed (SIGKILL) while it waits
// for the guest agent, and the next one while it waits for cloud-init. Each new worker
// resumes the wait (Temporal retries the activity after its heartbeat timeout) and the
// workflow completes; the VM is started once and its first boot runs once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { progressQuery } from '../../src/shared/progress';
import { vmWorkflowId } from '../../src/shared/workflow-ids';
import { REPO_ROOT } from '../../src/temporal/temporal-binary';
import type { ProvisionVmResult } from '../../src/workflows/vm/provision-vm';
import { waitFor } from 'phoenix-sim';
import { spawnWorker, startWorker, startWorld, type VmWorld } from './harness';

let world: VmWorld;
const spawned: Array<ReturnType<typeof spawnWorker>> = [];

before(async () => {
  world = await startWorld((file) => {
    file.vms.push({ vmid: 8003, name: 'crash-vm', clone_from_vmid: 8000, features: ['base_setup'], network_config: { ip: 'dhcp' } });
  });
});

after(async () => {
  for (const w of spawned) await w.kill();
  await world?.close();
});

test('killed while waiting for the guest agent, and again during cloud-init: the workflow completes, the VM starts once', async () => {
  const queue = `vm-crash-${randomUUID()}`;
  // The template first, with an in-process worker, so the crash lands in the clone's waits.
  const builder = await startWorker(world, queue);
  try {
    await world.client.workflow.execute('provisionVm', { workflowId: vmWorkflowId(8000), taskQueue: queue, args: [{ vmid: 8000 }] });
  } finally {
    await builder.stop();
  }

  // A slow first boot: the feature takes 25 s of real time inside the guest.
  const scripts = join(world.tmp, 'scripts');
  cpSync(join(REPO_ROOT, 'features'), join(scripts, 'features'), { recursive: true });
  writeFileSync(join(scripts, 'features', 'vm', 'base_setup.sh'), '#!/usr/bin/env bash\necho "slow setup"\nsleep 25\necho "base_setup done"\n');
  // The guest agent answers 12 s (real) after start; the simulator's durations are live.
  world.sim.state.durations.agentBoot = 240_000;
  // A crashed worker's step is retried after the heartbeat timeout: keep it short here.
  const childEnv = { PHOENIX_TEST_SCRIPTS_ROOT: scripts, PHOENIX_HEARTBEAT_TIMEOUT: '5s' };

  const a = spawnWorker(world, queue, childEnv);
  spawned.push(a);
  const handle = await world.client.workflow.start('provisionVm', { workflowId: vmWorkflowId(8003), taskQueue: queue, args: [{ vmid: 8003 }] });
  const resultPromise = handle.result() as Promise<ProvisionVmResult>;
  resultPromise.catch(() => {});

  // The running step, as the workflow reports it (answered by whichever worker is alive).
  const current = async () => (await handle.query(progressQuery).catch(() => undefined))?.current;
  await waitFor('the guest agent wait on the first worker', async () => (await current()) === 'wait_for_guest_agent' || undefined, 120_000, 200);
  assert.equal(world.sim.ledger({ kind: 'qemu.start', vmid: 8003 }).length, 1);
  await a.kill();

  const b = spawnWorker(world, queue, childEnv);
  spawned.push(b);
  await waitFor('the cloud-init wait on the second worker', async () => (await current()) === 'wait_for_cloud_init' || undefined, 150_000, 200);
  assert.equal(world.sim.ledger({ kind: 'cloudinit.finish', vmid: 8003 }).length, 0, 'the kill must land while the first boot is still running');
  await b.kill();

  const c = spawnWorker(world, queue, childEnv);
  spawned.push(c);
  const result = await resultPromise;
  assert.deepEqual(result.ips, ['10.31.67.10']);
  assert.match(result.steps.find((s) => s.name === 'wait_for_cloud_init')!.summary, /features base_setup done/);

  assert.equal(world.sim.ledger({ kind: 'qemu.start', vmid: 8003 }).length, 1, 'no worker restarted the VM');
  assert.equal(world.sim.ledger({ kind: 'qemu.clone', vmid: 8000 }).length, 1);
  assert.equal(world.sim.ledger({ kind: 'cloudinit.start', vmid: 8003 }).length, 1);
  assert.equal(world.sim.ledger({ kind: 'cloudinit.finish', vmid: 8003 })[0]!.details.status, 'done');

  // Both waits were retried (attempt > 1) after the crashes, not restarted as new steps.
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) typeOf.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
  }
  const attempts = Object.fromEntries(
    events
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => [typeOf.get(String(e.activityTaskStartedEventAttributes!.scheduledEventId)), e.activityTaskStartedEventAttributes!.attempt]),
  );
  assert.ok((attempts.waitForGuestAgent ?? 0) > 1, JSON.stringify(attempts));
  assert.ok((attempts.waitForCloudInit ?? 0) > 1, JSON.stringify(attempts));
  assert.equal(attempts.startVm, 1);
});
