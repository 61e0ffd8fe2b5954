import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import type { PveClient } from '../../src/proxmox/client';
import { PveLocked, PveError } from '../../src/proxmox/errors';
import { decodeSshKeys, encodeSshKeys } from '../../src/proxmox/property-strings';
import { parseUpid } from '../../src/proxmox/upid';
import { apiPath } from '../../src/proxmox/transport';
import { createCt, startSim, tokenClient } from './sim-harness';

let sim: RunningSimulator;
let pve: PveClient;
before(async () => {
  sim = await startSim();
  pve = tokenClient(sim);
});
after(async () => {
  await pve.close();
  await sim.close();
});

test('create returns a UPID of the node, and waiting reports progress until the task is OK', async () => {
  const node = pve.node(sim.node);
  const upid = await node.createContainer({ vmid: 300, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', rootfs: 'local-zfs:4', hostname: 'ct300' });
  const parsed = parseUpid(upid);
  assert.equal(parsed.node, sim.node);
  assert.equal(parsed.type, 'vzcreate');
  const states: string[] = [];
  const result = await pve.tasks.wait(upid, { pollMs: 50, onProgress: (p) => states.push(p.state) });
  assert.equal(result.exitstatus, 'OK');
  assert.ok(states.includes('running'), 'progress was reported while running');
  const cfg = await node.lxc(300).config();
  assert.equal(cfg.hostname, 'ct300');
  assert.equal((await node.lxc(300).presence()).state, 'present');
});

test('start treats "already running" as done; stop treats "not running" as done', async () => {
  const ct = pve.node(sim.node).lxc(300);
  await ct.ensureRunning({ pollMs: 50 });
  assert.equal((await ct.status()).status, 'running');
  assert.deepEqual(await ct.start(), { alreadyRunning: true });
  await ct.ensureRunning({ pollMs: 50 });
  await ct.ensureStopped({}, { pollMs: 50 });
  assert.deepEqual(await ct.stop(), { alreadyStopped: true });
});

test('template conversion (PVE answers null) is waited for via the config, and is idempotent', async () => {
  const ct = pve.node(sim.node).lxc(300);
  const cfg = await ct.convertToTemplate({ pollMs: 50 });
  assert.equal(String(cfg.template), '1');
  await ct.convertToTemplate({ pollMs: 50 });
  assert.equal(sim.ledger({ kind: 'lxc.template', vmid: 300 }).length, 1, 'converted once');
});

test('two concurrent clones of one template: one runs, the other is PveLocked (transient)', async () => {
  const tpl = pve.node(sim.node).lxc(300);
  const results = await Promise.allSettled([tpl.clone({ newid: 301, hostname: 'ct301' }), tpl.clone({ newid: 302, hostname: 'ct302' })]);
  const ok = results.filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled');
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.status)));
  assert.equal(failed.length, 1);
  assert.ok(failed[0]!.reason instanceof PveLocked, String(failed[0]!.reason));
  assert.equal((failed[0]!.reason as PveError).transient, true);
  assert.match((failed[0]!.reason as Error).message, /CT is locked \(disk\)/);

  // A worker that crashed after sending the clone re-attaches to the running task.
  const running = await pve.node(sim.node).tasks.findRunning({ vmid: 300, type: 'vzclone' });
  assert.equal(running?.upid, ok[0]!.value);
  const newid = results[0]!.status === 'fulfilled' ? 301 : 302;
  assert.equal((await pve.node(sim.node).lxc(newid).presence()).state, 'creating');
  await pve.tasks.wait(running!.upid, { pollMs: 50 });
  assert.equal(await pve.node(sim.node).tasks.findRunning({ vmid: 300, type: 'vzclone' }), undefined);
  assert.equal((await pve.node(sim.node).lxc(newid).presence()).state, 'present');
  assert.equal(sim.ledger({ kind: 'lxc.clone' }).length, 1, 'cloned exactly once');
});

test('a failed task throws a classified error with exit status and log tail; the wait does not re-send', async () => {
  const ct = pve.node(sim.node).lxc(300);
  // Snapshots of templates are refused by the task, not the request.
  const upid = await ct.createSnapshot('s1');
  const lxcEventsBefore = sim.ledger({ kind: 'lxc.*' }).length;
  const err = await pve.tasks.wait(upid, { pollMs: 50 }).catch((e: unknown) => e);
  assert.ok(err instanceof PveError, String(err));
  assert.match(err.task?.exitstatus ?? '', /template/);
  assert.ok(err.task!.logTail.length > 0, 'log lines are attached');
  assert.equal(err.transient, false);
  assert.equal(sim.ledger({ kind: 'lxc.*' }).length, lxcEventsBefore, 'waiting changed nothing on the host');
});

test('snapshots: create, list, delete on a regular CT', async () => {
  await createCt(pve, sim.node, 310);
  const ct = pve.node(sim.node).lxc(310);
  await pve.tasks.wait(await ct.createSnapshot('pre-configured', { description: 'after setup' }), { pollMs: 50 });
  assert.deepEqual((await ct.snapshots()).map((s) => s.name), ['pre-configured']);
  await pve.tasks.wait(await ct.deleteSnapshot('pre-configured'), { pollMs: 50 });
  assert.deepEqual(await ct.snapshots(), []);
});

test('only the difference is PUT; root-only keys are returned for SSH', async () => {
  const ct = pve.node(sim.node).lxc(310);
  const diff = await ct.applyDifference({ cores: 2, memory: 512, mp0: '/srv/models,mp=/models,ro=1' });
  assert.deepEqual(diff.api, { cores: 2 });
  assert.deepEqual(Object.keys(diff.rootOnly), ['mp0']);
  assert.ok(diff.unchanged.includes('memory'));
  assert.equal((await ct.config()).cores, 2);
  const again = await ct.applyDifference({ cores: 2, memory: 512 });
  assert.deepEqual(again.api, {});
});

test('sshkeys in PVE double encoding are accepted and come back intact', async () => {
  const vmid = 8001;
  await pve.tasks.wait(
    await pve.http.post<string>(apiPath('nodes', sim.node, 'qemu'), { vmid, name: 'vm8001', memory: 1024, net0: 'virtio,bridge=vmbr0', scsi0: 'local-zfs:4' }),
    { pollMs: 50 },
  );
  const keys = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPg3vJ5X2gJc1nZ0t1x0u0p0b5m7q9r2s4t6u8w0y2z4 ops@phoenix (laptop)'];
  const vm = pve.node(sim.node).qemu(vmid);
  await vm.setCloudInit({ ciuser: 'phoenix', sshkeys: keys, ipconfig: { 0: 'ip=10.0.0.101/24,gw=10.0.0.1' } });
  const cfg = await vm.config();
  assert.deepEqual(decodeSshKeys(String(cfg.sshkeys)), keys);
  assert.equal(cfg.ipconfig0, 'ip=10.0.0.101/24,gw=10.0.0.1');
  // The single-encoded form is what peers get wrong: PVE refuses it.
  const err = await vm.updateConfig({ sshkeys: decodeURIComponent(encodeSshKeys(keys)) }).catch((e: unknown) => e);
  assert.ok(err instanceof PveError && err.paramErrors?.sshkeys, String(err));
});
