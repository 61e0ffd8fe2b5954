/**
 * The reboot step's activity against the simulator over real SSH: a host that stays away past the
 * deadline fails the step with the last thing seen, and a retried attempt given the heartbeat of
 * the one before resumes the wait without rebooting again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { provisioningDepsFromEnv } from '../../src/activities/common/provisioning-deps';
import { createRebootHost } from '../../src/activities/setup/reboot';
import { DEFAULT_HOST_PROFILE, envLines, sshEndpoint, startSimulator, type RunningSimulator } from 'phoenix-sim';
import { setupConfig } from './fixtures';

describe('rebootHost activity', () => {
  let sim: RunningSimulator;
  const config = setupConfig();
  const stateDir = mkdtempSync(join(tmpdir(), 'phoenix-reboot-'));

  before(async () => {
    sim = await startSimulator({
      stateDir,
      timeScale: 0.01,
      ssh: sshEndpoint({ hostProfile: { ...DEFAULT_HOST_PROFILE, durations: { ...DEFAULT_HOST_PROFILE.durations, rebootDownMs: 400_000, pveproxyStartMs: 10_000 } } }),
    });
  });

  after(async () => {
    await sim?.close();
    rmSync(stateDir, { recursive: true, force: true });
    config.remove();
  });

  it('fails past the deadline naming what it last saw; a retry with its heartbeat waits without rebooting again', { timeout: 60_000 }, async () => {
    const env = Object.fromEntries(envLines(sim).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const deps = provisioningDepsFromEnv({ env: { ...env, PHOENIX_CONFIG_DIR: config.dir }, taskQueue: 'unused' });
    const bootIdBefore = await deps.withHost(async ({ run }) => (await run.execChecked(['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim());

    const first = new MockActivityEnvironment();
    const beats: unknown[] = [];
    first.on('heartbeat', (d: unknown) => beats.push(d));
    const input = { bootIdBefore, reasons: ['NVIDIA driver 580.76.05 is installed but not loaded'], timeoutMs: 1_500 };
    await assert.rejects(first.run(createRebootHost(deps), input), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure && err.nonRetryable, String(err));
      assert.match(err.message, /^host pve did not come back within 2 s of its reboot; last seen: no SSH: /);
      return true;
    });
    assert.equal(sim.ledger({ kind: 'host.reboot' }).length, 1);
    const last = beats.at(-1) as { bootIdBefore: string; rebootedAt: number };
    assert.equal(last.bootIdBefore, bootIdBefore);

    // The next attempt (another worker) gets the last heartbeat and a deadline the host can meet.
    const retry = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 });
    const outcome = (await retry.run(createRebootHost(deps), { ...input, timeoutMs: 30_000 })) as { summary: string };
    assert.match(outcome.summary, /^waited for the reboot \(NVIDIA driver .*\); back after \d+ s with boot id /);
    assert.equal(sim.ledger({ kind: 'host.reboot' }).length, 1, 'rebooted once');
    assert.equal(sim.ledger({ kind: 'host.up' }).length, 1);
  });
});
