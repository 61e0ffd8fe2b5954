import { test, before, after } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import type { PveClient } from '../../src/proxmox/client';
import { commandRunner } from '../../src/ssh/exec';
import { createJobs, type JobStatus } from '../../src/ssh/jobs';
import { createPct } from '../../src/ssh/pct';
import { createCt, tokenClient } from '../proxmox/sim-harness';
import { waitFor } from 'phoenix-sim';
import { connect, startSimWithSsh } from './ssh-harness';

type Jobs = ReturnType<typeof createJobs>;

/** The job's status once it has ended (succeeded, failed or missing), polling as guest-job.ts does. */
function ended(jobs: Jobs, jobId: string, seen: string[] = []): Promise<JobStatus> {
  return waitFor(
    `job ${jobId} to end`,
    async () => {
      const status = await jobs.jobStatus(CT, jobId);
      seen.push(status.state);
      return status.state === 'running' ? undefined : status;
    },
    20_000,
    100,
  );
}

let sim: RunningSimulator;
let pve: PveClient;
const CT = 410;

before(async () => {
  sim = await startSimWithSsh();
  pve = tokenClient(sim);
  await createCt(pve, sim.node, CT);
  await pve.node(sim.node).lxc(CT).ensureRunning({ pollMs: 50 });
});
after(async () => {
  await pve?.close();
  await sim?.close();
});

// Counts its own starts in the guest, so a second start would show; runs until the test lets it
// finish (touches /root/go), so "running" is seen however slow the machine is.
const SCRIPT = `#!/bin/sh
echo start >> /root/starts
echo "args: $1 | $2 | MODEL=$MODEL"
while [ ! -f /root/go ]; do sleep 0.05; done
echo done
`;

