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
import type { ProvisionVmResult } from '../../src/workflows/vm/provision-vm';
import { waitFor } from 'phoenix-sim';
import { REPO } from '../../scripts/lib/stack';
import { startVmStack, type VmStack } from './vm-stack';

let world: VmStack;

before(async () => {
  world = await startVmStack((file) => {
    file.vms.push({ vmid: 8003, name: 'crash-vm', clone_from_vmid: 8000, features: ['base_setup'], network_config: { ip: 'dhcp' } });
  });
});

after(async () => {
  await world?.close();
});

test('killed while waiting for the guest agent, and again during cloud-init: the workflow completes, the VM starts once', { timeout: 420_000 }, async () => {
  const queue = `vm-crash-${randomUUID()}`;
  // The template first, with a worker of its own, so the crash lands in the clone's waits.
  const builder = await world.startWorker(queue);
  try {
    await world.client.workflow.execute('provisionVm', { workflowId: vmWorkflowId(8000), taskQueue: queue, args: [{ vmid: 8000 }] });
  } finally {
    await builder.stop();
  }

  // A slow first boot: the feature takes 25 s of real time inside the guest.
  const scripts = join(world.tmp, 'scripts');
  cpSync(join(REPO, 'features'), join(scripts, 'features'), { recursive: true });
  writeFileSync(join(scripts, 'features', 'vm', 'base_setup.sh'), '#!/usr/bin/env bash\necho "slow setup"\nsleep 25\necho "base_setup done"\n');
  // The guest agent answers 12 s (real) after start; the simulator's durations are live.
  await world.stack.setDurations({ agentBoot: 240_000 });
  // A crashed worker's step is retried after the heartbeat timeout: keep it short here.
  const workerEnv = { PHOENIX_SCRIPTS_DIR: scripts, PHOENIX_HEARTBEAT_TIMEOUT: '5s' };

  const a = await world.startWorker(queue, workerEnv);
  const handle = await world.client.workflow.start('provisionVm', { workflowId: vmWorkflowId(8003), taskQueue: queue, args: [{ vmid: 8003 }] });
  const resultPromise = handle.result() as Promise<ProvisionVmResult>;
  resultPromise.catch(() => {});

  // The running step, as the workflow reports it (answered by whichever worker is alive).
  const current = async () => (await handle.query(progressQuery).catch(() => undefined))?.current;
  await waitFor('the guest agent wait on the first worker', async () => (await current()) === 'wait_for_guest_agent' || undefined, 120_000, 200);
  assert.equal((await world.ledger({ kind: 'qemu.start', vmid: 8003 })).length, 1);
  await a.kill9();

  const b = await world.startWorker(queue, workerEnv);
  await waitFor('the cloud-init wait on the second worker', async () => (await current()) === 'wait_for_cloud_init' || undefined, 150_000, 200);
  assert.equal((await world.ledger({ kind: 'cloudinit.finish', vmid: 8003 })).length, 0, 'the kill must land while the first boot is still running');
  await b.kill9();

  await world.startWorker(queue, workerEnv);
  const result = await resultPromise;
  assert.deepEqual(result.ips, ['10.31.67.10']);
  assert.match(result.steps.find((s) => s.name === 'wait_for_cloud_init')!.summary, /features base_setup done/);

  assert.equal((await world.ledger({ kind: 'qemu.start', vmid: 8003 })).length, 1, 'no worker restarted the VM');
  assert.equal((await world.ledger({ kind: 'qemu.clone', vmid: 8000 })).length, 1);
  assert.equal((await world.ledger({ kind: 'cloudinit.start', vmid: 8003 })).length, 1);
  assert.equal((await world.ledger({ kind: 'cloudinit.finish', vmid: 8003 }))[0]!.details.status, 'done');

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
