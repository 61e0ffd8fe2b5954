/**
 * `--cron` is checked locally (src/cli/schedules/schedule-spec.ts) so a bad expression exits 2
 * before anything is sent. That check is only right if it agrees with the server: every
 * expression below is submitted to the real dev server's schedule API and the two verdicts
 * are compared. The expressions the issue named (@daily, MON-FRI, JAN accepted; 5-3 refused)
 * are in the table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { checkCron } from '../../src/cli/schedules/schedule-spec';
import { UsageError } from '../../src/cli/errors';
import { findTemporalBinary } from '../../src/temporal/temporal-binary';

const TABLE = [
  // accepted by Temporal
  '0 3 * * 0', '*/15 * * * *', '0 1-5/2 1,15 * 1-5', '0 3 * * 7', '@daily', '@midnight', '@hourly', '@weekly', '@monthly',
  '@yearly', '@annually', '0 3 * * MON-FRI', '0 3 1 JAN *', '0 3 * jan-mar sun', '0 3 * * mo,we,fr', '0 3 * * Saturday',
  '0 3 * * 5-7', '0 3 * * 3/2', '5/10 * * * *', '0 3 * * 0 # nightly', '0 0 1 1 * 2030', '30 0 3 * * * 2030-2040',
  '0 0 * * * *', '+5 * * * *', '0 3 * * */7', '0 0 31 2 *', '07 03 * * *',
  // refused by Temporal
  '5-3 * * * *', '', '0 3 * *', '1 2 3 4 5 6 7 8', '60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 13 *', '*/0 * * * *',
  '0 3 * * 8', '0 3 * * FRI-MON', '0 3 * ja *', '0 3 * * s', '1-2-3 * * * *', '1/2/3 * * * *', '5/ * * * *', '1,,2 * * * *',
  '0 3 * * 0; rm -rf /', '$(id) * * * *', '0 0 1 1 * 1999', '@reboot', '@daily 0', 'L * * * *', '0 3 ? * *', '-1 * * * *',
  `0 3 * * 0 # ${'x'.repeat(201)}`, '1/-1 * * * *',
];
/** Accepted by the server, refused by Phoenix on purpose: Phoenix schedules are UTC calendar crons. */
const NARROWER = ['CRON_TZ=Europe/Paris 0 3 * * *', 'TZ=UTC 0 3 * * *', '@every 1h', '@every 24h/1h'];

function localVerdict(cron: string): boolean {
  try {
    checkCron(cron);
    return true;
  } catch (err) {
    assert.ok(err instanceof UsageError && /--cron/.test(err.message), `refusal of ${JSON.stringify(cron)} is a usage error naming --cron`);
    return false;
  }
}

describe('--cron agrees with the Temporal server', { timeout: 120_000 }, () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: findTemporalBinary() }, ip: '127.0.0.1' } });
  });
  after(async () => env?.teardown());

  let n = 0;
  async function serverVerdict(cron: string): Promise<boolean> {
    const scheduleId = `cron-grammar-${n++}`;
    try {
      await env.client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [cron] },
        action: { type: 'startWorkflow', workflowType: 'neverRuns', taskQueue: 'cron-grammar', workflowId: scheduleId },
        state: { paused: true },
      });
    } catch (err) {
      // The client's translation of the server's "Invalid schedule spec" InvalidArgument.
      if (err instanceof TypeError) return false;
      throw err;
    }
    await env.client.schedule.getHandle(scheduleId).delete();
    return true;
  }

  test('every expression in the table gets the same verdict locally and from the server', { timeout: 90_000 }, async () => {
    const disagreements: string[] = [];
    let accepted = 0;
    for (const cron of TABLE) {
      const [local, server] = [localVerdict(cron), await serverVerdict(cron)];
      if (server) accepted++;
      if (local !== server) disagreements.push(`${JSON.stringify(cron)}: server ${server ? 'accepts' : 'refuses'}, local ${local ? 'accepts' : 'refuses'}`);
    }
    assert.deepEqual(disagreements, []);
    // Both sides of the grammar are exercised, not just one.
    assert.ok(accepted >= 20 && TABLE.length - accepted >= 20, `${accepted} accepted of ${TABLE.length}`);
  });

  test('time zones and @every, which the server accepts, are refused locally with a reason', { timeout: 30_000 }, async () => {
    for (const cron of NARROWER) {
      assert.equal(await serverVerdict(cron), true, cron);
      assert.throws(() => checkCron(cron), (err: unknown) => err instanceof UsageError && /not supported/.test(err.message), cron);
    }
  });
});
