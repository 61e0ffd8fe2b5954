import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../src';
import { clientsFor, createCt, errorOf, waitTask, FAST } from './helpers';
import { waitFor } from '../src/wait-for';

test('a simulator restarted on its state folder keeps guests, credentials, certificate and ledger', { timeout: 60_000 }, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'phoenix-sim-persist-'));
  const crashDir = mkdtempSync(join(tmpdir(), 'phoenix-sim-crash-'));
  const first = await startSimulator({ stateDir, timeScale: FAST, durations: { vzclone: 100_000 } });
  const a = clientsFor(first);
  await createCt(a.token, 900);
  await waitTask(a.token, await a.token.nodes.$('pve').lxc.$(900).snapshot.$post({ snapname: 'pre' }));
  // This clone runs for 1 s; a copy of the state folder taken now is what a crash would leave behind.
  const interrupted = await a.token.nodes.$('pve').lxc.$(900).clone.$post({ newid: 901, snapname: 'pre' });
  // Copied once the state file on disk holds the half-made CT 901 and its running clone task.
  await waitFor('the state file to record the running clone', () => {
    const saved = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { guests: Array<{ vmid: number }>; tasks: Array<{ upid: string; status: string }> };
    const running = saved.tasks.some((task) => task.upid === interrupted && task.status === 'running');
    return running && saved.guests.some((g) => g.vmid === 901) ? true : undefined;
  }, 10_000, 10);
  cpSync(stateDir, crashDir, { recursive: true });
  const { tokenSecret, fingerprint } = first;
  await a.agent.close();
  // A graceful close fast-forwards running tasks to their end.
  await first.close();

  const second = await startSimulator({ stateDir, timeScale: FAST });
  const crashed = await startSimulator({ stateDir: crashDir, timeScale: FAST });
  const b = clientsFor(second);
  const c = clientsFor(crashed);
  t.after(async () => {
    await b.agent.close();
    await c.agent.close();
    await second.close();
    await crashed.close();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(crashDir, { recursive: true, force: true });
  });
  assert.equal(second.tokenSecret, tokenSecret);
  assert.equal(second.fingerprint, fingerprint);
  const cfg = await b.token.nodes.$('pve').lxc.$(900).config.$get();
  assert.equal(cfg.parent, 'pre');
  assert.deepEqual((await b.token.nodes.$('pve').lxc.$(900).snapshot.$get()).map((x) => x.name), ['pre', 'current']);
  assert.equal(second.ledger({ kind: 'lxc.create' }).length, 1);
  assert.ok(second.state.zfs.exists('rpool/data/subvol-900-disk-0@pre'));
  assert.equal((await b.token.nodes.$('pve').tasks.$(interrupted).status.$get()).exitstatus, 'OK');
  assert.equal((await b.token.nodes.$('pve').lxc.$(901).status.current.$get()).lock, undefined);

  // After a crash the interrupted clone is reported as PVE reports a vanished worker, and its half-made CT is gone.
  assert.equal((await c.token.nodes.$('pve').tasks.$(interrupted).status.$get()).exitstatus, 'unexpected status');
  assert.match(await errorOf(c.token.nodes.$('pve').lxc.$(901).config.$get()), /does not exist/);
  assert.equal((await c.token.nodes.$('pve').lxc.$(900).status.current.$get()).lock, undefined);
  assert.equal(crashed.state.zfs.exists('rpool/data/subvol-901-disk-0'), false);
});
