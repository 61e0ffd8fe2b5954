/** `phoenix-client list`: recent provisioning runs, newest first (Temporal visibility, PhoenixKind set). */
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { temporalSettings, TEMPORAL_HELP, type TemporalCliSettings } from '../runs/temporal-options';
import { JSON_HELP, jsonOption } from '../shared-options';

export interface ListOptions extends TemporalCliSettings {
  readonly json: boolean;
  readonly limit: number;
  readonly running: boolean;
}

export interface ListedRun {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime?: string;
}

export async function list(options: ListOptions): Promise<ListedRun[]> {
  const client = await connectClient();
  try {
    const query = `PhoenixKind IS NOT NULL${options.running ? ` AND ExecutionStatus = 'Running'` : ''}`;
    const runs: ListedRun[] = [];
    for await (const w of client.workflow.list({ query })) {
      runs.push({
        workflowId: w.workflowId,
        runId: w.runId,
        type: w.type,
        status: w.status.name,
        startTime: w.startTime.toISOString(),
        ...(w.closeTime ? { closeTime: w.closeTime.toISOString() } : {}),
      });
      if (runs.length >= options.limit) break;
    }
    return runs;
  } finally {
    await client.connection.close();
  }
}

export const listCommand = defineCommand<ListOptions, ListedRun[]>({
  name: 'list',
  summary: 'list recent provisioning runs',
  help: ['Usage: phoenix-client list [--running] [--limit N] [--json]', '', 'Options:', '  --running          only runs in progress', '  --limit N          at most N runs (default 50)', JSON_HELP, '', TEMPORAL_HELP].join('\n'),
  options: { ...jsonOption, running: { type: 'boolean', default: false }, limit: { type: 'string' } },
  allowPositionals: false,
  parse(args, env) {
    const raw = args.values['limit'];
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, got ${JSON.stringify(raw)}`, 'list');
    return { json: args.values['json'] === true, running: args.values['running'] === true, limit, ...temporalSettings(env) };
  },
  run: list,
  render(result, options, output) {
    if (options.json) return output.out(JSON.stringify(result, null, 2));
    if (result.length === 0) return output.out('no provisioning runs');
    for (const r of result) output.out(`${r.workflowId.padEnd(24)} ${r.status.padEnd(11)} ${r.startTime}  ${r.type}`);
  },
});
