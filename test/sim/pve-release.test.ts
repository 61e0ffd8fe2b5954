import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utils } from 'ssh2';
import { generateEd25519 } from '../../src/sim/ssh/host-keys';
import { UBUNTU, waitTask, withSim } from './helpers';

test('unprivileged default follows the release: 8.2 privileged, 9.0 unprivileged', { timeout: 60_000 }, async () => {
  for (const [release, expected] of [['8.2', undefined], ['9.0', 1]] as const) {
    const s = await withSim({ pveVersion: release });
    try {
      const pve = s.token.nodes.$('pve');
      const upid = await pve.lxc.$post({ vmid: 300, ostemplate: UBUNTU, rootfs: 'local-zfs:4' } as never);
      assert.equal(await waitTask(s.token, upid), 'OK');
      assert.equal((await pve.lxc.$(300).config.$get()).unprivileged, expected, release);
    } finally {
      await s.close();
    }
  }
});

test('a destroyed VM frees its cloud-init volume, so the VMID can be re-created with one', { timeout: 60_000 }, async () => {
  const s = await withSim();
  try {
    const pve = s.token.nodes.$('pve');
    for (let round = 0; round < 2; round++) {
      const upid = await pve.qemu.$post({ vmid: 700, scsi0: 'local-zfs:1', ide2: 'local-zfs:cloudinit' } as never);
      assert.equal(await waitTask(s.token, upid), 'OK', `round ${round}`);
      assert.equal(await waitTask(s.token, await pve.qemu.$(700).$delete()), 'OK');
      assert.equal(s.sim.state.zfs.get('rpool/data/vm-700-cloudinit'), undefined);
    }
  } finally {
    await s.close();
  }
});

test('task lists split a token user into user and tokenid; root tickets carry every privilege in cap', { timeout: 60_000 }, async () => {
  const s = await withSim();
  try {
    const pve = s.token.nodes.$('pve');
    const upid = await pve.qemu.$post({ vmid: 701, scsi0: 'local-zfs:1' } as never);
    await waitTask(s.token, upid);
    const [task] = await pve.tasks.$get({ vmid: 701 });
    assert.equal(task!.user, 'root@pam');
    assert.equal((task as Record<string, unknown>).tokenid, 'phoenix');
    const r = await s.rawFetch('/api2/json/access/ticket', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'root@pam', password: s.sim.rootPassword }).toString() });
    const cap = (JSON.parse(await r.text()) as { data: { cap: Record<string, Record<string, number>> } }).data.cap;
    assert.equal(cap.vms!['VM.Allocate'], 1);
    assert.equal(cap.storage!['Datastore.AllocateSpace'], 1);
    assert.equal(cap.nodes!['Sys.Modify'], 1);
    assert.equal(cap.access!['User.Modify'], 1);
  } finally {
    await s.close();
  }
});

test('generated ed25519 keys always parse (ssh2 and the OpenSSH text agree)', { timeout: 60_000 }, () => {
  for (let i = 0; i < 500; i++) {
    const k = generateEd25519('root@pve');
    const parsed = utils.parseKey(k.private);
    assert.ok(!(parsed instanceof Error), String(parsed));
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    assert.equal(key.getPublicSSH().toString('base64'), k.public.split(' ')[1]);
  }
});