test('a job survives its SSH connection and a second startJob with the same id re-attaches', { timeout: 30_000 }, async () => {
  const hostile = "q'w;$(id)`x`";
  const first = await connect(sim);
  const jobs1 = createJobs(createPct(commandRunner(first)));
  assert.deepEqual(await jobs1.startJob(CT, 'wf-1.install-vllm', { script: SCRIPT, args: [hostile, 'two words'], env: { MODEL: 'Qwen/Qwen2.5 7B' } }), { started: true });
  first.close();

  const second = await connect(sim);
  try {
    const pct = createPct(commandRunner(second));
    const jobs2 = createJobs(pct);
    assert.deepEqual(await jobs2.startJob(CT, 'wf-1.install-vllm', { script: SCRIPT }), { started: false });
    assert.equal((await jobs2.jobStatus(CT, 'wf-1.install-vllm')).state, 'running', 'the job outlived its first connection');
    await pct.pctExecChecked(CT, ['touch', '/root/go']);
    const done = await ended(jobs2, 'wf-1.install-vllm');
    assert.equal(done.state, 'succeeded');
    assert.equal(done.exitCode, 0);
    assert.match(done.logTail, new RegExp(`args: ${hostile.replace(/[$()`|]/g, '\\$&')} \\| two words \\| MODEL=Qwen/Qwen2.5 7B`));
    assert.equal((await pct.pctExecChecked(CT, ['cat', '/root/starts'])).stdout, 'start\n', 'the script ran once');
  } finally {
    second.close();
  }
});

test('a failing job surfaces its exit code and log tail; unknown jobs are missing', { timeout: 30_000 }, async () => {
  const conn = await connect(sim);
  try {
    const jobs = createJobs(createPct(commandRunner(conn)));
    await jobs.startJob(CT, 'wf-2.fail', { script: '#!/bin/sh\necho "pip: no matching distribution for vllm==9.9" >&2\nexit 4\n' });
    const failed = await ended(jobs, 'wf-2.fail');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.exitCode, 4);
    assert.match(failed.logTail, /no matching distribution for vllm==9\.9/);
    assert.equal((await jobs.jobStatus(CT, 'never-started')).state, 'missing');
    await assert.rejects(jobs.startJob(CT, '../escape', { script: '#!/bin/sh\n' }), /job id/);
  } finally {
    conn.close();
  }
});

test('a job folder claimed by a launcher that died before the job started is launched by the next startJob, once', { timeout: 30_000 }, async () => {
  const conn = await connect(sim);
  try {
    const pct = createPct(commandRunner(conn));
    const jobs = createJobs(pct);
    // What a launcher killed right after its mkdir leaves: the folder, nothing in it.
    await pct.pctExecChecked(CT, ['mkdir', '-p', '/var/log/phoenix/jobs/wf-3-feature-once']);
    assert.equal((await jobs.jobStatus(CT, 'wf-3-feature-once')).state, 'failed', 'before: no pid, no exit');
    assert.deepEqual(await jobs.startJob(CT, 'wf-3-feature-once', { script: '#!/bin/sh\necho run >> /root/once\n' }), { started: true });
    assert.deepEqual(await jobs.startJob(CT, 'wf-3-feature-once', { script: '#!/bin/sh\necho run >> /root/once\n' }), { started: false });
    assert.equal((await ended(jobs, 'wf-3-feature-once')).state, 'succeeded');
    assert.equal((await pct.pctExecChecked(CT, ['cat', '/root/once'])).stdout, 'run\n', 'the script ran once');
  } finally {
    conn.close();
  }
});

test("listJobs finds a step's jobs whatever run started them, with their state and script hash", { timeout: 30_000 }, async () => {
  const conn = await connect(sim);
  try {
    const jobs = createJobs(createPct(commandRunner(conn)));
    const slow = '#!/bin/sh\nsleep 2\n';
    await jobs.startJob(CT, 'phoenix-lxc-410-runA-feature-gpu', { script: '#!/bin/sh\nexit 0\n' });
    assert.equal((await ended(jobs, 'phoenix-lxc-410-runA-feature-gpu')).state, 'succeeded');
    await jobs.startJob(CT, 'phoenix-lxc-410-runB-feature-gpu', { script: slow });
    await jobs.startJob(CT, 'phoenix-lxc-410-runB-feature-gpux', { script: slow }); // another step
    const listed = await jobs.listJobs(CT, 'feature-gpu');
    const byId = new Map(listed.map((j) => [j.jobId, j]));
    assert.deepEqual([...byId.keys()].sort(), ['phoenix-lxc-410-runA-feature-gpu', 'phoenix-lxc-410-runB-feature-gpu']);
    assert.equal(byId.get('phoenix-lxc-410-runA-feature-gpu')?.state, 'succeeded');
    assert.equal(byId.get('phoenix-lxc-410-runB-feature-gpu')?.state, 'running');
    assert.equal(byId.get('phoenix-lxc-410-runB-feature-gpu')?.scriptSha256, createHash('sha256').update(slow).digest('hex'));
    assert.deepEqual(await jobs.listJobs(CT, 'feature-none'), []);
    await assert.rejects(jobs.listJobs(CT, '*'), /step key/);
  } finally {
    conn.close();
  }
});

test('a script cut short by a dropped connection never runs; the next start runs it whole', { timeout: 60_000 }, async () => {
  const script = `#!/bin/sh\necho whole-script-ran\n`;
  sim.setFaults([{ target: 'ssh', match: '/phoenix-launch/', kind: 'disconnect', afterMs: 0, times: 1 }]);
  const first = await connect(sim);
  try {
    // Cut off, the start fails as a dropped connection (retryable); the launcher either got the
    // whole script or refused the short one and undid its claim.
    await createJobs(createPct(commandRunner(first))).startJob(CT, 'wf-cut.app', { script }).catch(() => undefined);
  } finally {
    first.close();
    sim.setFaults([]);
  }
  const second = await connect(sim);
  try {
    const jobs = createJobs(createPct(commandRunner(second)));
    // The cut launcher touched nothing but its own staged copy: this start launches the job.
    assert.deepEqual(await jobs.startJob(CT, 'wf-cut.app', { script }), { started: true });
    const done = await ended(jobs, 'wf-cut.app');
    assert.equal(done.state, 'succeeded');
    assert.match(done.logTail, /whole-script-ran/, 'the job ran the whole script, not an empty one');
  } finally {
    second.close();
  }
});

test('two launchers of one job id at once: one starts it, the other re-attaches; it runs once', { timeout: 30_000 }, async () => {
  const conns = [await connect(sim), await connect(sim)];
  try {
    const script = '#!/bin/sh\necho run >> /root/race\n';
    const results = await Promise.all(conns.map((c) => createJobs(createPct(commandRunner(c))).startJob(CT, 'wf-race-app', { script })));
    assert.deepEqual(results.map((r) => r.started).sort(), [false, true]);
    const jobs = createJobs(createPct(commandRunner(conns[0]!)));
    assert.equal((await ended(jobs, 'wf-race-app')).state, 'succeeded');
    const pct = createPct(commandRunner(conns[0]!));
    assert.equal((await pct.pctExecChecked(CT, ['cat', '/root/race'])).stdout, 'run\n', 'the script ran once');
    assert.equal((await pct.pctExec(CT, ['sh', '-c', 'ls -A /var/log/phoenix/jobs | grep -c "^\\.stage" || true'])).stdout.trim(), '0', 'no staged copy left behind');
  } finally {
    for (const c of conns) c.close();
  }
});

