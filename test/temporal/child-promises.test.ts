// The workflow interceptor that hands phoenixUp its children's start and result promises
// (src/workflows/child-promises.ts). Whole runs through it: up-per-event, orchestration-logic and
// the e2e fleet tests (every per-event phoenixUp reads its news from it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StartChildWorkflowExecutionInput } from '@temporalio/workflow';
import { interceptors, withChildPromises } from '../../src/workflows/child-promises';
import { PHOENIX_WORKFLOW_INTERCEPTOR_MODULES } from '../../src/workflow-bundle';

const startInterceptor = () => interceptors().outbound![0]!.startChildWorkflowExecution!;
const input = { seq: 1, headers: {}, workflowType: 'provisionLxc', options: { workflowId: 'phoenix-lxc-901' } } as unknown as StartChildWorkflowExecutionInput;

test('the child started inside withChildPromises hands its own start and result promises to the listener', { timeout: 5_000 }, async () => {
  const started = Promise.resolve('run-1');
  const completed = Promise.resolve('done');
  const handed = new Promise<[Promise<string>, Promise<unknown>]>((resolve) => {
    void withChildPromises((start, end) => resolve([start, end]), () => startInterceptor()(input, async () => [started, completed]));
  });
  const [start, end] = await handed;
  assert.equal(start, started, 'the very start promise the SDK settles, not a wrapper');
  assert.equal(end, completed, 'the very result promise the SDK settles, not a wrapper');
});

test('only the child started inside withChildPromises is handed over; a later start is passed through untouched', { timeout: 5_000 }, async () => {
  let calls = 0;
  void withChildPromises(() => calls++, () => startInterceptor()(input, async () => [Promise.resolve('a'), Promise.resolve()]));
  void (await startInterceptor()(input, async () => [Promise.resolve('b'), Promise.resolve()]));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 1);
});

test('a bundle without the interceptor fails the workflow task with what to do, instead of losing the news', { timeout: 5_000 }, () => {
  assert.throws(() => withChildPromises(() => undefined, () => 'started without the interceptor'), /lacks Phoenix's workflow interceptors.*PHOENIX_WORKFLOW_INTERCEPTOR_MODULES/);
  assert.ok(PHOENIX_WORKFLOW_INTERCEPTOR_MODULES.some((path) => /child-promises\.(ts|js)$/.test(path)), 'the modules every bundle carries include it');
});
