// Clone slots (issue 11): two clones of one source never overlap, whether phoenixUp or a plain
// start began the runs, while everything after the clone does; a cancelled waiter withdraws, a
// cancelled holder releases, and a holder whose run was terminated is released by the lock.
// Phoenix's real workflows (provisionLxc, phoenixUp, cloneLock) on a local Temporal, activities stubbed.
import type { CloneTaskHooks } from '../../src/activities/common/clone-task-hooks';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { askAgainDelayMs, turnedAway } from '../../src/activities/lifecycle/ask-clone-slot';
import { createAwaitGuestRun } from '../../src/activities/lifecycle/await-guest-run';
import { cloneLockStateQuery, cloneLockWorkflowId, UPDATE_WINDOW, type CloneLockInput, type CloneLockState } from '../../src/shared/clone-lock';
import type { StepOutcome } from '../../src/shared/progress';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import type { PhoenixUpInput } from '../../src/shared/phoenix-up';
import { deferred, fakeCloneTasks, fakeCloneUpid, lockWaiters, plan, startWorkflowTestEnv, within, withCloneSlots, type WorkflowTestEnv } from './workflow-env';

// One source per test: a lock runs on the task queue of its first request, and each test has its own.
const SOURCE = 300;
const OTHER_SOURCE = 301;
const THIRD_SOURCE = 302;
const FOURTH_SOURCE = 303;
const FIFTH_SOURCE = 304;
const SIXTH_SOURCE = 305;
const SEVENTH_SOURCE = 306;
const EIGHTH_SOURCE = 307;
const NINTH_SOURCE = 308;
const TENTH_SOURCE = 309;
const ELEVENTH_SOURCE = 310;
const TWELFTH_SOURCE = 311;
const ok = async () => ({ changed: false, summary: 'ok' });

function clonePlan(ctid: number): LxcPlan {
  const parentCtid = ctid > 460 ? TWELFTH_SOURCE : ctid > 450 ? ELEVENTH_SOURCE : ctid > 440 ? TENTH_SOURCE : ctid > 420 ? NINTH_SOURCE : ctid > 400 ? EIGHTH_SOURCE : ctid > 370 ? SEVENTH_SOURCE : ctid > 360 ? SIXTH_SOURCE : ctid > 350 ? FIFTH_SOURCE : ctid > 340 ? FOURTH_SOURCE : ctid > 330 ? THIRD_SOURCE : ctid > 320 ? OTHER_SOURCE : SOURCE;
  return { ...plan(ctid), source: { kind: 'clone', parentCtid, parentSnapshot: 'template' } };
}

/** No guest exists yet: every request queues. */

type Interval = { ctid: number; start: number; end: number };

/** Sleeps `ms` heartbeating; throws the cancellation if the activity is cancelled. */
async function busy(ms: number): Promise<void> {
  const ctx = Context.current();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    ctx.heartbeat();
    await ctx.sleep(Math.min(100, until - Date.now()));
  }
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

const upidOf = fakeCloneUpid;

/**
 * A holder's clone: a fake PVE task reported to the lock (`started` resolves then), ended by the
 * test; then, once `beforeRelease` has settled, the release.
 */
async function holderClone(
  tasks: ReturnType<typeof fakeCloneTasks>,
  ctid: number,
  cloneTask: CloneTaskHooks,
  started: { resolve(value: void): void },
  beforeRelease?: Promise<unknown>,
) {
  await cloneTask.mayClone();
  tasks.start(upidOf(ctid));
  await cloneTask.started(upidOf(ctid));
  started.resolve(undefined);
  await tasks.ended(upidOf(ctid));
  await beforeRelease;
  await cloneTask.ended();
  return { changed: true, summary: 'cloned' };
}

/** Starts `provisionLxc` of a container on `taskQueue`, with a clone priority when given. */
function provisionRuns(t: WorkflowTestEnv, taskQueue: string) {
  return (ctid: number, clonePriority?: number) =>
    t.env.client.workflow.start('provisionLxc', { taskQueue, workflowId: `phoenix-lxc-${ctid}`, args: [{ ctid, ...(clonePriority ? { clonePriority } : {}) }] });
}

