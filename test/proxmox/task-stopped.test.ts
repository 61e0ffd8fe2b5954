// A clone granted ahead waits for the previous clone's task with waitForTaskToStop: it resolves
// when the task has stopped whatever its exit status (a failed task frees the source too), where
// tasks.wait throws; an abort ends it at once. Against phoenix-sim's API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import { waitForTaskToStop } from '../../src/activities/lifecycle/task-stopped';
import type { PveClient } from '../../src/proxmox/client';
import { PveError } from '../../src/proxmox/errors';
import { createCt, startSim, tokenClient } from './sim-harness';

let sim: RunningSimulator;
let pve: PveClient;
before(async () => {
  sim = await startSim();
  pve = tokenClient(sim);
  await createCt(pve, sim.node, 400);
  await pve.node(sim.node).lxc(400).convertToTemplate({ pollMs: 50 });
});
after(async () => {
  await pve.close();
  await sim.close();
});

test('resolves once the clone task has stopped; the source then takes the next clone', { timeout: 30_000 }, async () => {
  const tpl = pve.node(sim.node).lxc(400);
  const upid = await tpl.clone({ newid: 401, hostname: 'ct401' });
  assert.equal((await pve.tasks.status(upid)).status, 'running');
  await waitForTaskToStop(pve, upid, new AbortController().signal);
  assert.equal((await pve.tasks.status(upid)).status, 'stopped');
  await pve.tasks.wait(await tpl.clone({ newid: 402, hostname: 'ct402' }), { pollMs: 50 });
});

test('resolves for a failed task too, where tasks.wait throws', { timeout: 30_000 }, async () => {
  // Snapshots of templates are refused by the task, not the request.
  const upid = await pve.node(sim.node).lxc(400).createSnapshot('s1');
  await waitForTaskToStop(pve, upid, new AbortController().signal);
  const status = await pve.tasks.status(upid);
  assert.equal(status.status, 'stopped');
  assert.notEqual(status.exitstatus, 'OK');
  assert.ok((await pve.tasks.wait(upid, { pollMs: 50 }).catch((e: unknown) => e)) instanceof PveError);
});

test('an abort ends the wait at once with its reason', { timeout: 30_000 }, async () => {
  const upid = await pve.node(sim.node).lxc(400).clone({ newid: 403, hostname: 'ct403' });
  const abort = new AbortController();
  const waiting = waitForTaskToStop(pve, upid, abort.signal);
  const reason = new Error('cancelled by the test');
  abort.abort(reason);
  assert.equal(await waiting.catch((e: unknown) => e), reason);
  assert.equal((await pve.tasks.status(upid)).status, 'running', 'aborted before the task ended');
  await pve.tasks.wait(upid, { pollMs: 50 });
});
