import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimState, parseConfigFile, renderConfigFile } from '../src/state';

const SSH = { user: 'root@pam', via: 'ssh' as const };

test('conf files render like PVE and an edited file becomes the config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-sim-conf-'));
  const state = new SimState({ stateDir: dir, timeScale: 0 });
  t.after(async () => {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const h = await state.lxc.create(SSH, 'pve', { vmid: '900', ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', rootfs: 'local-zfs:8', description: 'line one\nline two', unprivileged: '1' });
  assert.equal((await h.done).exitstatus, 'OK');
  await (await state.lxc.snapshot(SSH, 'pve', 900, { snapname: 'pre', description: 'snap' })).done;
  const text = state.readConfFile(900)!;
  assert.match(text, /^#line one\n#line two\narch: amd64\n/);
  assert.match(text, /\nparent: pre\n/);
  assert.match(text, /\n\n\[pre\]\n#snap\narch: amd64\n[\s\S]*snaptime: \d+\n/);

  // What `echo ... >> /etc/pve/lxc/900.conf` and `sed -i` do over SSH.
  const [main, ...rest] = text.split('\n\n');
  const edited = `${main!.replace('memory: 512', 'memory: 4096')}\nlxc.cgroup2.devices.allow: c 195:* rwm\nlxc.idmap = u 0 100000 65536\nthis is not a config line\n\n${rest.join('\n\n')}`;
  state.writeConfFile(900, 'lxc', edited, SSH);
  const cfg = state.lxc.getConfig('pve', 900);
  assert.equal(cfg.memory, 4096);
  assert.deepEqual(cfg.lxc, [
    ['lxc.cgroup2.devices.allow', 'c 195:* rwm'],
    ['lxc.idmap', 'u 0 100000 65536'],
  ]);
  assert.deepEqual(state.lxc.listSnapshots('pve', 900).map((s) => s.name), ['pre', 'current']);
  assert.match(state.readConfFile(900)!, /swap: 512\nunprivileged: 1\nlxc.cgroup2.devices.allow: c 195:\* rwm\nlxc.idmap: u 0 100000 65536\n\n\[pre\]/);
  const write = state.ledger.entries({ kind: 'file.write' }).at(-1)!;
  assert.deepEqual(write.details.ignoredLines, ['this is not a config line']);
});

test('render and parse are inverse on a config with raw lines and snapshots', () => {
  const text = renderConfigFile({ hostname: 'a', cores: '2', description: 'd' }, [['lxc.apparmor.profile', 'unconfined']], [{ name: 's1', config: { hostname: 'a', snaptime: '1' }, lxc: [] }]);
  const back = parseConfigFile(text);
  assert.equal(renderConfigFile(back.config, back.lxc, back.snapshots), text);
});

test('guest processes append JSON lines that the ledger merges in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-sim-ledger-'));
  const state = new SimState({ stateDir: dir, timeScale: 0 });
  t.after(async () => {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  state.record('job.start', { node: 'pve', vmid: 901, job: 'nvidia' });
  appendFileSync(state.guestEventsFile, JSON.stringify({ kind: 'installer.run', vmid: 901, node: 'pve', installer: 'apt-get', argv: ['install', '-y', 'x'] }) + '\n');
  appendFileSync(state.guestEventsFile, '{"kind":"installer.run","vmid":901'); // a line still being written
  state.record('job.finish', { node: 'pve', vmid: 901, job: 'nvidia' });
  const entries = state.ledger.entries({ vmid: 901 });
  assert.deepEqual(entries.map((e) => e.kind), ['job.start', 'installer.run', 'job.finish']);
  assert.deepEqual(entries[1]!.details, { installer: 'apt-get', argv: ['install', '-y', 'x'], source: 'guest' });
  assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3]);
  assert.deepEqual(state.ledger.entries({ kind: 'installer.*', since: 2 }), []);
});
