// phoenixUp decides per event (up-decides-per-event): one workflow task's news is applied in history
// order, with a scheduling pass after each piece, so a worker that applied the task's events in two
// activations and a fresh replay that applies them in one issue the same commands.
//
// The history is a real run's (the reliability suite's storm, 2026-12-01), cut before its failure,
// with this patch's marker added to its first task (by hand, as the run predates the patch). In its
// task 44-46 two templates' ends arrived together (902 at event 42, then 901 at 44, after the
// marker's two events). The worker that ran that task had applied 902's end alone first, and
// started 902's leaf 952 before 901's chain 920; the replay that decided on both ends at once
// started 920 first (more guests after it), failed with TMPRL1100 and left the run stuck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { UP_DECIDES_PER_EVENT } from '../../src/workflows/patches';
import { loadHistories, replayAll } from './replay-helpers';
import { phoenixWorkflowBundle } from './workflow-bundle';

type History = temporal.api.history.v1.IHistory;

const HISTORY = 'phoenix-up-two-templates-end-in-one-task-per-event';

/** The history without the events `drop` picks, every event id after them moved down (in the events and in their references). */
function withoutEvents(history: History, drop: (event: Record<string, unknown>, index: number, events: Array<Record<string, unknown>>) => boolean): History {
  const { History: HistoryProto } = temporal.api.history.v1;
  // As plain data with 64-bit ids as strings, so that every event id can be moved in one walk.
  const plain = HistoryProto.toObject(HistoryProto.decode(HistoryProto.encode(history).finish()), { longs: String, bytes: String, enums: String }) as { events: Array<Record<string, unknown>> };
  const dropped = plain.events.filter((event, index, events) => drop(event, index, events)).map((event) => Number(event.eventId));
  assert.ok(dropped.length > 0, 'the history has the events to drop');
  const renumber = (value: unknown, key = ''): unknown => {
    if (typeof value === 'string' && /EventId$|^eventId$/.test(key)) return String(Number(value) - dropped.filter((id) => id < Number(value)).length);
    if (Array.isArray(value)) return value.map((item) => renumber(item));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, renumber(field, name)]));
    return value;
  };
  const events = plain.events.filter((event) => !dropped.includes(Number(event.eventId))).map((event) => renumber(event));
  return HistoryProto.fromObject({ events });
}

const patchIdOf = (event: Record<string, unknown>): string | undefined => {
  const data = (event.markerRecordedEventAttributes as { details?: Record<string, { payloads?: Array<{ data?: string }> }> } | undefined)?.details?.['patch-data']?.payloads?.[0]?.data;
  return data === undefined ? undefined : (JSON.parse(Buffer.from(data, 'base64').toString()) as { id: string }).id;
};

/** The history as a run started before the patch would have written it: the patch's marker and the search-attribute upsert after it taken out. */
const withoutPatch = (history: History, patchId: string) =>
  withoutEvents(history, (event, index, events) => patchIdOf(event) === patchId || (index > 0 && patchIdOf(events[index - 1]!) === patchId && event.upsertWorkflowSearchAttributesEventAttributes !== undefined));

/**
 * The same run as if 902's start had reached up in the task that brought its end and 901's (the
 * task between taken out): up reads 902's start, its end, then 901's end, in that order, and
 * starts 952 first. Read from startChild's handle, 902's end would come after 901's (its result is
 * reached two microtasks later when the child started in the same activation), and 920 would start first.
 */
function with902StartInTheTaskOfTheEnds(history: History): History {
  const started902 = (event: Record<string, unknown>) => (event.childWorkflowExecutionStartedEventAttributes as { workflowExecution?: { workflowId?: string } } | undefined)?.workflowExecution?.workflowId === 'phoenix-lxc-902';
  return withoutEvents(history, (_, index, events) => {
    const at = events.findIndex(started902);
    return at >= 0 && index > at && index <= at + 3 && /WORKFLOW_TASK_(SCHEDULED|STARTED|COMPLETED)/.test(String(events[index]!.eventType));
  });
}

test('two templates ending in one workflow task: their news is decided in history order, as the worker that ran the task decided it', { timeout: 180_000 }, async () => {
  installRuntimeLogging('ERROR'); // the run without the patch makes core warn, by design
  const recorded = loadHistories().find(({ name }) => name === HISTORY);
  assert.ok(recorded, `${HISTORY}.binpb is recorded`);
  const workflowBundle = await phoenixWorkflowBundle();
  const outcomes = await replayAll(workflowBundle, [recorded, { name: 'without-patch', history: withoutPatch(recorded.history, UP_DECIDES_PER_EVENT) }]);

  assert.equal(outcomes.get(HISTORY), undefined, `with the patch the history replays: ${String(outcomes.get(HISTORY))}`);
  // Control: the batch decision (both ends at once, the chain first) is what this history rules out.
  const batch = outcomes.get('without-patch');
  assert.ok(batch instanceof DeterminismViolationError, `without the patch the replay must fail, got ${String(batch)}`);
  assert.match(batch.message, /phoenix-lxc-952.*phoenix-lxc-920/);
});

test("a child's start and end in the same task as another child's end: read in history order, the SDK's own promises, not the child handle's", { timeout: 180_000 }, async () => {
  const recorded = loadHistories().find(({ name }) => name === HISTORY);
  assert.ok(recorded, `${HISTORY}.binpb is recorded`);
  const history = with902StartInTheTaskOfTheEnds(recorded.history);
  assert.equal(history.events!.length, recorded.history.events!.length - 3, 'one workflow task (scheduled, started, completed) taken out');
  const outcomes = await replayAll(await phoenixWorkflowBundle(), [{ name: 'start-and-ends-in-one-task', history }]);
  assert.equal(outcomes.get('start-and-ends-in-one-task'), undefined, String(outcomes.get('start-and-ends-in-one-task')));
});
