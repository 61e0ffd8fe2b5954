import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, waitTask, withSim } from './helpers';
import { waitFor } from '../src/wait-for';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl phoenix@test';

test('QEMU VMs: cloud-init keys, clone lock, template, agent states, resize', { timeout: 120_000 }, async (t) => {
  // Full clones take an hour of PVE time (36 s here), far past the 10 s (100 ms) config-lock
  // timeout; the test fast-forwards the clock once the config update has been refused.
  const s = await withSim({ durations: { qmcloneFull: 3_600_000, agentBoot: 5_000 } });
  t.after(() => s.close());
  const pve = s.token.nodes.$('pve');

  await t.test('create from a cloud image with a cloud-init drive, then template (UPID)', async () => {
    const upid = await pve.qemu.$post({
      vmid: 8000,
      name: 'ubuntu-2404-cloud-template',
      memory: 2048,
      net0: 'virtio,bridge=vmbr0',
      scsihw: 'virtio-scsi-pci',
      scsi0: 'local-zfs:0,import-from=local:import/noble-server-cloudimg-amd64.img',
      ide2: 'local-zfs:cloudinit',
      boot: 'order=scsi0',
      agent: 'enabled=1',
      serial0: 'socket',
    } as never);
    assert.equal(await waitTask(s.token, upid), 'OK');
    const cfg = await pve.qemu.$(8000).config.$get();
    assert.equal(cfg.scsi0, 'local-zfs:vm-8000-disk-0,size=3584M');
    assert.equal(cfg.ide2, 'local-zfs:vm-8000-cloudinit,media=cdrom');
    assert.match(String(cfg.net0), /^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
    const tpl = await pve.qemu.$(8000).template.$post();
    assert.match(tpl, /:qmtemplate:8000:root@pam!phoenix:$/);
    assert.equal(await waitTask(s.token, tpl), 'OK');
    assert.equal((await pve.qemu.$(8000).config.$get()).scsi0, 'local-zfs:base-8000-disk-0,size=3584M');
    assert.match(await errorOf(pve.qemu.$(8000).template.$post()), /you can't convert a template to a template/);
  });

  await t.test('during a full clone the new VM config flock times out; the clone then completes', async () => {
    const upid = await pve.qemu.$(8000).clone.$post({ newid: 8001, name: 'docker-vm-01', full: true });
    assert.match(upid, /:qmclone:8000:/);
    assert.equal((await pve.qemu.$(8001).status.current.$get()).lock, 'clone');
    const msg = await errorOf(pve.qemu.$(8001).config.$put({ cores: 4 }));
    assert.match(msg, /500 can't lock file '\/var\/lock\/qemu-server\/lock-8001.conf' - got timeout/);
    assert.equal((await pve.qemu.$(8001).status.current.$get()).lock, 'clone', 'the clone still holds the VM');
    s.sim.state.clock.fastForward();
    assert.equal(await waitTask(s.token, upid), 'OK');
    await pve.qemu.$(8001).config.$put({ cores: 4 });
    const cfg = await pve.qemu.$(8001).config.$get();
    assert.equal(cfg.scsi0, 'local-zfs:vm-8001-disk-0,size=3584M');
    assert.equal(cfg.name, 'docker-vm-01');
    assert.equal(cfg.lock, undefined);
    assert.match(await errorOf(pve.qemu.$(8000).clone.$post({ newid: 8001 })), /500 unable to create VM 8001: config file already exists/);
    assert.match(await errorOf(pve.qemu.$(8001).clone.$post({ newid: 8009, full: false })), /Linked clone feature is not supported for 'local-zfs:vm-8001-disk-0' \(scsi0\)/);
  });

  await t.test('sshkeys must be percent-encoded; cipassword is stored hashed and shown masked', async () => {
    const raw = await errorOf(pve.qemu.$(8001).config.$put({ sshkeys: KEY }));
    assert.match(raw, /400 Parameter verification failed.*"sshkeys":"invalid format - invalid urlencoded string: ssh-ed25519 AAAA/);
    assert.match(await errorOf(pve.qemu.$(8001).config.$put({ sshkeys: encodeURIComponent('ssh-ed25519 AAAAnotakey x') })), /500 SSH public key validation error/);
    await pve.qemu.$(8001).config.$put({ sshkeys: encodeURIComponent(KEY), ciuser: 'phoenix', cipassword: 'secret', ipconfig0: 'ip=10.0.0.101/24,gw=10.0.0.1', nameserver: '10.0.0.1', searchdomain: 'lan' });
    const cfg = await pve.qemu.$(8001).config.$get();
    assert.equal(cfg.sshkeys, encodeURIComponent(KEY));
    assert.equal(cfg.cipassword, '**********');
    assert.match(s.sim.state.readConfFile(8001)!, /^cipassword: \$5\$/m);
    assert.match(await errorOf(pve.qemu.$(8001).config.$put({ ipconfig0: 'ip=banana' })), /400/);
    assert.match(await errorOf(pve.qemu.$(8001).config.$put({ cicustom: 'user=local:snippets/missing.yml' })), /500 volume 'local:snippets\/missing.yml' does not exist/);
    s.sim.state.writeHostFile('/var/lib/vz/snippets/user-8001.yml', '#cloud-config\nhostname: x\n', { user: 'root@pam', via: 'ssh' });
    await pve.qemu.$(8001).config.$post({ cicustom: 'user=local:snippets/user-8001.yml' }).then((u) => waitTask(s.token, u));
    assert.equal((await pve.qemu.$(8001).config.$get()).cicustom, 'user=local:snippets/user-8001.yml');
  });

  await t.test('guest agent: not configured, not running, booting, answering', async () => {
    await pve.qemu.$(8001).config.$put({ delete: 'agent' });
    assert.match(await errorOf(pve.qemu.$(8001).agent.ping.$post()), /500 No QEMU guest agent configured/);
    await pve.qemu.$(8001).config.$put({ agent: '1' });
    assert.match(await errorOf(pve.qemu.$(8001).agent.ping.$post()), /500 VM 8001 is not running/);
    assert.equal(await waitTask(s.token, await pve.qemu.$(8001).status.start.$post()), 'OK');
    assert.match(await errorOf(pve.qemu.$(8001).agent.ping.$post()), /500 QEMU guest agent is not running/);
    const answer = await waitFor('the guest agent to answer a ping', () => pve.qemu.$(8001).agent.ping.$post().catch(() => undefined), 10_000, 5);
    assert.deepEqual(answer, { result: {} });
    const nics = (await pve.qemu.$(8001).agent['network-get-interfaces'].$get()) as { result: Array<{ name: string; 'ip-addresses': Array<{ 'ip-address': string }> }> };
    assert.equal(nics.result.find((n) => n.name === 'eth0')!['ip-addresses'][0]!['ip-address'], '10.0.0.101');
    const { pid } = (await pve.qemu.$(8001).agent.exec.$post({ command: ['cat', '/proc/uptime'] } as never)) as { pid: number };
    const st = (await pve.qemu.$(8001).agent['exec-status'].$get({ pid })) as unknown as { exited: number; exitcode: number };
    assert.equal(st.exited, 1);
    const exec = s.sim.ledger({ kind: 'agent.exec', vmid: 8001 });
    assert.deepEqual(exec.at(-1)!.details.argv, ['cat', '/proc/uptime']);
    assert.equal(await waitTask(s.token, await pve.qemu.$(8001).status.start.$post()), 'VM 8001 already running');
  });

  await t.test('snapshots and resize (grow only)', async () => {
    assert.equal(await waitTask(s.token, await pve.qemu.$(8001).snapshot.$post({ snapname: 'initial' })), 'OK');
    assert.deepEqual((await pve.qemu.$(8001).snapshot.$get()).map((x) => x.name), ['initial', 'current']);
    assert.match(await errorOf(pve.qemu.$(8001).template.$post()), /unable to create template, because VM contains snapshots/);
    assert.equal(await waitTask(s.token, await pve.qemu.$(8001).resize.$put({ disk: 'scsi0', size: '+10G' })), 'OK');
    assert.equal((await pve.qemu.$(8001).config.$get()).scsi0, 'local-zfs:vm-8001-disk-0,size=13824M');
    assert.equal(await waitTask(s.token, await pve.qemu.$(8001).resize.$put({ disk: 'scsi0', size: '32G' })), 'OK');
    assert.match(await errorOf(pve.qemu.$(8001).resize.$put({ disk: 'scsi0', size: '8G' })), /500 shrinking disks is not supported/);
    assert.deepEqual(
      s.sim.ledger({ kind: 'qemu.resize' }).map((e) => e.details.size),
      ['13824M', '32G'],
    );
  });
});
