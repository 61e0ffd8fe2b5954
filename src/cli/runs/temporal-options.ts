/** Options every command that talks to Temporal shares. */
import { taskQueueFrom } from '../../shared/task-queue';
import type { Env } from '../../config';

export const TEMPORAL_HELP = [
  'Environment:',
  '  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*   Temporal connection',
  '  PHOENIX_TASK_QUEUE   task queue of the Phoenix workers (default: phoenix)',
  '  TEMPORAL_UI_URL      Web UI base for links (default: http://localhost:8233)',
].join('\n');

export interface TemporalCliSettings {
  taskQueue: string;
  uiUrl: string;
}

export function temporalSettings(env: Env): TemporalCliSettings {
  return { taskQueue: taskQueueFrom(env), uiUrl: env.TEMPORAL_UI_URL?.trim() || 'http://localhost:8233' };
}
