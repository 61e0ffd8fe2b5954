/**
 * Acceptance (issue 6): `phoenix-client up 952 950` brings both guests and their templates up as one
 * workflow: branches cloned from DIFFERENT sources overlap in time, two clones of ONE source never
 * do (while the rest of their runs overlaps: issue 11's clone slots). A failing branch (952's health check made `false`) stops only what needs it: a guest that
 * depends on 952 is skipped, 950 still succeeds, and the report says which is which.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import type { PhoenixUpResult } from '../../src/shared/phoenix-up';
import { cloneIntervals, configCopy, countBy, ledgerText, SIDE_EFFECTS, temporalClient, TIME_SCALE, waitFor, type CloneInterval, type ConfigCopy } from './helpers';

const overlap = (a: CloneInterval, b: CloneInterval) => a.start < b.end && b.start < a.end;

describe('phoenix-client up', () => {
  let stack: Stack;
  let config: ConfigCopy;

  before(async () => {
    config = configCopy();
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('up 952 950 builds both chains in one workflow, different sources in parallel, one source at a time', async () => {
    const run = await stack.cli(['up', '952', '950']);
    assert.equal(run.code, 0, `up failed:\n${run.stdout}\n${run.stderr}`);
    for (const id of [900, 901, 902, 920, 950, 952]) assert.match(run.stdout, new RegExp(`succeeded CT ${id}`));
    assert.match(run.stdout, /boot order: 950, 952/);
    assert.match(run.stderr, /started phoenix-up-[0-9a-f]{12}/);
    // The follower learns the children from the fleet run's own query and shows their last steps.
    for (const id of [900, 950, 952]) assert.match(run.stderr, new RegExp(`\\[CT ${id}\\] \\S+ start_container`), `CT ${id}'s steps are shown:\n${run.stderr}`);

    const ledger = await stack.ledger();
    const why = `\nledger:\n${ledgerText(ledger.filter((e) => e.details?.upid))}`;
    assert.deepEqual(
      countBy(ledger, ['lxc.create', 'lxc.clone', 'lxc.destroy']),
      { 'lxc.create 900': 1, 'lxc.clone 901': 1, 'lxc.clone 902': 1, 'lxc.clone 920': 1, 'lxc.clone 950': 1, 'lxc.clone 952': 1 },
      why,
    );
    const clones = cloneIntervals(ledger);
    const text = clones.map((c) => `${c.source}→${c.newid} [${c.start}, ${c.end}]`).join('\n');
    for (const a of clones) {
      for (const b of clones) {
        if (a.newid >= b.newid || !overlap(a, b)) continue;
        assert.notEqual(a.source, b.source, `two clones of ${a.source} ran at once:\n${text}${why}`);
      }
    }

    // The clone lock serialises only the clones of one source (checked above from the tasks);
    // the rest of the children cloned from 900 (901, 902) overlaps: branches run in parallel.
    // (Clone tasks of different sources no longer line up in time: each follows its own parent.)
    const upId = /started (phoenix-up-[0-9a-f]{12})/.exec(run.stderr)![1]!;
    const client = await temporalClient(stack);
    try {
      const report = (await client.workflow.getHandle(upId).result()) as PhoenixUpResult;
      const span = (id: number) => report.succeeded.find((s) => s.id === id)!;
      const runs = JSON.stringify(report.succeeded.map((s) => [s.id, s.startedAt, s.endedAt]));
      assert.ok(span(902).startedAt < span(901).endedAt && span(901).startedAt < span(902).endedAt, `901 and 902 did not overlap: ${runs}`);
    } finally {
      await client.connection.close();
    }
  });

  it('a guest whose run a start began is waited for, not started twice', async () => {
    // 955's run is held (its clone answers "CT is locked", which Phoenix retries) until up has
    // reached it and is waiting for it; then the hold is lifted. No wall-clock race decides it.
    await stack.setFaults([{ target: 'api', match: 'POST /nodes/*/lxc/*/clone', kind: 'lock', lock: 'clone' }]);
    const started = await stack.cli(['start', '955', '--detach']);
    assert.equal(started.code, 0, started.stderr);
    const client = await temporalClient(stack);
    let run: Awaited<ReturnType<Stack['cli']>>;
    try {
      const up = stack.cli(['up', '955']);
      await waitFor('up to wait for the run of 955 that start began', async () => {
        for await (const w of client.workflow.list({ query: "WorkflowType = 'phoenixUp' AND ExecutionStatus = 'Running'" })) {
          const pending = (await client.workflow.getHandle(w.workflowId).describe()).raw.pendingActivities ?? [];
          if (pending.some((a) => a.activityType?.name === 'awaitGuestRun')) return true;
        }
        return undefined;
      }, 120_000, 250);
      await stack.setFaults([]);
      run = await up;
    } finally {
      await stack.setFaults([]);
      await client.connection.close();
    }
    assert.equal(run.code, 0, `up failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /succeeded CT 955 \(joined the run in progress\)/);
    assert.match(run.stdout, /succeeded CT 900\n/);
    const ledger = await stack.ledger();
    assert.deepEqual(countBy(ledger, ['lxc.clone'])['lxc.clone 955'], 1, ledgerText(ledger));
  });

  it('a failing branch stops only its dependants; the report lists succeeded, failed (step, reason) and skipped', async () => {
    const file = join(config.dir, 'phoenix_lxc_configs.json');
    const lxc = JSON.parse(readFileSync(file, 'utf8'));
    lxc.lxc_configs['952'].health_check = { command: 'false', retries: 1, interval: 1 };
    lxc.lxc_configs['955'].dependencies = [952];
    writeFileSync(file, JSON.stringify(lxc, null, 2));
    const before = (await stack.ledger()).at(-1)!.seq;

    const run = await stack.cli(['up', '950', '952', '955']);
    assert.equal(run.code, 1, `up should fail:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /succeeded CT 950/);
    assert.match(run.stderr, /failed +CT 952 at step run_health_check: /);
    assert.match(run.stderr, /skipped +CT 955: needs 952/);
    assert.doesNotMatch(run.stderr, /(succeeded|failed) +CT 955/);

    // 955 was never touched: no clone, no job; 950 changed nothing.
    const added = (await stack.ledger()).filter((e) => e.seq > before);
    assert.deepEqual(added.filter((e) => e.vmid === 955 || e.details?.newid === 955), [], ledgerText(added));
    assert.deepEqual(added.filter((e) => SIDE_EFFECTS.includes(e.kind) && e.kind !== 'job.start'), [], ledgerText(added));
  });

  it('reconfigure to a snapshot the guest does not have fails clearly and changes nothing', async () => {
    const file = join(config.dir, 'phoenix_lxc_configs.json');
    const original = readFileSync(file, 'utf8');
    const lxc = JSON.parse(original);
    lxc.lxc_configs['950'].reconfigure_snapshot_name = 'never-taken';
    writeFileSync(file, JSON.stringify(lxc, null, 2));
    const before = (await stack.ledger()).at(-1)!.seq;
    const run = await stack.cli(['reconfigure', '950']);
    writeFileSync(file, original);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /CT 950 has no 'never-taken' snapshot to roll back to \(it has: pre-configured\)/);
    const added = (await stack.ledger()).filter((e) => e.seq > before && e.details?.upid);
    assert.deepEqual(added, [], ledgerText(added));
  });

  it('bad input exits 2 and starts nothing', async () => {
    const unknown = await stack.cli(['up', '950', '4242']);
    assert.equal(unknown.code, 2, unknown.stderr);
    const both = await stack.cli(['up', '--all', '950']);
    assert.equal(both.code, 2, both.stderr);
    const none = await stack.cli(['up']);
    assert.equal(none.code, 2, none.stderr);
  });
});
