/**
 * Acceptance (issue 6, the Web UI's "reset to the failed step"): a run that failed at its health
 * check, once the cause is fixed, is reset with `temporal workflow reset` to the workflow task that
 * scheduled the failed step, and the new run completes from there: the steps before it are not
 * run again (no second clone, no second job), which is what resetting from the Web UI does too.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { findTemporalBinary } from '../../src/temporal/temporal-binary';
import { configCopy, countBy, ledgerText, temporalClient, TIME_SCALE, type ConfigCopy } from './helpers';

const EventType = temporal.api.enums.v1.EventType;

describe('a failed run, reset to its failed step', () => {
  let stack: Stack;
  let client: Client;
  let config: ConfigCopy;

  before(async () => {
    // 952's health check passes only once /srv/ready exists inside the container.
    config = configCopy(({ lxc }) => {
      lxc.lxc_configs['952'].health_check = { command: 'test -e /srv/ready', retries: 1, interval: 1 };
    });
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
    client = await temporalClient(stack);
  });

  after(async () => {
    await client?.connection.close();
    await stack?.stop();
    config?.remove();
  });

  it('completes from the failed step without repeating the steps before it', async () => {
    const failed = await stack.cli(['start', '952']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /step run_health_check failed/);
    const before = await stack.ledger();

    // The operator fixes the cause inside the container.
    const rootfs = join(stack.stateDir, 'sim', 'guests', '952', 'rootfs', 'srv');
    mkdirSync(rootfs, { recursive: true });
    writeFileSync(join(rootfs, 'ready'), '');

    // The reset point: the workflow task completed just before the failed step was scheduled.
    const handle = client.workflow.getHandle('phoenix-lxc-952');
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.findIndex(
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'runHealthCheck',
    );
    assert.ok(scheduled > 0, 'the failed run scheduled runHealthCheck');
    const resetPoint = events.slice(0, scheduled).reverse().find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    assert.ok(resetPoint?.eventId, 'a workflow task completed before the health check');

    await promisify(execFile)(findTemporalBinary(), [
      'workflow', 'reset', '--address', stack.temporal.address, '--namespace', stack.temporal.namespace,
      '--workflow-id', 'phoenix-lxc-952', '--event-id', String(resetPoint.eventId), '--reason', 'health check cause fixed',
    ]);
    const result = (await client.workflow.getHandle('phoenix-lxc-952').result()) as { steps: Array<{ name: string }> };
    assert.ok(result.steps.some((s) => s.name === 'run_health_check'), JSON.stringify(result));

    const added = (await stack.ledger()).slice(before.length);
    assert.deepEqual(countBy(added, ['lxc.create', 'lxc.clone', 'lxc.snapshot', 'job.start', 'installer.run']), {}, ledgerText(added));
  });
});
