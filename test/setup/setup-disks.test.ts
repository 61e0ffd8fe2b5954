/**
 * Acceptance (issue 12): a pool is never created on disks that hold data. Without
 * `--wipe-disks --yes` setup refuses, naming what is on the disk, and no disk is touched; with
 * it, only the disk holding data is erased and the pool is created.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { ledgerText, TIME_SCALE } from '../e2e/helpers';
import { profileWithDataDisk, setupConfig } from './fixtures';

const DISK_EFFECTS = ['disk.wipe', 'zpool.create', 'zfs.create', 'storage.add'];

describe('setup on a host whose disks hold data', () => {
  let stack: Stack;
  const config = setupConfig({ driver: false });
  const profile = profileWithDataDisk();

  before(async () => {
    stack = await startStack({
      timeScale: TIME_SCALE,
      configDir: config.dir,
      simArgs: ['--host-profile', profile],
      workerEnv: { PHOENIX_SAMBA_PASSWORD_HEADS: 'not-a-real-password-1' },
    });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    config.remove();
    rmSync(profile, { force: true });
  });

  it('refuses without --wipe-disks --yes and touches no disk; erases only the occupied disk with it', { timeout: 240_000 }, async () => {
    const plan = await stack.cli(['plan', '--setup']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /zfs_pools\s+refusing to create pool\(s\) quickOS: \/dev\/disk\/by-id\/nvme-SIM_NVME_2TB_B holds \/dev\/nvme1n1p1: ext4 "family-photos"/);

    const refused = await stack.cli(['setup']);
    let entries = await stack.ledger();
    assert.equal(refused.code, 1, `${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /setup step zfs_pools failed: .*nvme-SIM_NVME_2TB_B holds \/dev\/nvme1n1p1: ext4 "family-photos".*Nothing was changed.*--wipe-disks --yes/s);
    assert.deepEqual(entries.filter((e) => DISK_EFFECTS.includes(e.kind)).map((e) => e.kind), [], `no disk, pool or dataset touched\n${ledgerText(entries)}`);
    assert.ok(!entries.some((e) => e.kind === 'ssh.exec' && /wipefs|zpool create/.test(String(e.details?.command))), 'no wipefs or zpool create was even sent');

    const unconfirmed = await stack.cli(['setup', '--wipe-disks']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /add --yes to confirm/);

    const wiped = await stack.cli(['setup', '--wipe-disks', '--yes']);
    entries = await stack.ledger();
    assert.equal(wiped.code, 0, `${wiped.stdout}\n${wiped.stderr}\n${ledgerText(entries)}`);
    const wipes = entries.filter((e) => e.kind === 'disk.wipe');
    assert.deepEqual(wipes.map((e) => [e.details?.disk, e.details?.erased]), [['nvme-SIM_NVME_2TB_B', ['ext4']]]);
    assert.equal(entries.filter((e) => e.kind === 'zpool.create').length, 1);
    assert.equal(entries.filter((e) => e.kind === 'host.reboot').length, 0, 'no driver configured, no reboot');
  });
});
