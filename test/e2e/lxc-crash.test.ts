/**
 * Acceptance (issue 4): the worker is killed (SIGKILL) while the NVIDIA feature job runs in
 * 901; a new worker finishes the run. The NVIDIA install started once, and nothing that had
 * finished before the crash ran again.
 *
 * The workers use PHOENIX_HEARTBEAT_TIMEOUT=8s so the dead worker's steps are retried within
 * seconds instead of the presets' 30 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack, type WorkerProcess } from '../../scripts/lib/stack';
import { jobs, ledgerText, nvidiaInstalls, WINDOWED_TIME_SCALE, waitFor, CHAIN_950_BUILT_ONCE, provisioningCounts } from './helpers';

describe('a worker crash in the middle of the NVIDIA install', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ timeScale: WINDOWED_TIME_SCALE, workerEnv: { PHOENIX_HEARTBEAT_TIMEOUT: '8s' } });
  });

  after(async () => {
    await stack?.stop();
  });

  it('a new worker completes the run; the install started once and no finished step ran again', async () => {
    const first: WorkerProcess = await stack.startWorker();
    const detached = await stack.cli(['start', '950', '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    assert.match(detached.stdout, /phoenix-lxc-950 started/);

    const nvidiaJob = await waitFor(
      'the nvidia feature job to start in 901',
      async () => (await stack.ledger()).find((e) => e.kind === 'job.start' && e.vmid === 901 && /feature-nvidia$/.test(String(e.details?.jobId))),
      120_000,
    );
    await first.kill9();
    const crashSeq = (await stack.ledger()).at(-1)!.seq;

    const second = await stack.startWorker();
    const attached = await stack.cli(['start', '950']);
    const entries = await stack.ledger();
    const why = `\nledger:\n${ledgerText(entries)}\nsecond worker:\n${second.output().slice(-3000)}`;
    assert.equal(attached.code, 0, `start 950 after the crash failed:\n${attached.stdout}\n${attached.stderr}${why}`);
    assert.match(attached.stderr, /attached to the run in progress phoenix-lxc-950/);
    assert.match(attached.stdout, /CT 950 ready/);
    // The retried step re-attached to the job the dead worker started ("finished", not "ran").
    assert.match(attached.stderr, /apply_features:nvidia .*— finished job phoenix-lxc-901-\S+-feature-nvidia/, attached.stderr);

    // The run really went through a retry on the second worker, not around the crash.
    assert.ok(entries.some((e) => e.seq > crashSeq && e.kind === 'lxc.snapshot' && e.vmid === 901), `901's snapshot came after the crash${why}`);

    assert.deepEqual(
      provisioningCounts(entries),
      CHAIN_950_BUILT_ONCE,
      why,
    );
    for (const [id, job] of jobs(entries)) {
      assert.equal(job.starts, 1, `job ${id} started ${job.starts} times${why}`);
      assert.deepEqual(job.exits, [0], `job ${id} exits${why}`);
    }
    assert.equal(jobs(entries).get(String(nvidiaJob.details?.jobId))?.starts, 1);
    assert.equal(nvidiaInstalls(entries).length, 1, `the NVIDIA installer ran ${nvidiaInstalls(entries).length} times${why}`);
    // The GPU passthrough (and its restart of 901) happened before the job; the retry found it done.
    const restartsAfter = entries.filter((e) => e.seq > crashSeq && e.vmid === 901 && /^lxc\.(start|stop|shutdown)$/.test(e.kind));
    assert.deepEqual(restartsAfter, [], `901 was restarted after the crash${why}`);
  });
});
