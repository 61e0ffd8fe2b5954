// Window 3: a Proxmox task that dies with the API process (PVE then shows `unexpected status`)
// is not a failure of the step: the retried attempt re-examines whether the effect happened and
// re-issues the request only if it did not. And the retry budget of a step is a deadline in
// time (well over an hour by default), not a count that a few minutes of outage exhaust.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { provisioningDepsFromEnv } from '../../src/activities/common/provisioning-deps';
import { createLxcActivities } from '../../src/activities/lxc';
import * as presets from '../../src/workflows/activity-presets';
import { REPO, startStack, type Stack } from '../../scripts/lib/stack';
import { attempt } from './activity-world';

describe('a task lost with the API process', { timeout: 180_000 }, () => {
  let stack: Stack;
  let configDir: string;
  before(async () => {
    stack = await startStack({ timeScale: 2 });
    configDir = mkdtempSync(join(tmpdir(), 'phoenix-w3-'));
    cpSync(join(REPO, 'config'), configDir, { recursive: true });
  });
  after(async () => {
    await stack?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  test('create_template_snapshot: the API dies mid-task; the retry takes the snapshot once', { timeout: 120_000 }, async () => {
    const deps = provisioningDepsFromEnv({ env: { ...stack.sim.env, PHOENIX_CONFIG_DIR: configDir }, taskQueue: 'unused' });
    const lxc = createLxcActivities(deps);
    const plan = (await attempt(() => lxc.loadLxcPlan({ ctid: 900 }))).result!;
    assert.ifError((await attempt(() => lxc.ensureContainerDefined(plan))).error);

    let crash: Promise<void> | undefined;
    const first = await attempt(() => lxc.createTemplateSnapshot(plan), {
      onHeartbeat: (d) => {
        if ((d as { upid?: string }).upid && !crash) crash = stack.sim.kill9().then(() => stack.sim.restart());
      },
    });
    await crash;
    assert.ok(crash, 'the API was killed while the snapshot task ran');
    assert.ok(first.error instanceof ApplicationFailure, String(first.error));
    assert.equal(first.error.nonRetryable, false, `a lost task must be retried: ${first.error.message}`);

    const second = await attempt(() => lxc.createTemplateSnapshot(plan), { attempt: 2, heartbeatDetails: first.lastHeartbeat });
    assert.ifError(second.error);
    const snapshots = (await stack.ledger()).filter((e) => e.kind === 'lxc.snapshot' && e.vmid === 900);
    assert.equal(snapshots.length, 1, 'one snapshot taken');
  });
});

test('every provisioning step retries until a deadline in time of at least an hour, not for a count of attempts', { timeout: 5_000 }, () => {
  for (const [name, preset] of Object.entries(presets)) {
    if (typeof preset !== 'object' || !preset || !('retry' in preset) || name === 'personWaitingRead') continue;
    assert.ok(!preset.retry?.maximumAttempts, `${name}: maximumAttempts ${preset.retry?.maximumAttempts}`);
    assert.ok(preset.scheduleToCloseTimeout !== undefined && msToNumber(preset.scheduleToCloseTimeout) >= 3_600_000, `${name}: scheduleToCloseTimeout ${String(preset.scheduleToCloseTimeout)}`);
  }
  const shorter = presets.withWorkerTimeouts(presets.proxmoxTask, { retryDeadline: '10m' });
  assert.equal(msToNumber(shorter.scheduleToCloseTimeout!), msToNumber('10m') + msToNumber(presets.proxmoxTask.startToCloseTimeout!));
});
