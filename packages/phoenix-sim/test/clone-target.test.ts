// `clone --target`: PVE's rule (pve-container / qemu-server `clone_vm`): only from shared storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../src/wait-for';
import { createCt, errorOf, waitTask, withSim, type SimClients } from './helpers';

/** `template` returns before its task ends: wait until the CT is an unlocked template. */
async function makeTemplate(s: SimClients, vmid: number): Promise<void> {
  await s.token.nodes.$('pve').lxc.$(vmid).template.$post();
  await waitFor(`CT ${vmid} to become an unlocked template`, async () => {
    const c = await s.token.nodes.$('pve').lxc.$(vmid).config.$get();
    return Number(c.template) === 1 && !c.lock ? true : undefined;
  }, 10_000, 5);
}

test('clone to another node: refused from local storage, allowed from shared storage (ends on the target)', { timeout: 60_000 }, async (t) => {
  const s = await withSim({
    nodes: ['pve', 'pve2', 'pve3'],
    storages: [
      { id: 'local', type: 'dir', path: '/var/lib/vz', content: 'vztmpl,iso,snippets,import,backup' },
      { id: 'local-zfs', type: 'zfspool', pool: 'rpool/data', content: 'images,rootdir' },
      { id: 'san', type: 'zfspool', pool: 'san/data', content: 'images,rootdir', shared: true },
    ],
  });
  t.after(() => s.close());
  const pve = s.token.nodes.$('pve');
  await createCt(s.token, 900);
  await makeTemplate(s, 900);

  assert.match(await errorOf(pve.lxc.$(900).clone.$post({ newid: 901, target: 'pve2' })), /can't clone CT to node 'pve2' \(CT uses local storage\)/);
  assert.match(await errorOf(pve.lxc.$(900).clone.$post({ newid: 901, target: 'pve9' })), /no such cluster node 'pve9'/);
  assert.match(await errorOf(pve.lxc.$(900).clone.$post({ newid: 901, target: 'pve2', full: true, storage: 'local-zfs' })), /can't clone to non-shared storage 'local-zfs'/);
  // The request must go to the node that holds the source: another node has no config for it.
  assert.match(await errorOf(s.token.nodes.$('pve2').lxc.$(900).clone.$post({ newid: 901 })), /Configuration file 'nodes\/pve2\/lxc\/900.conf' does not exist/);
  // Target = the local node is no target at all.
  assert.equal(await waitTask(s.token, await pve.lxc.$(900).clone.$post({ newid: 902, target: 'pve', hostname: 'same' })), 'OK');

  await createCt(s.token, 910, { rootfs: 'san:8' });
  await makeTemplate(s, 910);
  assert.equal(await waitTask(s.token, await pve.lxc.$(910).clone.$post({ newid: 911, target: 'pve3', hostname: 'moved' })), 'OK');
  assert.equal((await s.token.nodes.$('pve3').lxc.$(911).config.$get()).hostname, 'moved');
  assert.match(await errorOf(pve.lxc.$(911).config.$get()), /Configuration file 'nodes\/pve\/lxc\/911.conf' does not exist/);
});
