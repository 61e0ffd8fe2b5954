// Determinism guard (docs/architecture.md, "Versioning"): every history recorded under
// test/temporal/histories replays against the current workflow code, and every workflow type
// the worker registers has at least one. A change to a workflow that would break runs already
// in flight on operators' servers (or a reset of one after an upgrade) fails here, before it
// ships; such a change belongs behind `patched()`.
//
// To refresh the recorded histories from real runs: `npm run build && npx tsx
// test/temporal/record-histories.ts` (keep the files of older code: they are what runs in
// flight look like). One run: `npx tsx test/temporal/record-history.ts --address HOST:PORT
// --workflow-id ID --name NAME`. The workflow type is read from each history itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import * as workflows from '../../src/workflows';
import { loadHistories, replayAll, workflowTypeOf } from './replay-helpers';
import { phoenixWorkflowBundle } from './workflow-bundle';

test('every recorded history replays against the current workflows, and a tampered one is caught', { timeout: 180_000 }, async () => {
  installRuntimeLogging('ERROR'); // the tampered control makes core warn, by design
  const recorded = loadHistories();
  assert.ok(recorded.length > 0, 'no recorded histories');

  // Control: the same diagnostics history claiming a different activity was scheduled.
  // If replay did not compare commands with the history, this would pass silently.
  const diagnostics = recorded.find(({ name }) => name === 'worker-diagnostics');
  assert.ok(diagnostics, 'the worker-diagnostics history is recorded');
  const tampered = temporal.api.history.v1.History.decode(temporal.api.history.v1.History.encode(diagnostics.history).finish());
  const scheduled = tampered.events?.find((event) => event.activityTaskScheduledEventAttributes);
  scheduled!.activityTaskScheduledEventAttributes!.activityType = { name: 'someOtherActivity' };

  const workflowBundle = await phoenixWorkflowBundle();
  const outcomes = await replayAll(workflowBundle, [...recorded, { name: 'tampered', history: tampered }]);

  const broken = recorded.filter(({ name }) => outcomes.get(name) !== undefined).map(({ name }) => `${name}: ${String(outcomes.get(name))}`);
  assert.deepEqual(broken, [], 'every recorded history replays deterministically');
  assert.ok(outcomes.get('tampered') instanceof DeterminismViolationError, String(outcomes.get('tampered')));
});

test('every workflow type the worker registers has a recorded history', { timeout: 10_000 }, () => {
  const covered = new Set(loadHistories().map(({ history }) => workflowTypeOf(history)));
  const missing = Object.keys(workflows).filter((type) => !covered.has(type));
  assert.deepEqual(missing, [], 'record a history of each (test/temporal/record-histories.ts)');
});

