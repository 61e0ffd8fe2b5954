/**
 * Acceptance (issue 10): cancelling is an outcome. A run cancelled during the NVIDIA job ends
 * Canceled (`cancel` and `status` say so), its job finishes in the guest, and the next run takes
 * the job's result over instead of running the installer again; a run cancelled during its clone
 * task converges on the next `start`; a cancelled `up --all` ends Canceled, starts nothing more,
 * leaves the guest runs it had started to finish, and a later `up --all` converges with no
 * side effect repeated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { countBy, jobs, ledgerText, nvidiaInstalls, target, temporalClient, WINDOWED_TIME_SCALE, waitFor } from './helpers';

describe('cancel, then start again', () => {
  let stack: Stack;
  let client: Client;
  const lastSeq = async () => (await stack.ledger()).at(-1)?.seq ?? 0;

  before(async () => {
    // The NVIDIA job lasts 10 s here (200 s before scaling, not 20): `cancel` must arrive while it
    // runs, and on a busy machine (test files run side by side) a CLI process takes seconds to start.
    stack = await startStack({ timeScale: WINDOWED_TIME_SCALE, simArgs: ['--guest-duration', 'nvidia=200'], workerEnv: { PHOENIX_HEARTBEAT_TIMEOUT: '8s' } });
    await stack.startWorker();
    client = await temporalClient(stack);
  });

  after(async () => {
    await client?.connection.close();
    await stack?.stop();
  });

  it('cancel during the NVIDIA job: Canceled, the job finishes, the next run takes it over; the installer ran once', { timeout: 240_000 }, async () => {
    const mark = await lastSeq();
    const detached = await stack.cli(['start', '901', '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    await waitFor('the nvidia job to start in 901', async () =>
      (await stack.ledger()).find((e) => e.seq > mark && e.kind === 'job.start' && e.vmid === 901 && /feature-nvidia$/.test(String(e.details?.jobId))), 120_000);

    const cancelled = await stack.cli(['cancel', '901']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /phoenix-lxc-901: cancelled during apply_features:nvidia/);
    const status = await stack.cli(['status', '901']);
    assert.match(status.stdout, /phoenix-lxc-901: CANCELLED/);
    assert.match(status.stdout, /cancelled +apply_features:nvidia/);

    const again = await stack.cli(['start', '950']);
    const entries = await stack.ledger();
    const why = `\n${again.stdout}\n${again.stderr}\nledger:\n${ledgerText(entries)}`;
    assert.equal(again.code, 0, why);
    assert.match(again.stderr, /\[CT 901\] ✔ apply_features:nvidia .*— finished job \S+ \(started by an earlier run\)/, why);
    assert.equal(nvidiaInstalls(entries).length, 1, `the NVIDIA installer ran once${why}`);
    for (const [id, job] of jobs(entries)) assert.equal(job.starts, 1, `job ${id} started once${why}`);
    assert.equal([...jobs(entries).keys()].filter((id) => /-901-.*feature-nvidia$/.test(id)).length, 1, `one nvidia job in 901${why}`);
    assert.deepEqual(countBy(entries, ['lxc.create', 'lxc.clone']), { 'lxc.create 900': 1, 'lxc.clone 901': 1, 'lxc.clone 920': 1, 'lxc.clone 950': 1 }, why);
  });

  it('cancel during the clone task: Canceled, and the next start converges from the live state', { timeout: 180_000 }, async () => {
    const mark = await lastSeq();
    // The clone task lasts 10 s here (100 ms at this time scale otherwise): the cancel, a CLI
    // process started on a loaded machine, arrives while it runs instead of after 955's run ended.
    await stack.setDurations({ vzclone: 200_000 });
    const detached = await stack.cli(['start', '955', '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    await waitFor('the clone of 955 to start', async () => (await stack.ledger()).find((e) => e.seq > mark && e.kind === 'lxc.clone' && target(e) === 955), 60_000, 50);
    await stack.setDurations({ vzclone: 2_000 });
    const cancelled = await stack.cli(['cancel', '955']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /phoenix-lxc-955: cancelled/);

    const again = await stack.cli(['start', '955']);
    const entries = await stack.ledger();
    const why = `\n${again.stdout}\n${again.stderr}\nledger:\n${ledgerText(entries.filter((e) => e.seq > mark))}`;
    assert.equal(again.code, 0, why);
    assert.match(again.stdout, /CT 955 ready/);
    assert.equal(countBy(entries, ['lxc.clone'])['lxc.clone 955'], 1, `955 was cloned once${why}`);
  });

  it('cancel of up --all: Canceled, nothing more started, its runs finish; a later up --all converges with nothing repeated', { timeout: 420_000 }, async () => {
    const mark = await lastSeq();
    const up = stack.cli(['up', '--all', '--workflow-id', 'phoenix-up-e2e-cancel']);
    await waitFor('a job of the up to start', async () => (await stack.ledger()).find((e) => e.seq > mark && e.kind === 'job.start'), 120_000, 100);
    const cancelled = await stack.cli(['cancel', '--workflow-id', 'phoenix-up-e2e-cancel']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /phoenix-up-e2e-cancel: cancelled/);
    const upRun = await up;
    assert.equal(upRun.code, 1, upRun.stderr);
    assert.match(upRun.stderr, /phoenix-up-e2e-cancel was cancelled: it started nothing more/);

    // Its children were abandoned, not cancelled: each one still running finishes on its own.
    const children = await waitFor('the abandoned children to finish', async () => {
      const runs = [];
      for await (const w of client.workflow.list({ query: 'ParentWorkflowId = "phoenix-up-e2e-cancel"' })) runs.push(w);
      return runs.every((w) => w.status.name !== 'RUNNING') ? runs : undefined;
    }, 240_000, 500);
    assert.ok(children.length > 0, 'the up had started children');
    assert.deepEqual(children.filter((w) => w.status.name !== 'COMPLETED').map((w) => `${w.workflowId} ${w.status.name}`), []);

    const again = await stack.cli(['up', '--all']);
    const entries = await stack.ledger();
    const why = `\n${again.stdout}\n${again.stderr}\nledger:\n${ledgerText(entries.filter((e) => e.seq > mark))}`;
    assert.equal(again.code, 0, why);
    for (const [key, count] of Object.entries(countBy(entries, ['lxc.create', 'lxc.clone', 'qemu.create', 'qemu.clone']))) assert.equal(count, 1, `${key}${why}`);
    for (const [id, job] of jobs(entries)) assert.equal(job.starts, 1, `job ${id} started once${why}`);
    assert.equal(nvidiaInstalls(entries).length, 1, why);
  });
});
