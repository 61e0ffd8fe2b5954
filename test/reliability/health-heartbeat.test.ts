// Window 2: a health check waiting out its interval keeps heartbeating, so an interval longer
// than the heartbeat timeout (the schema allows up to an hour) no longer fails the step, and a
// retried attempt continues the count it had reached instead of starting over.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLxcActivities } from '../../src/activities/lxc';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { attempt, startActivityWorld, type ActivityWorld } from './activity-world';

describe('health checks heartbeat while they wait between attempts', { timeout: 120_000 }, () => {
  let world: ActivityWorld;
  let lxc: ReturnType<typeof createLxcActivities>;
  let plan: LxcPlan;

  before(async () => {
    world = await startActivityWorld();
    lxc = createLxcActivities(world.deps());
    plan = (await attempt(() => lxc.loadLxcPlan({ ctid: 900 }))).result!;
    for (const step of [lxc.ensureContainerDefined, lxc.startContainer]) assert.ifError((await attempt(() => step(plan))).error);
  });
  after(async () => world?.close());

  test('an interval three times the heartbeat timeout: no gap between heartbeats reaches the timeout', { timeout: 60_000 }, async () => {
    // Fails on its first run, passes on the second: one interval of waiting in between.
    const check = { name: 'second-time-lucky', command: 'test -e /tmp/w2-seen || { touch /tmp/w2-seen; exit 1; }', retries: 3, intervalSeconds: 3 };
    const beats: number[] = [];
    const started = Date.now();
    const r = await attempt(() => lxc.runHealthCheck({ ...plan, healthChecks: [check] }), {
      heartbeatTimeoutMs: 1_000,
      onHeartbeat: () => beats.push(Date.now()),
    });
    assert.ifError(r.error);
    const times = [started, ...beats, Date.now()];
    const widest = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
    assert.ok(widest < 1_000, `widest gap between heartbeats was ${widest} ms, the heartbeat timeout is 1000 ms`);
  });

  test('a retried attempt continues the attempt count it had reached', { timeout: 60_000 }, async () => {
    const check = { name: 'never', command: 'exit 3', retries: 3, intervalSeconds: 0 };
    const first = await attempt(() => lxc.runHealthCheck({ ...plan, healthChecks: [check] }), { heartbeatDetails: undefined });
    assert.match(String(first.error?.message), /failed 3 times/);
    // The previous attempt had used up 2 of 3 tries when its worker died: one more run decides.
    let runs = 0;
    const retried = await attempt(() => lxc.runHealthCheck({ ...plan, healthChecks: [check] }), {
      attempt: 2,
      heartbeatDetails: { state: 'never: attempt 2/3 exited 3', probe: { check: 0, attempt: 2 } },
      onHeartbeat: (d) => (runs += /exited/.test(String((d as { state?: string }).state)) ? 1 : 0),
    });
    assert.match(String(retried.error?.message), /failed 3 times/);
    assert.equal(runs, 1, 'the retry ran the check once more, not three more times');
  });

  test('checks run together until one fails; the failing one is retried alone, then the rest run together', { timeout: 60_000 }, async () => {
    // Each of `once-*` fails if it runs a second time, so a check run twice would fail the step.
    const once = (name: string) => ({ name, command: `test ! -e /tmp/w2-${name} && touch /tmp/w2-${name}`, retries: 1, intervalSeconds: 0 });
    const flaky = { name: 'flaky', command: 'test -e /tmp/w2-flaky-seen || { touch /tmp/w2-flaky-seen; echo "not yet"; exit 2; }', retries: 2, intervalSeconds: 0 };
    const states: string[] = [];
    const r = await attempt(() => lxc.runHealthCheck({ ...plan, healthChecks: [once('a'), flaky, once('b'), once('c')] }), {
      heartbeatDetails: undefined,
      onHeartbeat: (d) => states.push(String((d as { state?: string }).state)),
    });
    assert.ifError(r.error);
    assert.equal(r.result?.summary, 'healthy: a, flaky, b, c');
    assert.deepEqual([...new Set(states.filter((s) => /exited/.test(s)))], ['flaky: attempt 1/2 exited 2'], 'the one failure was counted against flaky');
  });
});
