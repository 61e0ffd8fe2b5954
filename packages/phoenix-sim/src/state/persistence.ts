import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GuestRecord, TaskRecord, ZfsDataset } from './types';

/**
 * The state file (`<stateDir>/state.json`): written atomically (temp file +
 * rename) so a crash leaves either the old or the new state, never half.
 */
export interface PersistedState {
  version: 1;
  guests: GuestRecord[];
  zfs: ZfsDataset[];
  tasks: TaskRecord[];
}

export function stateFile(stateDir: string): string {
  return join(stateDir, 'state.json');
}

export function loadState(stateDir: string): PersistedState | undefined {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
  if (parsed.version !== 1) throw new Error(`${file}: unsupported state version ${String(parsed.version)}`);
  return parsed;
}

export function saveState(stateDir: string, state: PersistedState): void {
  const file = stateFile(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}
