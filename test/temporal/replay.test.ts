// Determinism guard: every history recorded under test/temporal/histories must
// replay against the current workflow code. A change to a workflow that would break
// runs already in flight on operators' servers fails here, before it ships.
//
// To add a history: run the workflow on a dev server, then
//   npx tsx test/temporal/record-history.ts --address HOST:PORT --workflow-id ID --name <workflow-name>
// The workflow type is read from the history itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { PHOENIX_WORKFLOWS_PATH } from '../../src/worker-factory';
import { HISTORIES_DIR } from './record-history';

function loadHistories(): Array<{ name: string; history: temporal.api.history.v1.IHistory }> {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.binpb'))
    .sort()
    .map((file) => ({
      name: basename(file, '.binpb'),
      history: temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES_DIR, file))),
    }));
}

test('recorded histories replay against the current workflows, and a tampered one is caught', async () => {
  installRuntimeLogging('ERROR'); // the tampered control makes core warn, by design
  const recorded = loadHistories();
  assert.ok(recorded.length > 0, `no histories in ${HISTORIES_DIR}`);

  // Control: the same diagnostics history claiming a different activity was scheduled.
  // If replay did not compare commands with the history, this would pass silently.
  const diagnostics = recorded.find(({ name }) => name === 'worker-diagnostics');
  assert.ok(diagnostics, 'the worker-diagnostics history is recorded');
  const tampered = temporal.api.history.v1.History.decode(temporal.api.history.v1.History.encode(diagnostics.history).finish());
  const scheduled = tampered.events?.find((event) => event.activityTaskScheduledEventAttributes);
  scheduled!.activityTaskScheduledEventAttributes!.activityType = { name: 'someOtherActivity' };

  const workflowBundle = await bundleWorkflowCode({ workflowsPath: PHOENIX_WORKFLOWS_PATH, logger: silent });
  const histories = [
    ...recorded.map(({ name, history }) => ({ workflowId: name, history })),
    { workflowId: 'tampered', history: tampered },
  ];
  const outcomes = new Map<string, Error | undefined>();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    outcomes.set(result.workflowId, result.error);
  }

  for (const { name } of recorded) assert.equal(outcomes.get(name), undefined, `${name} replays deterministically`);
  assert.ok(outcomes.get('tampered') instanceof DeterminismViolationError, String(outcomes.get('tampered')));
});

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