/** Polls the lock's state until `ready` holds for it; fails after `ms` (and stops polling). */
async function lockState(t: WorkflowTestEnv, source: number, what: string, ready: (s: CloneLockState) => boolean, ms = 20_000): Promise<CloneLockState> {
  const lock = t.env.client.workflow.getHandle(cloneLockWorkflowId('pve', source));
  const deadline = Date.now() + ms;
  for (;;) {
    const state = await lock.query(cloneLockStateQuery).catch(() => undefined);
    if (state && ready(state)) return state;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (lock state ${JSON.stringify(state)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts the holder's run, waits until it is `holding` (what, promise), starts the second run and
 * waits until the lock has granted it ahead; the state then has the holder and that successor.
 */
async function holderAndSuccessor(t: WorkflowTestEnv, taskQueue: string, source: number, [holder, next]: [number, number], holding: [string, Promise<unknown>]) {
  const run = provisionRuns(t, taskQueue);
  const first = await run(holder);
  await within(20_000, holding[0], holding[1]);
  const second = await run(next);
  const state = await lockState(t, source, 'the second to be granted ahead', (s) => s.successor !== undefined);
  assert.equal(state.successor?.holder.workflowId, `phoenix-lxc-${next}`);
  assert.equal(state.holder?.workflowId, `phoenix-lxc-${holder}`);
  return { first, second, state };
}

describe('clone slots (workflow logic)', () => {
  let t: WorkflowTestEnv;

  before(async () => {
    t = await startWorkflowTestEnv();
  });

  after(async () => {
    await t?.close();
  });

  const common = () => ({
    loadLxcPlan: async ({ ctid }: { ctid: number }) => clonePlan(ctid),
    verifyTrust: async () => ({ summary: 'trusted', cached: true }),
    ensureLxcTemplateReady: ok,
    awaitGuestRun: createAwaitGuestRun({ temporal: () => t.env.client }),
    applySharedVolumes: ok,
    startContainer: ok,
  });

  /** The lock tests' activities: every guest a clone of its source, with `define` as its define step and `tasks` as PVE's clone tasks. */
  const cloneActivities = (define: (p: LxcPlan, cloneTask: CloneTaskHooks) => Promise<StepOutcome>, tasks?: ReturnType<typeof fakeCloneTasks>) =>
    withCloneSlots(t.env.client, { ...common(), applyConfigurations: ok, ensureContainerDefined: define }, tasks);

  it('clones of one source never overlap, from up and from a concurrent start; the steps after the clone do', { timeout: 90_000 }, async () => {
    const clones: Interval[] = [];
    const configs: Interval[] = [];
    const timed = (into: Interval[], ms: number) => async (p: LxcPlan) => {
      const start = Date.now();
      await busy(ms);
      into.push({ ctid: p.ctid, start, end: Date.now() });
      return { changed: true, summary: 'done' };
    };
    // Each clone is a fake PVE task, reported to the lock: the next clone is granted ahead and waits for its end.
    const tasks = fakeCloneTasks();
    const cloning = async (p: LxcPlan, cloneTask: CloneTaskHooks) => {
      await cloneTask.mayClone();
      const start = Date.now();
      tasks.start(upidOf(p.ctid));
      await cloneTask.started(upidOf(p.ctid));
      await busy(400);
      tasks.end(upidOf(p.ctid));
      clones.push({ ctid: p.ctid, start, end: Date.now() });
      await cloneTask.ended();
      return { changed: true, summary: 'cloned' };
    };
    const activities = withCloneSlots(t.env.client, { ...common(), ensureContainerDefined: cloning, applyConfigurations: timed(configs, 2_500) }, tasks);
    await t.withWorker(activities, async (taskQueue) => {
      const input: PhoenixUpInput = {
        concurrencyPerNode: 4,
        nodes: [311, 312, 313].map((id) => ({ id, kind: 'lxc' as const, parent: SOURCE, prerequisites: [], node: 'pve', startAtBoot: false, bootOrder: 0 })),
      };
      const up = t.env.client.workflow.execute('phoenixUp', { taskQueue, workflowId: 'phoenix-up-test-clone-slots', args: [input] });
      const start = t.env.client.workflow.execute('provisionLxc', { taskQueue, workflowId: 'phoenix-lxc-314', args: [{ ctid: 314 }] });
      const [result] = await within(60_000, 'up and the start to finish', Promise.all([up, start]));
      assert.equal(result.succeeded.length, 3);
    });
    assert.equal(clones.length, 4);
    for (const a of clones) for (const b of clones) if (a !== b) assert.ok(!overlaps(a, b), `clones of ${a.ctid} and ${b.ctid} overlap`);
    const overlapping = configs.filter((a) => configs.some((b) => a !== b && overlaps(a, b)));
    assert.ok(overlapping.length >= 2, `the steps after the clone overlap: ${JSON.stringify(configs)}`);
  });

  it('a cancelled waiter withdraws, a cancelled holder releases, a terminated holder is released by the lock', { timeout: 120_000 }, async () => {
    const started = new Map<number, ReturnType<typeof deferred<void>>>();
    const startedFor = (ctid: number) => started.get(ctid) ?? started.set(ctid, deferred<void>()).get(ctid)!;
    const cancelled: number[] = [];
    const activities = withCloneSlots(t.env.client, {
      ...common(),
      applyConfigurations: ok,
      // Each clone blocks until cancelled (or, for the last, finishes at once); as a real define step, it clones once the slot is free.
      async ensureContainerDefined(p: LxcPlan, cloneTask: CloneTaskHooks) {
        await cloneTask.mayClone();
        startedFor(p.ctid).resolve(undefined);
        if (p.ctid === 324) return { changed: true, summary: 'cloned' };
        try {
          await busy(600_000);
        } catch (err) {
          if (err instanceof CancelledFailure) cancelled.push(p.ctid);
          throw err;
        }
        return { changed: true, summary: 'cloned' };
      },
    });
    await t.withWorker(activities, async (taskQueue) => {
      const lock = t.env.client.workflow.getHandle(cloneLockWorkflowId('pve', OTHER_SOURCE));
      const run = provisionRuns(t, taskQueue);
      const holder = await run(321);
      await within(20_000, 'the first clone to start', startedFor(321).promise);
      const queued = async (n: number) => {
        for (;;) {
          const state = await lock.query(cloneLockStateQuery);
          if (lockWaiters(state).length === n) return state;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      // One after the other, so the order they asked in is known: the slot is granted FIFO (the first waiter ahead, as the holder's successor).
      const waiter = await run(322);
      await within(20_000, 'one waiter', queued(1));
      const terminated = await run(323);
      await within(20_000, 'two waiters', queued(2));
      const last = await run(324);
      assert.deepEqual(lockWaiters(await within(20_000, 'three waiters', queued(3))), ['phoenix-lxc-322', 'phoenix-lxc-323', 'phoenix-lxc-324']);

      await waiter.cancel();
      assert.equal(await waiter.result().then(() => 'completed', (e: unknown) => String(((e as Error).cause as Error | undefined)?.name)), 'CancelledFailure');
      assert.deepEqual((await within(20_000, 'the waiter to withdraw', queued(2))).holder?.workflowId, 'phoenix-lxc-321');
      assert.equal(started.has(322), false, 'the cancelled waiter never cloned');

      await holder.cancel();
      await within(20_000, 'the next in line to clone once the holder is cancelled', startedFor(323).promise);
      assert.deepEqual(cancelled, [321]);

      await terminated.terminate('test: a holder that never releases');
      // The lock notices at its next re-grant (15 s) that the holder's run is closed.
      await within(40_000, 'the lock to release the terminated holder', startedFor(324).promise);
      await within(20_000, 'the last run to finish', last.result());
      assert.equal((await lock.query(cloneLockStateQuery)).holder, undefined);
    });
  });

  it('the waiter with the highest clone priority is granted first, equals in the order they asked', { timeout: 90_000 }, async () => {
    const order: number[] = [];
    const first = deferred<void>();
    const release = deferred<void>();
    const activities = cloneActivities(async (p, cloneTask) => {
      await cloneTask.mayClone();
      order.push(p.ctid);
      if (p.ctid === 331) {
        first.resolve(undefined);
        await release.promise;
      }
      return { changed: true, summary: 'cloned' };
    });
    await t.withWorker(activities, async (taskQueue) => {
      const lock = t.env.client.workflow.getHandle(cloneLockWorkflowId('pve', THIRD_SOURCE));
      const run = provisionRuns(t, taskQueue);
      const queued = async (n: number) => {
        while (lockWaiters(await lock.query(cloneLockStateQuery)).length !== n) await new Promise((r) => setTimeout(r, 100));
      };
      const runs = [await run(331)];
      await within(20_000, 'the first clone to start', first.promise);
      // Asked in this order: a leaf (granted ahead at once: the holder's successor, whatever comes later),
      // another leaf, a clone with 1 guest after it, another leaf, one with 3 after it.
      for (const [i, [ctid, priority]] of ([[336, 0], [332, 0], [333, 1], [334, 0], [335, 3]] as const).entries()) {
        runs.push(await run(ctid, priority));
        await within(20_000, `${i + 1} waiters`, queued(i + 1));
      }
      release.resolve(undefined);
      await within(60_000, 'every run to finish', Promise.all(runs.map((r) => r.result())));
    });
    assert.deepEqual(order, [331, 336, 335, 333, 332, 334]);
  });
  it('the slot goes when the clone task ends, not when the step after it does', { timeout: 90_000 }, async () => {
    const firstTaskEnded = deferred<void>();
    const secondCloning = deferred<void>();
    const finishFirst = deferred<void>();
    const activities = cloneActivities(async (p, cloneTask) => {
      if (p.ctid === 342) {
        secondCloning.resolve(undefined);
        return { changed: true, summary: 'cloned' };
      }
      await busy(200); // the clone task
      await cloneTask.ended();
      firstTaskEnded.resolve(undefined);
      await finishFirst.promise; // what follows the task: the unlock check, a VM's disk resize
      return { changed: true, summary: 'cloned' };
    });
    await t.withWorker(activities, async (taskQueue) => {
      const run = provisionRuns(t, taskQueue);
      const first = await run(341);
      await within(20_000, 'the first clone task to end', firstTaskEnded.promise);
      const second = await run(342);
      try {
        await within(20_000, 'the second clone to start while the first step still runs', secondCloning.promise);
      } finally {
        finishFirst.resolve(undefined); // failed or not, the runs can finish
      }
      await within(30_000, 'both runs to finish', Promise.all([first.result(), second.result()]));
    });
  });

  it("a clone granted ahead reads its guest while the holder's clone task runs, and starts as soon as that task ends, before the release reaches the lock", { timeout: 90_000 }, async () => {
    const tasks = fakeCloneTasks();
    const firstTaskStarted = deferred<void>();
    const secondReading = deferred<boolean>();
    const secondCloning = deferred<boolean>();
    const giveUp = deferred<void>();
    const activities = cloneActivities(async (p, cloneTask) => {
      if (p.ctid === 352) {
        // The define step's read of its guest, then its wait for the slot to be free, then its request.
        secondReading.resolve(tasks.anyRunning());
        await cloneTask.mayClone();
        secondCloning.resolve(tasks.anyRunning());
        return { changed: true, summary: 'cloned' };
      }
      // The release is held back until the second clone started: only a grant ahead lets it start.
      return holderClone(tasks, p.ctid, cloneTask, firstTaskStarted, Promise.race([secondCloning.promise, giveUp.promise]));
    }, tasks);
    await t.withWorker(activities, async (taskQueue) => {
      const { first, second, state } = await holderAndSuccessor(t, taskQueue, FIFTH_SOURCE, [351, 352], ['the first clone task to start', firstTaskStarted.promise]);
      try {
        assert.equal(state.successor?.after, upidOf(351));
        const readEarly = await within(20_000, 'the second to read its guest', secondReading.promise);
        assert.equal(readEarly, true, "the second read its guest only after the first clone's task ended (the read is on the handoff)");
        tasks.end(upidOf(351));
        const overlapped = await within(20_000, 'the second clone to start before the first released', secondCloning.promise);
        assert.equal(overlapped, false, 'the second clone started while the first task ran');
      } finally {
        tasks.end(upidOf(351)); // failed or not, the runs can finish
        giveUp.resolve(undefined);
      }
      await within(30_000, 'both runs to finish', Promise.all([first.result(), second.result()]));
      const after = await lockState(t, FIFTH_SOURCE, 'the lock to be free', (s) => !s.holder && !s.successor);
      assert.deepEqual(after.queue, []);
    });
  });

  it("a successor cancelled while it waits for the holder's task withdraws, and the next in line goes ahead instead", { timeout: 90_000 }, async () => {
    const tasks = fakeCloneTasks();
    const firstTaskStarted = deferred<void>();
    const cloned: Array<{ ctid: number; whileRunning: boolean }> = [];
    const activities = cloneActivities(async (p, cloneTask) => {
      if (p.ctid !== 361) {
        await cloneTask.mayClone();
        cloned.push({ ctid: p.ctid, whileRunning: tasks.anyRunning() });
        return { changed: true, summary: 'cloned' };
      }
      return holderClone(tasks, p.ctid, cloneTask, firstTaskStarted);
    }, tasks);
    await t.withWorker(activities, async (taskQueue) => {
      const run = provisionRuns(t, taskQueue);
      const holder = await run(361);
      await within(20_000, 'the first clone task to start', firstTaskStarted.promise);
      const successor = await run(362);
      await lockState(t, SIXTH_SOURCE, 'the second to be granted ahead', (s) => s.successor?.holder.workflowId === 'phoenix-lxc-362');
      const next = await run(363);
      await lockState(t, SIXTH_SOURCE, 'the third to queue', (s) => s.queue.length === 1);

      await successor.cancel();
      assert.equal(await successor.result().then(() => 'completed', (e: unknown) => String(((e as Error).cause as Error | undefined)?.name)), 'CancelledFailure');
      const state = await lockState(t, SIXTH_SOURCE, 'the next in line to go ahead instead', (s) => s.successor?.holder.workflowId === 'phoenix-lxc-363');
      assert.equal(state.holder?.workflowId, 'phoenix-lxc-361');
      assert.deepEqual(state.queue, []);
      assert.deepEqual(cloned, [], "nobody clones while the holder's task runs");

      tasks.end(upidOf(361));
      await within(30_000, 'the holder and the next to finish', Promise.all([holder.result(), next.result()]));
    });
    assert.deepEqual(cloned, [{ ctid: 363, whileRunning: false }]);
  });

  it('a holder whose attempt is retried while a successor waits queues again behind it, so the retry never clones beside the successor', { timeout: 90_000 }, async () => {
    const tasks = fakeCloneTasks();
    const firstTaskStarted = deferred<void>();
    const dropConnection = deferred<void>();
    const cloned: Array<{ ctid: number; attempt: number; whileRunning: boolean }> = [];
    const activities = cloneActivities(async (p, cloneTask) => {
      const { attempt } = Context.current().info;
      await cloneTask.mayClone();
      cloned.push({ ctid: p.ctid, attempt, whileRunning: tasks.anyRunning() });
      if (p.ctid === 371 && attempt === 1) {
        // Its task runs on; the attempt fails as on a dropped connection, and the retry re-attaches.
        tasks.start(upidOf(371));
        await cloneTask.started(upidOf(371));
        firstTaskStarted.resolve(undefined);
        await dropConnection.promise;
        throw new Error('test: the connection to PVE dropped');
      }
      return { changed: true, summary: 'cloned' };
    }, tasks);
    await t.withWorker(activities, async (taskQueue) => {
      const run = provisionRuns(t, taskQueue);
      const first = await run(371);
      await within(20_000, 'the first clone task to start', firstTaskStarted.promise);
      const second = await run(372);
      await lockState(t, SEVENTH_SOURCE, 'the second to be granted ahead', (s) => s.successor?.holder.workflowId === 'phoenix-lxc-372');
      dropConnection.resolve(undefined);
      const state = await lockState(t, SEVENTH_SOURCE, 'the retry to queue behind the successor', (s) => lockWaiters(s).includes('phoenix-lxc-371'));
      assert.equal(state.holder?.workflowId, 'phoenix-lxc-372');
      assert.deepEqual(lockWaiters(state), ['phoenix-lxc-371']);
      assert.deepEqual(cloned.map((c) => c.ctid), [371], 'nobody clones while the first task runs');
      tasks.end(upidOf(371));
      await within(30_000, 'both runs to finish', Promise.all([first.result(), second.result()]));
    });
    assert.deepEqual(cloned, [{ ctid: 371, attempt: 1, whileRunning: false }, { ctid: 372, attempt: 1, whileRunning: false }, { ctid: 371, attempt: 2, whileRunning: false }]);
  });

  it("a clone granted before the holder's task started clones once PVE shows the holder's guest made, before the holder's UPID or release reach the lock", { timeout: 90_000 }, async () => {
    const tasks = fakeCloneTasks();
    const holderGranted = deferred<void>();
    const secondCloning = deferred<boolean>();
    const giveUp = deferred<void>();
    const activities = cloneActivities(async (p, cloneTask) => {
      await cloneTask.mayClone();
      if (p.ctid === 442) {
        secondCloning.resolve(tasks.anyRunning());
        return { changed: true, summary: 'cloned' };
      }
      holderGranted.resolve(undefined);
      // The test runs this clone's task; its UPID is never reported, and the release waits for the second clone.
      await Promise.race([secondCloning.promise, giveUp.promise]);
      await cloneTask.ended();
      return { changed: true, summary: 'cloned' };
    }, tasks);
    await t.withWorker(activities, async (taskQueue) => {
      const { first, second, state } = await holderAndSuccessor(t, taskQueue, TENTH_SOURCE, [441, 442], ['the holder to be granted', holderGranted.promise]);
      try {
        assert.equal(state.successor?.after, undefined, 'no task of the holder is known');
        assert.deepEqual(state.successor?.afterGuest, { kind: 'lxc', node: 'pve', id: 441 });
        tasks.start(upidOf(441));
        // Well after it could have cloned: it waits for the holder's clone to end.
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(await Promise.race([secondCloning.promise.then(() => 'cloning'), Promise.resolve('waiting')]), 'waiting', "the second cloned while the holder's clone ran");
        tasks.end(upidOf(441));
        const overlapped = await within(20_000, "the second clone to start on PVE's word alone", secondCloning.promise);
        assert.equal(overlapped, false);
      } finally {
        tasks.end(upidOf(441));
        giveUp.resolve(undefined);
      }
      await within(30_000, 'both runs to finish', Promise.all([first.result(), second.result()]));
      await lockState(t, TENTH_SOURCE, 'the lock to be free', (s) => !s.holder && !s.successor && s.queue.length === 0);
    });
  });

  it('a holder that gives up before its clone task started hands the slot to the successor granted ahead of it, which clones then', { timeout: 90_000 }, async () => {
    const holderGranted = deferred<void>();
    const holderFails = deferred<void>();
    const cloned: number[] = [];
    const activities = cloneActivities(async (p, cloneTask) => {
      await cloneTask.mayClone();
      if (p.ctid === 451) {
        holderGranted.resolve(undefined);
        await holderFails.promise;
        throw ApplicationFailure.nonRetryable('test: the clone is refused before any task', 'PhoenixTestRefused');
      }
      cloned.push(p.ctid);
      return { changed: true, summary: 'cloned' };
    });
    await t.withWorker(activities, async (taskQueue) => {
      const { first, second } = await holderAndSuccessor(t, taskQueue, ELEVENTH_SOURCE, [451, 452], ['the holder to be granted', holderGranted.promise]);
      assert.deepEqual(cloned, [], 'the successor waits while the holder may still clone');
      holderFails.resolve(undefined);
      await within(30_000, 'the successor to clone and finish', second.result());
      assert.deepEqual(cloned, [452]);
      assert.equal(await first.result().then(() => 'completed', () => 'failed'), 'failed');
      await lockState(t, ELEVENTH_SOURCE, 'the lock to be free', (s) => !s.holder && !s.successor && s.queue.length === 0);
    });
  });

  it("the successor holds the slot once its clone task runs, so the next is granted ahead of that task before the first holder's release arrives", { timeout: 90_000 }, async () => {
    const tasks = fakeCloneTasks();
    const firstTaskStarted = deferred<void>();
    const secondTaskStarted = deferred<void>();
    const releaseFirst = deferred<void>();
    const activities = cloneActivities(async (p, cloneTask) => {
      if (p.ctid === 461) return holderClone(tasks, p.ctid, cloneTask, firstTaskStarted, releaseFirst.promise);
      if (p.ctid === 462) return holderClone(tasks, p.ctid, cloneTask, secondTaskStarted);
      await cloneTask.mayClone();
      return { changed: true, summary: 'cloned' };
    }, tasks);
    await t.withWorker(activities, async (taskQueue) => {
      const { first, second } = await holderAndSuccessor(t, taskQueue, TWELFTH_SOURCE, [461, 462], ['the first clone task to start', firstTaskStarted.promise]);
      const third = await provisionRuns(t, taskQueue)(463);
      try {
        await lockState(t, TWELFTH_SOURCE, 'the third to queue', (s) => lockWaiters(s).includes('phoenix-lxc-463'));
        tasks.end(upidOf(461));
        await within(20_000, 'the second clone task to start', secondTaskStarted.promise);
        // The first holder's release is held back: only the second's report of its task can make it the holder.
        const state = await lockState(t, TWELFTH_SOURCE, 'the third to be granted ahead of the second task', (s) => s.successor?.holder.workflowId === 'phoenix-lxc-463');
        assert.equal(state.holder?.workflowId, 'phoenix-lxc-462');
        assert.equal(state.successor?.after, upidOf(462));
      } finally {
        tasks.end(upidOf(461));
        releaseFirst.resolve(undefined);
        tasks.end(upidOf(462));
      }
      await within(30_000, 'every run to finish', Promise.all([first.result(), second.result(), third.result()]));
      await lockState(t, TWELFTH_SOURCE, 'the lock to be free', (s) => !s.holder && !s.successor && s.queue.length === 0);
    });
  });

  it('more waiters than the server admits updates in flight are all served in order, and no clone attempt fails', { timeout: 150_000 }, async () => {
    const holding = deferred<void>();
    const release = deferred<void>();
    const clones: Array<Interval & { attempt: number }> = [];
    const activities = cloneActivities(async (p, cloneTask) => {
      const { attempt } = Context.current().info;
      await cloneTask.mayClone();
      const start = Date.now();
      if (p.ctid === 401) {
        holding.resolve(undefined);
        await release.promise;
      } else {
        await busy(20);
      }
      clones.push({ ctid: p.ctid, start, end: Date.now(), attempt });
      return { changed: true, summary: 'cloned' };
    });
    const waiters = [402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414];
    await t.withWorker(activities, async (taskQueue) => {
      const run = provisionRuns(t, taskQueue);
      const runs = [await run(401)];
      try {
        await within(20_000, 'the first clone to start', holding.promise);
        // One after the other, so the order they asked in is known; together more than the server's 10 updates in flight.
        for (const [i, ctid] of waiters.entries()) {
          runs.push(await run(ctid));
          await lockState(t, EIGHTH_SOURCE, `${i + 1} waiters`, (s) => lockWaiters(s).length === i + 1);
        }
        // The next in line in the queue (behind the successor, 402) arrives last: were every waiter blocked in an update, the server
        // would turn its update away, and the waiters behind it could never be served to make room (the deadlock the update window prevents).
        runs.push(await run(415, 5));
        await lockState(t, EIGHTH_SOURCE, 'the first in line to queue', (s) => lockWaiters(s).length === waiters.length + 1);
      } finally {
        release.resolve(undefined);
      }
      await within(100_000, 'every run to finish', Promise.all(runs.map((r) => r.result())));
    });
    assert.deepEqual(clones.map((c) => c.ctid), [401, 402, 415, ...waiters.slice(1)]);
    for (const a of clones) for (const b of clones) if (a !== b) assert.ok(!overlaps(a, b), `clones of ${a.ctid} and ${b.ctid} overlap`);
    assert.deepEqual(clones.filter((c) => c.attempt !== 1).map((c) => `${c.ctid}: attempt ${c.attempt}`), [], 'no clone attempt failed');
  });

  it('the lock continues-as-new while a successor waits, carrying it, and the handoff still happens', { timeout: 150_000 }, async () => {
    const tasks = fakeCloneTasks();
    const firstTaskStarted = deferred<void>();
    const cloned: Array<{ ctid: number; attempt: number; whileRunning: boolean }> = [];
    const activities = cloneActivities(async (p, cloneTask) => {
      if (p.ctid === 421) return holderClone(tasks, p.ctid, cloneTask, firstTaskStarted);
      await cloneTask.mayClone();
      cloned.push({ ctid: p.ctid, attempt: Context.current().info.attempt, whileRunning: tasks.anyRunning() });
      return { changed: true, summary: 'cloned' };
    }, tasks);
    const waiters = [423, 424, 425, 426, 427, 428, 429, 430];
    await t.withWorker(activities, async (taskQueue) => {
      const lockId = cloneLockWorkflowId('pve', NINTH_SOURCE);
      // Opened by the test with a small history limit: the waiters outside the update window, asking again, soon exceed it.
      const opening: CloneLockInput = { node: 'pve', source: NINTH_SOURCE, maxHistory: 150 };
      const lock = await t.env.client.workflow.start('cloneLock', { taskQueue, workflowId: lockId, args: [opening] });
      const run = provisionRuns(t, taskQueue);
      const runs = [await run(421)];
      try {
        await within(20_000, 'the first clone task to start', firstTaskStarted.promise);
        runs.push(await run(422));
        await lockState(t, NINTH_SOURCE, 'the second to be granted ahead', (s) => s.successor?.holder.workflowId === 'phoenix-lxc-422');
        for (const [i, ctid] of waiters.entries()) {
          runs.push(await run(ctid));
          await lockState(t, NINTH_SOURCE, `${i + 1} waiters`, (s) => s.queue.length === i + 1);
        }
        // A later run knows the successor only from its input: the successor's activity waits for the holder's task, it asks no more.
        const carried = await within(60_000, 'the lock to continue-as-new while the successor waits', (async () => {
          for (;;) {
            const { runId } = await lock.describe();
            const state = await lock.query(cloneLockStateQuery);
            if (runId !== lock.firstExecutionRunId) return state;
            await new Promise((r) => setTimeout(r, 100));
          }
        })());
        assert.equal(carried.successor?.holder.workflowId, 'phoenix-lxc-422');
        assert.equal(carried.successor?.after, upidOf(421));
        assert.equal(carried.holder?.workflowId, 'phoenix-lxc-421');
        assert.deepEqual(cloned, [], "nobody clones while the holder's task runs");
      } finally {
        tasks.end(upidOf(421)); // failed or not, the runs can finish
      }
      await within(100_000, 'every run to finish', Promise.all(runs.map((r) => r.result())));
    });
    assert.deepEqual(cloned.map((c) => c.ctid), [422, ...waiters]);
    assert.deepEqual(cloned.filter((c) => c.whileRunning || c.attempt !== 1), [], 'every clone after the holder task ended, at its first attempt');
  });
});

describe('asking the clone lock again', () => {
  it('waits longer the further a waiter is outside the update window, within bounds, jittered', { timeout: 5_000 }, () => {
    const mid = () => 0.5;
    assert.equal(askAgainDelayMs(0, mid), askAgainDelayMs(UPDATE_WINDOW, mid), 'inside the window (a closing run) asks again soon');
    assert.ok(askAgainDelayMs(UPDATE_WINDOW + 5, mid) > askAgainDelayMs(UPDATE_WINDOW, mid));
    assert.equal(askAgainDelayMs(10_000, mid), askAgainDelayMs(1_000, mid), 'capped');
    assert.ok(askAgainDelayMs(10_000, mid) <= 2_000);
    assert.ok(askAgainDelayMs(UPDATE_WINDOW, () => 0) < askAgainDelayMs(UPDATE_WINDOW, () => 1), 'jittered');
  });

  it('asks again when the server turns the update away for now, and only then', { timeout: 5_000 }, () => {
    const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
    const inFlight = new Error('Workflow Update failed', { cause: grpc(8, 'limit on number of concurrent in-flight updates has been reached (10)') });
    assert.equal(turnedAway(inFlight), 'busy');
    assert.equal(turnedAway(new Error('Workflow Update failed', { cause: new Error('limit on number of total updates has been reached (2000)') })), 'busy');
    const continued = new Error('Workflow Update failed', { cause: ApplicationFailure.create({ message: 'the workflow completed', type: 'AcceptedUpdateCompletedWorkflow' }) });
    assert.equal(turnedAway(continued), 'busy');
    assert.equal(turnedAway(new WorkflowNotFoundError('gone', 'phoenix-clone-lock-pve-300', undefined)), 'gone');
    assert.equal(turnedAway(new Error('Workflow Update failed', { cause: grpc(3, 'invalid argument') })), undefined);
    assert.equal(turnedAway(new Error('something else')), undefined);
  });
});
