/** Loading recorded histories and replaying them, for the replay and upgrade tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { HISTORIES_DIR } from './record-history';

export interface RecordedHistory {
  name: string;
  history: temporal.api.history.v1.IHistory;
}

export function loadHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.binpb'))
    .sort()
    .map((file) => ({
      name: basename(file, '.binpb'),
      history: temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES_DIR, file))),
    }));
}

export function workflowTypeOf(history: temporal.api.history.v1.IHistory): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

/** Replays each history against the bundle; name → the replay error, or undefined when it replayed. */
export async function replayAll(workflowBundle: WorkflowBundle, histories: RecordedHistory[]): Promise<Map<string, Error | undefined>> {
  const outcomes = new Map<string, Error | undefined>();
  const input = histories.map(({ name, history }) => ({ workflowId: name, history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle }, input)) {
    outcomes.set(result.workflowId, result.error);
  }
  return outcomes;
}

export const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