test('runStep: one exec launches and waits for a short job, writes the marker; then applied; a failure reports its exit', { timeout: 30_000 }, async () => {
  const conn = await connect(sim);
  try {
    const pct = createPct(commandRunner(conn));
    const jobs = createJobs(pct);
    const hostile = "/etc/phoenix/applied/feature-x'; touch /root/pwned; '.sha256";
    const script = '#!/bin/sh\necho step-ran >> /root/step\n';
    const sum = createHash('sha256').update(script).digest('hex');
    const opts = { script, stepKey: 'feature-x', marker: hostile, waitMs: 10_000 };
    const first = await jobs.runStep(CT, 'wf-s1-feature-x', opts);
    assert.equal(first.kind, 'job');
    assert.ok(first.kind === 'job' && first.started && first.status.state === 'succeeded', JSON.stringify(first));
    assert.equal((await pct.pctExecChecked(CT, ['cat', hostile])).stdout, sum, 'the marker holds the script hash');
    assert.equal((await pct.pctExec(CT, ['test', '-e', '/root/pwned'])).code, 1, 'the marker path reached no shell');
    const again = await jobs.runStep(CT, 'wf-s1-feature-x', opts);
    assert.ok(again.kind === 'job' && !again.started && again.status.state === 'succeeded', `a retry of the same run re-attaches to its job: ${JSON.stringify(again)}`);
    assert.deepEqual(await jobs.runStep(CT, 'wf-s2-feature-x', opts), { kind: 'applied' }, 'a later run finds it applied too');
    assert.equal((await pct.pctExecChecked(CT, ['cat', '/root/step'])).stdout, 'step-ran\n');

    const failing = await jobs.runStep(CT, 'wf-s1-feature-y', { script: '#!/bin/sh\necho broken >&2\nexit 3\n', stepKey: 'feature-y', marker: '/etc/phoenix/applied/feature-y.sha256', waitMs: 10_000 });
    assert.ok(failing.kind === 'job' && failing.status.state === 'failed' && failing.status.exitCode === 3, JSON.stringify(failing));
    assert.match(failing.kind === 'job' ? failing.status.logTail : '', /broken/);
    assert.equal((await pct.pctExec(CT, ['test', '-e', '/etc/phoenix/applied/feature-y.sha256'])).code, 1, 'no marker for a failure');
  } finally {
    conn.close();
  }
});

test("runStep waits for an earlier run's job of the step still running, then takes its result over", { timeout: 30_000 }, async () => {
  const conn = await connect(sim);
  try {
    const pct = createPct(commandRunner(conn));
    const jobs = createJobs(pct);
    const script = '#!/bin/sh\necho one >> /root/adopt\nwhile [ ! -f /root/adopt-go ]; do sleep 0.05; done\n';
    const opts = { script, stepKey: 'app', marker: '/etc/phoenix/applied/app-adopt.sha256', waitMs: 0 };
    const first = await jobs.runStep(CT, 'wf-a1-app', opts);
    assert.ok(first.kind === 'job' && first.started && first.status.state === 'running', JSON.stringify(first));
    assert.deepEqual(await jobs.runStep(CT, 'wf-a2-app', opts), { kind: 'waiting', jobId: 'wf-a1-app' });
    await pct.pctExecChecked(CT, ['touch', '/root/adopt-go']);
    const status = await jobs.jobStatus(CT, 'wf-a1-app', { waitMs: 10_000 });
    assert.equal(status.state, 'succeeded', 'jobStatus waited in the guest for the end');
    assert.deepEqual(await jobs.runStep(CT, 'wf-a2-app', opts), { kind: 'adopted', jobId: 'wf-a1-app' });
    assert.deepEqual(await jobs.runStep(CT, 'wf-a3-app', opts), { kind: 'applied' });
    assert.equal((await pct.pctExecChecked(CT, ['cat', '/root/adopt'])).stdout, 'one\n', 'the script ran once');
  } finally {
    conn.close();
  }
});
