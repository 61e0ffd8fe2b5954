import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import type { PveClient } from '../../src/proxmox/client';
import { SshAuthFailed, SshCommandFailed, SshHostKeyMismatch } from '../../src/ssh/errors';
import { commandRunner } from '../../src/ssh/exec';
import { createPct } from '../../src/ssh/pct';
import type { SshConnection } from '../../src/ssh/connection';
import { createCt, tokenClient } from '../proxmox/sim-harness';
import { connect, startSimWithSsh } from './ssh-harness';

let sim: RunningSimulator;
let pve: PveClient;
let conn: SshConnection;
const CT = 400;

before(async () => {
  sim = await startSimWithSsh();
  pve = tokenClient(sim);
  await createCt(pve, sim.node, CT);
  await pve.node(sim.node).lxc(CT).ensureRunning({ pollMs: 50 });
  conn = await connect(sim);
});
after(async () => {
  conn?.close();
  await pve?.close();
  await sim?.close();
});

test('a host key other than the pinned one is refused with both fingerprints named', async () => {
  const wrong = 'SHA256:' + 'A'.repeat(43);
  const err = await connect(sim, { hostKey: { sha256: wrong } }).catch((e: unknown) => e);
  assert.ok(err instanceof SshHostKeyMismatch, String(err));
  assert.equal(err.presented, sim.sshHostKeyFingerprint);
  assert.ok(err.message.includes(wrong) && err.message.includes(sim.sshHostKeyFingerprint));
  assert.equal(err.transient, false);
});

test('a wrong password is SshAuthFailed', async () => {
  const err = await connect(sim, { auth: { kind: 'password', password: 'not-the-password' } }).catch((e: unknown) => e);
  assert.ok(err instanceof SshAuthFailed, String(err));
});

test('hostile argv arrives inside the container as literal arguments', async () => {
  const pct = createPct(commandRunner(conn));
  const hostile = ["it's", 'a;b', '$(touch /tmp/pwned)', '`id`', 'line1\nline2', '"q"', '\\', '*', '', '&& echo x', '> /tmp/out'];
  const r = await pct.pctExecChecked(CT, ['printf', '%s\\0', ...hostile]);
  const words = r.stdout.split('\0');
  words.pop();
  assert.deepEqual(words, hostile);
  assert.equal((await pct.pctExec(CT, ['test', '-e', '/tmp/pwned'])).code, 1, 'nothing was executed');
});

test('execChecked surfaces the exit code and stderr tail', async () => {
  const pct = createPct(commandRunner(conn));
  const err = await pct.pctExecChecked(CT, ['sh', '-c', 'echo "disk full: /models" >&2; exit 3']).catch((e: unknown) => e);
  assert.ok(err instanceof SshCommandFailed, String(err));
  assert.equal(err.code, 3);
  assert.match(err.stderrTail, /disk full: \/models/);
});

test('pct helpers: push content with perms, set a root-only bind mount, status, snapshots', async () => {
  const run = commandRunner(conn);
  const pct = createPct(run);
  // phoenix-sim's host file system starts without /tmp (every PVE host has one): reported.
  await run.execChecked(['mkdir', '-p', '/tmp']);
  const content = "#!/bin/sh\necho 'hello $(world)'\n";
  await pct.pctPush(CT, { content }, '/opt/phoenix/hello.sh', { perms: '0755' });
  assert.equal((await pct.pctExecChecked(CT, ['cat', '/opt/phoenix/hello.sh'])).stdout, content);
  assert.equal((await pct.pctExecChecked(CT, ['stat', '-c', '%a', '/opt/phoenix/hello.sh'])).stdout.trim(), '755');

  await pct.pctSet(CT, { mp0: '/srv/models,mp=/models,ro=1' });
  assert.equal((await pve.node(sim.node).lxc(CT).config()).mp0, '/srv/models,mp=/models,ro=1');

  assert.equal(await pct.pctStatus(CT), 'running');
  assert.equal(await pct.pctStatus(4999), 'missing');
  assert.deepEqual(await pct.pctListSnapshots(CT), []);
});

test('raw lxc lines: added once into the main section, a second run changes nothing', async () => {
  const pct = createPct(commandRunner(conn));
  const lines = ['lxc.cgroup2.devices.allow: c 195:* rwm', 'lxc.mount.entry=/dev/nvidia0 dev/nvidia0 none bind,optional,create=file'];
  const first = await pct.ensureLxcConfLines(CT, lines);
  assert.equal(first.changed, true);
  const second = await pct.ensureLxcConfLines(CT, lines);
  assert.equal(second.changed, false);
  const cfg = await pve.node(sim.node).lxc(CT).config();
  assert.deepEqual(cfg.lxc, [
    ['lxc.cgroup2.devices.allow', 'c 195:* rwm'],
    ['lxc.mount.entry', '/dev/nvidia0 dev/nvidia0 none bind,optional,create=file'],
  ]);
});
