import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utils } from 'ssh2';
import { generateEd25519 } from '../src/ssh/host-keys';
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

test('endpoints tools use: reboot, pending, cloud-init, agent info, interfaces, storage, network, cluster status', { timeout: 60_000 }, async () => {
  const s = await withSim({ durations: { agentBoot: 0 } });
  try {
    const get = async (path: string): Promise<unknown> => {
      const r = await s.rawFetch(`/api2/json${path}`, { headers: { Authorization: `PVEAPIToken=${s.sim.tokenId}=${s.sim.tokenSecret}` } });
      assert.equal(r.status, 200, `${path}: ${r.status} ${r.statusText}`);
      return (JSON.parse(await r.text()) as { data: unknown }).data;
    };
    const pve = s.token.nodes.$('pve');
    await waitTask(s.token, await pve.qemu.$post({ vmid: 702, scsi0: 'local-zfs:1', ide2: 'local-zfs:cloudinit', net0: 'virtio,bridge=vmbr0', ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1', ciuser: 'ops', agent: 'enabled=1' } as never));
    await waitTask(s.token, await pve.qemu.$(702).status.start.$post());
    assert.equal(await waitTask(s.token, await pve.qemu.$(702).status.reboot.$post()), 'OK');
    assert.ok((await get('/nodes/pve/qemu/702/pending') as Array<{ key: string }>).some((e) => e.key === 'ciuser'));
    assert.deepEqual((await get('/nodes/pve/qemu/702/cloudinit') as Array<{ key: string }>).map((e) => e.key), ['ciuser', 'ipconfig0']);
    assert.match(await get('/nodes/pve/qemu/702/cloudinit/dump?type=user') as string, /^#cloud-config\n[\s\S]*user: ops/);
    assert.match(await get('/nodes/pve/qemu/702/cloudinit/dump?type=network') as string, /address: '10\.0\.0\.5\/24'/);
    assert.ok((await get('/nodes/pve/qemu/702/agent') as Array<{ name: string }>).some((c) => c.name === 'get-osinfo'));
    assert.equal((await get('/nodes/pve/qemu/702/agent/get-osinfo') as { result: { id: string } }).result.id, 'ubuntu');
    assert.ok(Array.isArray((await get('/nodes/pve/qemu/702/agent/info') as { result: { supported_commands: unknown[] } }).result.supported_commands));
    await waitTask(s.token, await pve.lxc.$post({ vmid: 703, ostemplate: UBUNTU, rootfs: 'local-zfs:4', net0: 'name=eth0,bridge=vmbr0,ip=10.0.0.7/24', start: 1 } as never));
    assert.deepEqual((await get('/nodes/pve/lxc/703/interfaces') as Array<{ name: string; inet: string }>).map((i) => [i.name, i.inet]), [['lo', '127.0.0.1/8'], ['eth0', '10.0.0.7/24']]);
    assert.equal(await waitTask(s.token, await pve.lxc.$(703).status.reboot.$post()), 'OK');
    assert.ok((await get('/storage') as Array<{ storage: string }>).some((x) => x.storage === 'local-zfs'));
    assert.equal((await get('/nodes/pve/storage/local/status') as { active: number }).active, 1);
    assert.deepEqual((await get('/nodes/pve/network?type=bridge') as Array<{ iface: string }>).map((i) => i.iface), ['vmbr0']);
    assert.equal((await get('/cluster/status') as Array<{ type: string }>)[0]!.type, 'node');
    const dl = await pve.storage.$('local')['download-url'].$post({ url: 'https://example.invalid/noble.img', filename: 'noble.img', content: 'iso' });
    assert.equal(await waitTask(s.token, dl), 'OK');
    assert.ok(s.sim.state.storages.fileExists('local:iso/noble.img'));
  } finally {
    await s.close();
  }
});
