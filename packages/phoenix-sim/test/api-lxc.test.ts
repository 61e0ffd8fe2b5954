import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UBUNTU, createCt, errorOf, waitTask, withSim } from './helpers';
import { waitFor } from '../src/wait-for';

test('LXC lifecycle and the rules users trip on', async (t) => {
  // Clones last 300 ms here, long enough to see them RUNNING and to collide with them.
  const s = await withSim({ durations: { vzclone: 30_000 } });
  t.after(() => s.close());
  const pve = s.token.nodes.$('pve');

  await t.test('create checks storage content and the template file', async () => {
    assert.match(await errorOf(pve.lxc.$post({ vmid: 150, ostemplate: UBUNTU } as never)), /400 Parameter verification failed.*"storage":"storage 'local' does not support container directories"/);
    assert.match(await errorOf(pve.lxc.$post({ vmid: 150, ostemplate: 'local:vztmpl/nope.tar.zst', storage: 'local-zfs' } as never)), /500 can't find file 'local:vztmpl\/nope.tar.zst'/);
    await createCt(s.token, 900);
    assert.match(await errorOf(pve.lxc.$post({ vmid: 900, ostemplate: UBUNTU, storage: 'local-zfs' } as never)), /500 CT 900 already exists on node 'pve'/);
    const cfg = await pve.lxc.$(900).config.$get();
    assert.equal(cfg.rootfs, 'local-zfs:subvol-900-disk-0,size=8G');
    assert.equal(cfg.memory, 512);
    assert.match(String(cfg.net0), /^name=eth0,bridge=vmbr0,hwaddr=BC:24:11:[0-9A-F:]{8},ip=dhcp,type=veth$/);
  });

  await t.test('config PUT is synchronous, counts only differences, honours digest and refuses raw lxc keys', async () => {
    assert.equal(await pve.lxc.$(900).config.$put({ cores: 4, memory: 2048 }), null);
    const before = s.sim.ledger({ kind: 'lxc.config' }).length;
    await pve.lxc.$(900).config.$put({ cores: 4 });
    assert.equal(s.sim.ledger({ kind: 'lxc.config' }).length, before, 'setting an unchanged value is no change');
    assert.match(await errorOf(pve.lxc.$(900).config.$put({ cores: 2, digest: '0'.repeat(40) })), /500 detected modified configuration - file changed by other user\? Try again\./);
    assert.match(await errorOf(pve.lxc.$(900).config.$put({ 'lxc.idmap': 'u 0 100000 65536' } as never)), /"lxc.idmap":"property is not defined in schema and the schema does not allow additional properties"/);
    assert.match(await errorOf(pve.lxc.$(900).config.$put({ delete: 'rootfs' })), /unable to delete required option 'rootfs'/);
  });

  await t.test('root-only settings: refused for the token, allowed for a root@pam ticket', async () => {
    assert.match(await errorOf(pve.lxc.$(900).config.$put({ mp0: '/mnt/models,mp=/models' })), /403 Permission check failed \(mount point type bind is only allowed for root@pam\)/);
    assert.match(await errorOf(pve.lxc.$(900).config.$put({ dev0: '/dev/nvidia0,mode=0666' } as never)), /403 Permission check failed \(configuring device passthrough is only allowed for root@pam\)/);
    assert.match(await errorOf(pve.lxc.$(900).config.$put({ features: 'nesting=1,keyctl=1' })), /403 Permission check failed \(changing feature flags \(except nesting\) is only allowed for root@pam\)/);
    await pve.lxc.$(900).config.$put({ features: 'nesting=1' });
    await createCt(s.token, 910);
    await s.ticket.nodes.$('pve').lxc.$(910).config.$put({ mp0: '/mnt/models,mp=/models', features: 'nesting=1,keyctl=1' });
    assert.equal((await pve.lxc.$(910).config.$get()).mp0, '/mnt/models,mp=/models');
  });

  await t.test('bind mounts block snapshots (task error) and clones (sync error)', async () => {
    const upid = await pve.lxc.$(910).snapshot.$post({ snapname: 's1' });
    assert.equal(await waitTask(s.token, upid), 'snapshot feature is not available');
    assert.match(await errorOf(pve.lxc.$(910).clone.$post({ newid: 911 })), /500 unable to clone mountpoint 'mp0' \(type bind\)/);
    assert.equal((await pve.lxc.$(910).status.current.$get()).lock, undefined, 'the failed clone released its disk lock');
  });

  await t.test('snapshots: create, list, reserved names, delete, rollback', async () => {
    assert.match(await errorOf(pve.lxc.$(900).snapshot.$post({ snapname: 'current' })), /unable to use snapshot name 'current' \(reserved name\)/);
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$post({ snapname: 'pre', description: 'before' })), 'OK');
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$post({ snapname: 'pre' })), "snapshot name 'pre' already used");
    const list = await pve.lxc.$(900).snapshot.$get();
    assert.deepEqual(list.map((x) => x.name), ['pre', 'current']);
    assert.equal(list[1]!.parent, 'pre');
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$post({ snapname: 'later' })), 'OK');
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$('pre').rollback.$post()), "can't rollback, 'pre' is not most recent snapshot on 'local-zfs:subvol-900-disk-0'");
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$('later').$delete()), 'OK');
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$('pre').rollback.$post()), 'OK');
    assert.equal(await waitTask(s.token, await pve.lxc.$(900).snapshot.$('gone').$delete()), "snapshot 'gone' does not exist");
  });

  await t.test('a second concurrent clone from one source fails with CT is locked (disk); exactly one proceeds', async () => {
    const results = await Promise.allSettled([901, 902, 903].map((newid) => pve.lxc.$(900).clone.$post({ newid, snapname: 'pre', hostname: `ct${newid}` })));
    const ok = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<string>[];
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(ok.length, 1);
    for (const f of failed) assert.match((f.reason as Error).message, /500 CT is locked \(disk\)/);
    assert.match(ok[0]!.value, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:vzclone:900:root@pam!phoenix:$/);
    const active = await pve.tasks.$get({ source: 'active', vmid: 900 } as never);
    assert.deepEqual(active.map((x) => x.status), ['RUNNING']);
    assert.equal(await waitTask(s.token, ok[0]!.value), 'OK');
    const log = await pve.tasks.$(ok[0]!.value).log.$get();
    assert.equal(log[0]!.t.startsWith('creating a clone of container 900 with ID'), true);
    assert.equal(log.at(-1)!.t, 'TASK OK');
  });

  await t.test('linked clones only from templates; template rules', async () => {
    assert.match(await errorOf(pve.lxc.$(900).clone.$post({ newid: 920, full: false })), /500 Linked clone feature for 'local-zfs:subvol-900-disk-0' is not available/);
    assert.match(await errorOf(pve.lxc.$(900).template.$post()), /500 unable to create template, because CT contains snapshots/);
    await createCt(s.token, 930);
    assert.equal(await pve.lxc.$(930).template.$post(), null);
    const cfg = await waitFor('CT 930 to become an unlocked template', async () => {
      const c = await pve.lxc.$(930).config.$get();
      return Number(c.template) === 1 && !c.lock ? c : undefined;
    }, 10_000, 5);
    assert.equal(cfg.template, 1);
    assert.equal(cfg.rootfs, 'local-zfs:basevol-930-disk-0,size=8G');
    assert.equal(await waitTask(s.token, await pve.lxc.$(930).snapshot.$post({ snapname: 'sx' })), "you can't take a snapshot if it's a template");
    assert.match(await errorOf(pve.lxc.$(930).clone.$post({ newid: 931, storage: 'local-zfs' })), /parameter 'storage' not allowed for linked clones/);
    assert.equal(await waitTask(s.token, await pve.lxc.$(930).clone.$post({ newid: 931, hostname: 'linked' })), 'OK');
    assert.equal((await pve.lxc.$(931).config.$get()).rootfs, 'local-zfs:basevol-930-disk-0/subvol-931-disk-0,size=8G');
    assert.equal(await waitTask(s.token, await pve.lxc.$(930).$delete()), "base volume 'basevol-930-disk-0' is still in use by linked clones");
  });

  await t.test('start, stop, status and destroy', async () => {
    assert.equal(await waitTask(s.token, await pve.lxc.$(931).status.start.$post()), 'OK');
    assert.equal((await pve.lxc.$(931).status.current.$get()).status, 'running');
    assert.match(await errorOf(pve.lxc.$(931).status.start.$post()), /500 CT 931 already running/);
    assert.match(await errorOf(pve.lxc.$(931).$delete()), /unable to destroy CT 931 - container is running/);
    assert.equal(await waitTask(s.token, await pve.lxc.$(931).status.stop.$post()), 'OK');
    assert.equal(await waitTask(s.token, await pve.lxc.$(931).$delete()), 'OK');
    assert.match(await errorOf(pve.lxc.$(931).config.$get()), /Configuration file 'nodes\/pve\/lxc\/931.conf' does not exist/);
    const kinds = s.sim.ledger({ vmid: 931 }).map((e) => e.kind);
    assert.deepEqual(kinds, ['lxc.start', 'lxc.stop', 'lxc.destroy']);
    const archive = await pve.tasks.$get({ typefilter: 'vzdestroy' } as never);
    assert.equal(archive[0]!.status, 'OK');
  });
});
