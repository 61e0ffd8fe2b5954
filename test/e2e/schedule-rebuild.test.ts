/**
 * Acceptance (issue 6, point 2): scheduled template rebuilds. A schedule with a far-future cron
 * is created, triggered now (a second trigger meanwhile is skipped), and its rebuildTemplates run shows in `phoenix-client list`, builds
 * 900 then 901 against the simulator and completes; describe/pause/unpause/delete behave; a bad
 * cron or an unknown template exits 2 naming the argument and creates nothing.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { REPO, startStack, type Stack } from '../../scripts/lib/stack';
import { countBy, ledgerText, temporalClient, TIME_SCALE, waitFor } from './helpers';

const FAR_FUTURE = '0 3 29 2 *'; // 29 February: at most once in four years

describe('phoenix-client schedule: scheduled template rebuilds', () => {
  let stack: Stack;
  let client: Client;
  const name = `e2e-${process.pid}`;
  const id = `phoenix-rebuild-${name}`;

  // A copy of the shipped config, so the last test can change a template between rebuilds.
  const configDir = mkdtempSync(join(tmpdir(), 'phoenix-rebuild-config-'));

  before(async () => {
    cpSync(join(REPO, 'config'), configDir, { recursive: true });
    stack = await startStack({ timeScale: TIME_SCALE, configDir });
    await stack.startWorker();
    client = await temporalClient(stack);
  });

  after(async () => {
    await client?.schedule.getHandle(id).delete().catch(() => undefined);
    await client?.connection.close();
    await stack?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('refuses a bad cron and an unknown template with exit 2, naming the argument, and creates nothing', async () => {
    const badCron = await stack.cli(['schedule', 'create', '--templates', '900', '--cron', '0 3 * *', '--id', name]);
    assert.equal(badCron.code, 2, badCron.stderr);
    assert.match(badCron.stderr, /--cron/);
    const badRange = await stack.cli(['schedule', 'create', '--templates', '900', '--cron', '61 3 * * 0', '--id', name]);
    assert.equal(badRange.code, 2, badRange.stderr);
    assert.match(badRange.stderr, /--cron .*minute/);
    const unknown = await stack.cli(['schedule', 'create', '--templates', '900,4242', '--cron', FAR_FUTURE, '--id', name]);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--templates: 4242/);
    const notTemplate = await stack.cli(['schedule', 'create', '--templates', '950', '--cron', FAR_FUTURE, '--id', name]);
    assert.equal(notTemplate.code, 2, notTemplate.stderr);
    assert.match(notTemplate.stderr, /--templates: 950 is not a container template/);
    const listed = await stack.cli(['schedule', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).schedules, []);
  });

  it('creates, triggers (the run builds 901 after 900 and shows in list), describes, pauses, unpauses and deletes', async () => {
    // Children last on the command line: the workflow still builds the parent first.
    const created = await stack.cli(['schedule', 'create', '--templates', '901,900', '--cron', FAR_FUTURE, '--id', name]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`${id} created`));

    const again = await stack.cli(['schedule', 'create', '--templates', '900', '--cron', FAR_FUTURE, '--id', name]);
    assert.equal(again.code, 2, `a second create with the same id must be refused:\n${again.stderr}`);

    const listed = await waitFor('the schedule in schedule list', async () => {
      const r = await stack.cli(['schedule', 'list', '--json']);
      const s = (JSON.parse(r.stdout).schedules as Array<{ scheduleId: string; templates: number[]; cron: string[] }>).find((x) => x.scheduleId === id);
      return s;
    }, 20_000, 500);
    assert.deepEqual(listed.templates, [901, 900]);
    assert.deepEqual(listed.cron, [FAR_FUTURE]);

    const triggered = await stack.cli(['schedule', 'trigger', name]);
    assert.equal(triggered.code, 0, triggered.stderr);
    // A second trigger while the first run is going is skipped (overlap policy SKIP).
    const overlapping = await stack.cli(['schedule', 'trigger', name]);
    assert.equal(overlapping.code, 0, overlapping.stderr);

    // The run appears in `phoenix-client list` (PhoenixKind='rebuild') and completes.
    const run = await waitFor('the rebuild run in phoenix-client list', async () => {
      const r = await stack.cli(['list', '--json']);
      const runs = JSON.parse(r.stdout) as Array<{ workflowId: string; type: string; status: string }>;
      return runs.find((x) => x.type === 'rebuildTemplates' && x.workflowId.startsWith(id));
    }, 30_000, 500);
    const handle = client.workflow.getHandle(run.workflowId);
    const result = (await handle.result()) as { templates: Array<{ ctid: number; changedSteps: string[] }> };
    assert.deepEqual(result.templates.map((t) => t.ctid), [900, 901]);
    const ledger = await stack.ledger();
    assert.deepEqual(countBy(ledger, ['lxc.create', 'lxc.clone', 'lxc.snapshot']), {
      'lxc.create 900': 1, 'lxc.clone 901': 1, 'lxc.snapshot 900': 1, 'lxc.snapshot 901': 1,
    }, ledgerText(ledger));
    const done = await stack.cli(['list', '--json']);
    const statuses = Object.fromEntries((JSON.parse(done.stdout) as Array<{ workflowId: string; status: string }>).map((r) => [r.workflowId, r.status]));
    assert.equal(statuses[run.workflowId], 'COMPLETED', done.stdout);
    assert.equal(statuses['phoenix-lxc-900'], 'COMPLETED', 'the template keeps its own workflow id');
    const rebuilds = (JSON.parse(done.stdout) as Array<{ type: string }>).filter((r) => r.type === 'rebuildTemplates');
    assert.equal(rebuilds.length, 1, `the overlapping trigger started a second rebuild:\n${done.stdout}`);

    const described = await stack.cli(['schedule', 'describe', name, '--json']);
    assert.equal(described.code, 0, described.stderr);
    const d = JSON.parse(described.stdout).schedule;
    assert.equal(d.paused, false);
    assert.ok(d.recentRuns.some((r: { workflowId: string }) => r.workflowId === run.workflowId), described.stdout);

    const paused = await stack.cli(['schedule', 'pause', name, '--note', 'maintenance window']);
    assert.equal(paused.code, 0, paused.stderr);
    const whilePaused = JSON.parse((await stack.cli(['schedule', 'describe', name, '--json'])).stdout).schedule;
    assert.equal(whilePaused.paused, true);
    assert.equal(whilePaused.note, 'maintenance window');

    const unpaused = await stack.cli(['schedule', 'unpause', name]);
    assert.equal(unpaused.code, 0, unpaused.stderr);
    assert.equal(JSON.parse((await stack.cli(['schedule', 'describe', name, '--json'])).stdout).schedule.paused, false);

    const deleted = await stack.cli(['schedule', 'delete', name]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await stack.cli(['schedule', 'describe', name]);
    assert.equal(gone.code, 2, gone.stderr);
    assert.match(gone.stderr, /no schedule named/);
  });

  it('re-takes the clone snapshot of a template its rebuild changed, and only that one', async () => {
    const file = join(configDir, 'phoenix_lxc_configs.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config.lxc_configs['901'].memory_mb += 512;
    writeFileSync(file, JSON.stringify(config, null, 2));
    const before = await stack.ledger();

    const result = (await client.workflow.execute('rebuildTemplates', {
      workflowId: `phoenix-rebuild-e2e-changed-${process.pid}`,
      taskQueue: stack.taskQueue,
      args: [{ templates: [900, 901] }],
    })) as { templates: Array<{ ctid: number; changedSteps: string[]; snapshotRefreshed: boolean }> };

    const byId = Object.fromEntries(result.templates.map((t) => [t.ctid, t]));
    assert.equal(byId[900]!.snapshotRefreshed, false, 'an unchanged template keeps its snapshot');
    assert.deepEqual(byId[901]!.changedSteps, ['apply_configurations']);
    assert.equal(byId[901]!.snapshotRefreshed, true);
    const added = (await stack.ledger()).slice(before.length);
    assert.deepEqual(countBy(added, ['lxc.snapshot', 'lxc.snapshot.delete', 'lxc.create', 'lxc.clone']), {
      'lxc.snapshot.delete 901': 1, 'lxc.snapshot 901': 1,
    }, ledgerText(added));
  });
});
