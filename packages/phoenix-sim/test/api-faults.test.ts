import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCt, errorOf, waitTask, withSim } from './helpers';

async function failuresOf(s: Awaited<ReturnType<typeof withSim>>, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(await s.token.version.$get().then(() => false, () => true));
  return out;
}

test('fault injection: HTTP 500 at a seeded rate, connection resets, failing tasks; /sim is never affected', async (t) => {
  const s = await withSim();
  t.after(() => s.close());

  await t.test('a 500 fault at rate 0.3 fires about that often, and the same seed fires the same requests', async () => {
    s.sim.setFaults([{ target: 'api', match: 'GET /version', kind: 'http-error', status: 500, rate: 0.3 }], 42);
    const first = await failuresOf(s, 60);
    const count = first.filter(Boolean).length;
    assert.ok(count > 5 && count < 35, `fired ${count} of 60`);
    s.sim.setFaults([{ target: 'api', match: 'GET /version', kind: 'http-error', status: 500, rate: 0.3 }], 42);
    assert.deepEqual(await failuresOf(s, 60), first);
    assert.match(await errorOf(s.token.version.$get().then(() => s.token.version.$get()).then(() => s.token.version.$get()).then(() => s.token.version.$get()).then(() => s.token.version.$get())), /500/);
  });

  await t.test('a reset drops the connection; proxmox-api retries once and then reports it', async () => {
    s.sim.setFaults([{ target: 'api', match: 'GET /nodes', kind: 'reset', times: 1 }]);
    assert.equal((await s.token.nodes.$get()).length, 1, 'one reset is absorbed by the client retry');
    s.sim.setFaults([{ target: 'api', match: 'GET /nodes', kind: 'reset' }]);
    assert.match(await errorOf(s.token.nodes.$get()), /FaILED to call GET/);
  });

  await t.test('lock faults answer like PVE lock conflicts', async () => {
    s.sim.setFaults([{ target: 'api', match: 'POST /nodes/*/lxc/*/clone', kind: 'lock', lock: 'disk' }]);
    assert.match(await errorOf(s.token.nodes.$('pve').lxc.$(900).clone.$post({ newid: 901 })), /500 CT is locked \(disk\)/);
  });

  await t.test('a failing task ends with the injected error text and cleans up', async () => {
    s.sim.setFaults([{ target: 'task', match: 'vzcreate:*', kind: 'task-fail', message: 'unable to extract archive' }]);
    const upid = await s.token.nodes.$('pve').lxc.$post({ vmid: 950, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', storage: 'local-zfs' } as never);
    assert.equal(await waitTask(s.token, upid), 'unable to create CT 950 - unable to extract archive');
    assert.match(await errorOf(s.token.nodes.$('pve').lxc.$(950).config.$get()), /does not exist/);
    const log = await s.token.nodes.$('pve').tasks.$(upid).log.$get();
    assert.equal(log.at(-1)!.t, 'TASK ERROR: unable to create CT 950 - unable to extract archive');
  });

  await t.test('faults are set over /sim/faults and never fire on /sim/*', async () => {
    const set = await s.rawFetch('/sim/faults', { method: 'POST', body: JSON.stringify({ faults: [{ target: 'api', match: '*', kind: 'http-error', status: 503 }], seed: 7 }) });
    assert.equal(set.status, 200);
    await set.text();
    assert.match(await errorOf(s.token.version.$get()), /503 Service Unavailable/);
    const ledger = await s.rawFetch('/sim/ledger?kind=lxc.*');
    assert.equal(ledger.status, 200);
    await ledger.text();
    const bad = await s.rawFetch('/sim/faults', { method: 'POST', body: JSON.stringify({ faults: [{ target: 'api', match: '*', kind: 'explode' }] }) });
    assert.equal(bad.status, 400);
    await bad.text();
    await (await s.rawFetch('/sim/faults', { method: 'DELETE' })).text();
    await createCt(s.token, 960);
    assert.equal((await s.token.nodes.$('pve').lxc.$(960).status.current.$get()).status, 'stopped');
  });

  await t.test('task durations are changed live over /sim/durations; a bad body changes nothing', async () => {
    const durations = async () => (await (await s.rawFetch('/sim/durations')).json()) as Record<string, number>;
    const before = await durations();
    const set = await s.rawFetch('/sim/durations', { method: 'POST', body: JSON.stringify({ vzclone: 123_000, agentBoot: 7 }) });
    assert.equal(set.status, 200);
    await set.text();
    assert.deepEqual(await durations(), { ...before, vzclone: 123_000, agentBoot: 7 });
    for (const body of [{ vzclone: 1, vzfly: 5 }, { vzclone: -1 }, { vzclone: '5' }]) {
      const bad = await s.rawFetch('/sim/durations', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.match(((await bad.json()) as { error: string }).error, /duration/);
    }
    assert.deepEqual(await durations(), { ...before, vzclone: 123_000, agentBoot: 7 }, 'refused bodies changed nothing');
    await (await s.rawFetch('/sim/durations', { method: 'POST', body: JSON.stringify(before) })).text();
  });
});
