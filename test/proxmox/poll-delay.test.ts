// Adaptive polling (issue 11): waits look again after tens of milliseconds first, backing off
// geometrically to a cap of seconds, so a quick task costs a fraction of a second and a long one
// a request every couple of seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_POLL_MS, MAX_POLL_MS, pollDelayMs, tightPollDelayMs } from '../../src/shared/poll-delay';

test('poll delays start at tens of ms, grow, and stop at the cap', { timeout: 5_000 }, () => {
  const delays = Array.from({ length: 30 }, (_, i) => pollDelayMs(i + 1));
  assert.equal(delays[0], FIRST_POLL_MS);
  assert.ok(delays[0]! < 50 && delays[1]! < 100, `first looks are quick: ${delays.slice(0, 3).join(', ')}`);
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 1]!, 'never shrinks');
  assert.equal(delays.at(-1), MAX_POLL_MS);
  assert.ok(MAX_POLL_MS >= 1_000, 'a long wait backs off to seconds');
  // A task that ends after 1 s is noticed within 40 % of its length.
  let t = 0;
  let polls = 0;
  while (t < 1_000) t += pollDelayMs(++polls);
  assert.ok(t < 1_400, `noticed at ${t} ms`);
  assert.equal(pollDelayMs(5, 100), 100, 'a lower cap is honoured');
});

test('tight poll delays keep the overshoot within a tenth of the wait, between the first delay and the cap', { timeout: 5_000 }, () => {
  assert.equal(tightPollDelayMs(0), FIRST_POLL_MS);
  assert.equal(tightPollDelayMs(1_000), 100);
  assert.equal(tightPollDelayMs(600_000), MAX_POLL_MS);
  // A task that ends at any moment within 10 s is noticed within 10 % (or the first delay) of it.
  for (const end of [30, 400, 1_000, 2_345, 9_999]) {
    let t = 0;
    while (t < end) t += tightPollDelayMs(t);
    assert.ok(t - end <= Math.max(FIRST_POLL_MS, end * 0.1 + 1), `a task ending at ${end} ms noticed at ${t} ms`);
  }
});
