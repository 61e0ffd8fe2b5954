import { test } from 'node:test';
import assert from 'node:assert/strict';
import proxmoxApi from 'proxmox-api';
import { fetch } from 'undici';
import { errorOf, withSim } from './helpers';

test('wire format, TLS pinning, authentication and cluster views', async (t) => {
  const s = await withSim({ nodes: ['pve', 'pve2'] });
  t.after(() => s.close());

  await t.test('TLS: pinned CA verifies, an unpinned client refuses the self-signed chain', async () => {
    const res = await s.rawFetch('/api2/json/version', { headers: { Authorization: `PVEAPIToken=${s.sim.tokenId}=${s.sim.tokenSecret}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8');
    assert.deepEqual(Object.keys((await res.json()) as object), ['data']);
    const err = await fetch(`https://${s.sim.apiHost}:${s.sim.apiPort}/api2/json/version`).then(
      () => 'connected',
      (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
    );
    assert.match(err, /self-signed certificate/);
    assert.match(s.sim.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  await t.test('both authentication modes reach the API; bad credentials get 401 with the reason only', async () => {
    assert.equal((await s.token.version.$get()).release, '8.2');
    assert.deepEqual((await s.ticket.nodes.$get()).map((n) => n.node), ['pve', 'pve2']);
    const bad = proxmoxApi({ host: s.sim.apiHost, port: s.sim.apiPort, tokenID: s.sim.tokenId, tokenSecret: '00000000-0000-0000-0000-000000000000', fetch: ((u: string, i: object) => s.rawFetch(new URL(u).pathname, i as never)) as never });
    assert.match(await errorOf(bad.version.$get()), /401 invalid token value!/);
    const none = await s.rawFetch('/api2/json/version');
    assert.equal(none.status, 401);
    assert.equal(none.statusText, 'No ticket');
    assert.equal(none.headers.get('content-type'), null);
    assert.equal(await none.text(), '');
  });

  await t.test('a ticket needs the CSRF token for non-GET requests', async () => {
    const login = await s.rawFetch('/api2/json/access/ticket', { method: 'POST', body: new URLSearchParams({ username: 'root@pam', password: s.sim.rootPassword }) });
    const { data } = (await login.json()) as { data: { ticket: string; CSRFPreventionToken: string } };
    assert.match(data.ticket, /^PVE:root@pam:[0-9A-F]{8}::/);
    const cookie = `PVEAuthCookie=${encodeURIComponent(data.ticket)}`;
    const put = (headers: Record<string, string>): Promise<Response> =>
      s.rawFetch('/api2/json/nodes/pve/lxc/100/config', { method: 'PUT', headers: { cookie, ...headers }, body: new URLSearchParams({ cores: '2' }) }) as never;
    const noCsrf = await put({});
    assert.equal(noCsrf.status, 401);
    assert.equal(noCsrf.statusText, 'Permission denied - invalid csrf token');
    const withCsrf = await put({ CSRFPreventionToken: data.CSRFPreventionToken });
    assert.equal(withCsrf.status, 500);
    assert.equal(withCsrf.statusText, "Configuration file 'nodes/pve/lxc/100.conf' does not exist");
    assert.deepEqual(await withCsrf.json(), { data: null });
  });

  await t.test('unknown endpoints fail with 501, never an empty 200', async () => {
    const msg = await errorOf((s.token.nodes.$('pve') as unknown as { foo: { $get(): Promise<unknown> } }).foo.$get());
    assert.match(msg, /501 Method 'GET \/nodes\/pve\/foo' not implemented/);
  });

  await t.test('parameter errors are 400 with per-key texts', async () => {
    const msg = await errorOf(s.token.nodes.$('pve').lxc.$post({ vmid: 42, ostemplate: 'x' } as never));
    assert.match(msg, /400 Parameter verification failed\./);
    assert.match(msg, /"vmid":"invalid format - value does not look like a valid VM ID\\n"/);
    assert.match(await errorOf(s.token.cluster.nextid.$get({ vmid: 'abc' } as never)), /type check \('integer'\) failed - got 'abc'/);
  });

  await t.test('nodes, storages, storage content, nextid and resources', async () => {
    const storages = await s.token.nodes.$('pve').storage.$get();
    assert.deepEqual(storages.map((x) => [x.storage, x.type, x.content]), [
      ['local', 'dir', 'vztmpl,iso,snippets,import,backup'],
      ['local-zfs', 'zfspool', 'images,rootdir'],
    ]);
    const tmpl = await s.token.nodes.$('pve').storage.$('local').content.$get({ content: 'vztmpl' });
    assert.deepEqual(tmpl.map((x) => [x.volid, x.format]), [
      ['local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', 'tzst'],
      ['local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', 'tzst'],
    ]);
    const imports = await s.token.nodes.$('pve').storage.$('local').content.$get({ content: 'import' });
    assert.deepEqual(imports.map((x) => x.volid), ['local:import/noble-server-cloudimg-amd64.img']);
    assert.equal(await s.token.cluster.nextid.$get(), 100);
    const res = await s.token.cluster.resources.$get({ type: 'storage' });
    assert.equal(res.length, 4);
    assert.match(await errorOf(s.token.nodes.$('nope').storage.$get()), /500 hostname lookup 'nope' failed/);
  });
});

test('pveVersion 9.0 adds the message field to error bodies', async (t) => {
  const s = await withSim({ pveVersion: '9.0' });
  t.after(() => s.close());
  const msg = await errorOf(s.token.nodes.$('pve').lxc.$(123).config.$get());
  assert.match(msg, /"message":"Configuration file 'nodes\/pve\/lxc\/123.conf' does not exist\\n"/);
});
