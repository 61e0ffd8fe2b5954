/**
 * Acceptance (issue 12): `phoenix-client setup` on a fresh simulated host runs end to end,
 * reboot included, with the worker killed (SIGKILL) during the NVIDIA install and again during
 * the reboot wait; the installer and the reboot each happen once. A second run changes nothing
 * and `plan --setup` then shows nothing to do. No password reaches a history, a log or the
 * ledger.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack, type WorkerProcess } from '../../scripts/lib/stack';
import { allHistoriesText, ledgerText, secretNeedles, temporalClient, TIME_SCALE, waitFor } from '../e2e/helpers';
import { setupConfig } from './fixtures';

const SAMBA_PASSWORD = `smb-${randomBytes(12).toString('hex')}`;
const ADMIN_PASSWORD = `adm-${randomBytes(12).toString('hex')}`;

describe('setup of a fresh host, surviving worker crashes during the driver install and the reboot', () => {
  let stack: Stack;
  const config = setupConfig();
  const workers: WorkerProcess[] = [];

  before(async () => {
    stack = await startStack({
      timeScale: TIME_SCALE,
      configDir: config.dir,
      workerEnv: { PHOENIX_HEARTBEAT_TIMEOUT: '6s', PHOENIX_SAMBA_PASSWORD_HEADS: SAMBA_PASSWORD, PHOENIX_USER_PASSWORD_PHOENIX_ADMIN: ADMIN_PASSWORD },
    });
  });

  after(async () => {
    await stack?.stop();
    config.remove();
  });

  it('runs end to end once, re-attaching after each crash; a second run and plan --setup find nothing to do', { timeout: 300_000 }, async () => {
    workers.push(await stack.startWorker());
    const detached = await stack.cli(['setup', '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    assert.match(detached.stdout, /phoenix-setup-pve started/);

    await waitFor('the NVIDIA installer to start', async () => (await stack.ledger()).find((e) => e.kind === 'nvidia.installer.start'), 120_000);
    await workers[0]!.kill9();
    workers.push(await stack.startWorker());

    await waitFor('the host to reboot', async () => (await stack.ledger()).find((e) => e.kind === 'host.reboot'), 120_000);
    await workers[1]!.kill9();
    workers.push(await stack.startWorker());

    const joined = await stack.cli(['setup']);
    const entries = await stack.ledger();
    const why = `\nledger:\n${ledgerText(entries)}\nworker:\n${workers[2]!.output().slice(-3000)}`;
    assert.equal(joined.code, 0, `setup after the crashes failed:\n${joined.stdout}\n${joined.stderr}${why}`);
    assert.match(joined.stderr, /attached to the setup in progress phoenix-setup-pve/);
    // The retried driver step waited for the installer the killed worker had started.
    assert.match(joined.stderr, /done\s+nvidia_driver: NVIDIA driver 580\.76\.05: re-attached to installer phoenix-nvidia-580\.76\.05-\w+\.service/);
    assert.match(joined.stderr, /done\s+reboot: .*NVIDIA driver 580\.76\.05 is installed but not loaded/);
    assert.match(joined.stderr, /done\s+verify_driver: nvidia-smi: GPU 0 NVIDIA GeForce RTX 3090 on driver 580\.76\.05/);

    const count = (kind: string) => entries.filter((e) => e.kind === kind).length;
    assert.equal(count('nvidia.installer.start'), 1, `installer started once${why}`);
    assert.equal(count('nvidia.installer.done'), 1, why);
    assert.equal(count('host.reboot'), 1, `rebooted once${why}`);
    assert.equal(count('host.up'), 1, why);
    assert.equal(count('zpool.create'), 1, why);
    assert.equal(count('disk.wipe'), 0, 'empty disks are not wiped');
    assert.equal(count('zfs.create'), 2, why);
    assert.equal(count('storage.add'), 2, why);
    assert.equal(count('samba.user.add'), 1, why);
    assert.equal(count('pve.acl.modify'), 1, why);
    const exportfs = entries.filter((e) => e.kind === 'nfs.exportfs');
    assert.equal(exportfs.length, 1, why);
    // The managed block was added to /etc/exports; the distribution's comment lines stay.
    assert.deepEqual(exportfs[0]!.details?.exports, [{ path: '/quickOS/shared', clients: ['10.0.0.0/24(rw,sync,no_subtree_check)'] }]);
    const up = entries.find((e) => e.kind === 'host.up')!;
    assert.equal(up.details?.nvidiaDriver, '580.76.05');

    const mark = entries.at(-1)!.seq;
    const again = await stack.cli(['setup']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /host pve set up: nothing changed/);
    const plan = await stack.cli(['plan', '--setup']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /Host pve setup \(live\): nothing to do/);
    const later = (await stack.ledger()).filter((e) => e.seq > mark);
    const effects = later.filter((e) => e.kind !== 'ssh.exec');
    assert.deepEqual(effects.map((e) => `${e.kind} ${JSON.stringify(e.details)}`), [], 'the second run and the plan change nothing');
    assert.ok(later.length > 20, 'the second run did read the host');

    // No password anywhere: histories, worker and CLI output, the ledger (commands and details).
    const client = await temporalClient(stack);
    try {
      const histories = await allHistoriesText(client);
      assert.ok(histories.runs >= 3);
      const ledgerJson = JSON.stringify(await stack.ledger());
      const logs = [...workers.map((w) => w.output()), joined.stdout, joined.stderr, again.stdout, again.stderr, plan.stdout, plan.stderr].join('\n');
      for (const secret of [SAMBA_PASSWORD, ADMIN_PASSWORD]) {
        for (const needle of secretNeedles(secret)) {
          assert.ok(!histories.text.includes(needle), 'a password is in a workflow history');
          assert.ok(!ledgerJson.includes(needle), 'a password is in the ledger');
          assert.ok(!logs.includes(needle), 'a password is in a log');
        }
      }
      assert.ok(entries.some((e) => e.kind === 'user.password' && e.details?.user === 'phoenix_admin'), 'the admin password was set');
    } finally {
      await client.connection.close();
    }
  });
});
