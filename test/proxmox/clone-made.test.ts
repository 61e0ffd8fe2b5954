// A clone granted before the previous clone's task was known watches PVE with waitForCloneToEnd:
// it resolves once the previous clone's guest is there and unlocked and the source is unlocked,
// so the next clone of the source is accepted at once; not while that guest is absent or still
// being made; an abort ends it at once. Against phoenix-sim's API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import { waitForCloneToEnd } from '../../src/activities/lifecycle/clone-made';
import type { PveClient } from '../../src/proxmox/client';
import type { CloneTarget } from '../../src/shared/clone-lock';
import { createCt, startSim, tokenClient } from './sim-harness';

let sim: RunningSimulator;
let pve: PveClient;
let source: CloneTarget;
const ct = (id: number): CloneTarget => ({ kind: 'lxc', node: sim.node, id });

before(async () => {
  sim = await startSim();
  pve = tokenClient(sim);
  await createCt(pve, sim.node, 500);
  await pve.node(sim.node).lxc(500).convertToTemplate({ pollMs: 50 });
  source = ct(500);
});
after(async () => {
  await pve.close();
  await sim.close();
});

test('waits while the guest is absent and while its clone runs; then the source takes the next clone', { timeout: 30_000 }, async () => {
  let ended = false;
  const watching = waitForCloneToEnd(pve, source, ct(501), new AbortController().signal).then(() => {
    ended = true;
  });
  // Absent: the holder has not sent its clone yet. Several looks go by without an answer.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ended, false, 'ended while the guest was absent');
  const tpl = pve.node(sim.node).lxc(500);
  const upid = await tpl.clone({ newid: 501, hostname: 'ct501' });
  assert.equal((await pve.tasks.status(upid)).status, 'running');
  assert.equal(ended, false, 'ended while the clone ran');
  await watching;
  assert.equal((await pve.node(sim.node).lxc(501).config()).lock, undefined);
  // The source is free: the next clone is accepted, not refused as locked.
  await pve.tasks.wait(await tpl.clone({ newid: 502, hostname: 'ct502' }), { pollMs: 50 });
});

test('an abort ends the wait at once with its reason', { timeout: 30_000 }, async () => {
  const abort = new AbortController();
  const waiting = waitForCloneToEnd(pve, source, ct(509), abort.signal);
  const reason = new Error('cancelled by the test');
  abort.abort(reason);
  assert.equal(await waiting.catch((e: unknown) => e), reason);
});
