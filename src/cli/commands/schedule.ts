/**
 * `phoenix-client schedule <create|list|describe|pause|unpause|trigger|delete>`: scheduled
 * template rebuilds on Temporal Schedules. Each schedule (`phoenix-rebuild-<name>`) starts a
 * `rebuildTemplates` workflow; overlapping runs are skipped.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { isTemplate, loadConfig, resolveGuest, UnknownGuestError } from '../../config';
import { PhoenixKind } from '../../shared/search-attributes';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { checkCron, SCHEDULE_PREFIX, scheduleIdFrom, templateIdsArg } from '../schedules/schedule-spec';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, type ConfigJsonTemporalOptions } from '../shared-options';

const ACTIONS = ['create', 'list', 'describe', 'pause', 'unpause', 'trigger', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

export interface ScheduleOptions extends ConfigJsonTemporalOptions {
  readonly action: Action;
  readonly id?: string;
  readonly templates?: number[];
  readonly cron?: string;
  readonly note?: string;
  /** When a rebuild re-takes a template's clone snapshot (see RebuildTemplatesInput). */
  readonly refreshSnapshot?: 'changed' | 'always' | 'never';
}

export interface ScheduleInfo {
  scheduleId: string;
  templates?: number[];
  cron: string[];
  paused: boolean;
  note?: string;
  nextRuns?: string[];
  recentRuns?: Array<{ workflowId: string; runId: string; scheduledAt: string }>;
  runningWorkflows?: string[];
}

export type ScheduleResult = { done: string; scheduleId: string } | { schedules: ScheduleInfo[] } | { schedule: ScheduleInfo };

export async function schedule(options: ScheduleOptions): Promise<ScheduleResult> {
  if (options.action === 'create') await checkTemplates(options.configDir, options.templates!);
  const client = await connectClient();
  try {
    return await runAction(client, options);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule named ${JSON.stringify(options.id)} (see "phoenix-client schedule list")`, 'schedule');
    throw err;
  } finally {
    await client.connection.close();
  }
}

async function runAction(client: Client, options: ScheduleOptions): Promise<ScheduleResult> {
  const id = options.id!;
  switch (options.action) {
    case 'create': {
      try {
        await client.schedule.create({
          scheduleId: id,
          spec: { cronExpressions: [options.cron!] },
          action: {
            type: 'startWorkflow',
            workflowType: 'rebuildTemplates',
            workflowId: id, // Temporal appends the scheduled time
            taskQueue: options.taskQueue,
            args: [{ templates: options.templates!, refreshSnapshot: options.refreshSnapshot ?? 'changed' }],
            typedSearchAttributes: [{ key: PhoenixKind, value: 'rebuild' }],
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
          state: { note: `rebuild templates ${options.templates!.join(',')}` },
          // The server keeps the cron only as calendar specs; the memo keeps what the operator wrote.
          memo: { cron: options.cron!, templates: options.templates! },
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'ScheduleAlreadyRunning') throw new UsageError(`a schedule named ${JSON.stringify(id)} already exists`, 'schedule');
        // The client turns the server's "Invalid schedule spec" InvalidArgument into a TypeError.
        if (err instanceof TypeError) throw new UsageError(`--cron ${JSON.stringify(options.cron)} was refused by Temporal: ${err.message}`, 'schedule');
        throw err;
      }
      return { done: 'created', scheduleId: id };
    }
    case 'list': {
      const schedules: ScheduleInfo[] = [];
      for await (const s of client.schedule.list()) {
        if (!s.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
        schedules.push({ scheduleId: s.scheduleId, cron: [], paused: s.state.paused, ...(s.state.note ? { note: s.state.note } : {}), nextRuns: s.info.nextActionTimes.slice(0, 1).map((d) => d.toISOString()) });
      }
      for (const s of schedules) {
        const d = await client.schedule.getHandle(s.scheduleId).describe();
        s.cron = cronOf(d.memo, d.spec);
        s.templates = templatesOf(d.action);
      }
      return { schedules };
    }
    case 'describe': {
      const d = await client.schedule.getHandle(id).describe();
      return {
        schedule: {
          scheduleId: id,
          templates: templatesOf(d.action),
          cron: cronOf(d.memo, d.spec),
          paused: d.state.paused,
          ...(d.state.note ? { note: d.state.note } : {}),
          nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
          recentRuns: d.info.recentActions.map((a) => ({ workflowId: a.action.workflow.workflowId, runId: a.action.workflow.firstExecutionRunId, scheduledAt: a.scheduledAt.toISOString() })),
          runningWorkflows: d.info.runningActions.map((a) => a.workflow.workflowId),
        },
      };
    }
    case 'pause':
      await client.schedule.getHandle(id).pause(options.note ?? 'paused with phoenix-client');
      return { done: 'paused', scheduleId: id };
    case 'unpause':
      await client.schedule.getHandle(id).unpause(options.note ?? 'unpaused with phoenix-client');
      return { done: 'unpaused', scheduleId: id };
    case 'trigger':
      // SKIP here too: a trigger while a rebuild runs does not start a second one.
      await client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
      return { done: 'triggered', scheduleId: id };
    case 'delete':
      await client.schedule.getHandle(id).delete();
      return { done: 'deleted', scheduleId: id };
  }
}

function cronOf(memo: Record<string, unknown> | undefined, spec: unknown): string[] {
  if (typeof memo?.['cron'] === 'string') return [memo['cron']];
  const s = spec as { cronExpressions?: string[]; calendars?: unknown[] };
  return s.cronExpressions ?? (s.calendars ? [`${s.calendars.length} calendar spec(s)`] : []);
}

function templatesOf(action: unknown): number[] | undefined {
  const a = action as { args?: Array<{ templates?: number[] }> };
  return a.args?.[0]?.templates;
}

/** Unknown IDs and guests that are not container templates exit 2 naming --templates; nothing is created. */
async function checkTemplates(configDir: string, ids: number[]): Promise<void> {
  const { config } = await loadConfig(configDir);
  for (const id of ids) {
    let guest;
    try {
      guest = resolveGuest(config, id);
    } catch (err) {
      if (err instanceof UnknownGuestError) throw new UsageError(`--templates: ${err.message}`, 'schedule');
      throw err;
    }
    if (guest.kind !== 'lxc' || !isTemplate(guest)) throw new UsageError(`--templates: ${id} is not a container template (no template snapshot configured)`, 'schedule');
  }
}

export const scheduleCommand = defineCommand<ScheduleOptions, ScheduleResult>({
  name: 'schedule',
  summary: 'scheduled template rebuilds: create, list, describe, pause, unpause, trigger, delete',
  help: [
    'Usage: phoenix-client schedule create --templates 900,901 --cron "0 3 * * 0" [--id NAME]',
    '       phoenix-client schedule list',
    '       phoenix-client schedule describe|unpause|trigger|delete <id>',
    '       phoenix-client schedule pause <id> [--note TEXT]',
    '',
    'A schedule (id phoenix-rebuild-<NAME>, default NAME: the template ids joined by "-") runs the',
    'rebuildTemplates workflow at each cron time: every listed template is provisioned again, parents',
    'first. A run that would overlap one in progress is skipped. "trigger" runs one now.',
    '',
    'Options:',
    '  --templates IDS    comma-separated container template IDs (create)',
    '  --refresh-snapshot changed|always|never   when to re-take a template\'s clone snapshot after its',
    '                     run (create; default changed: when the run changed the template)',
    '  --cron EXPR        cron in UTC, as Temporal reads it: minute hour day-of-month month day-of-week',
    '                     (names such as MON-FRI or JAN allowed; optional year field, or seconds first',
    '                     with 7 fields; or @hourly, @daily, @weekly, @monthly, @yearly) (create)',
    '  --id NAME          schedule name (create)',
    '  --note TEXT        why it is paused or unpaused',
    ...CONFIG_JSON_TEMPORAL_HELP,
  ].join('\n'),
  options: { ...configJsonOptions, templates: { type: 'string' }, cron: { type: 'string' }, id: { type: 'string' }, note: { type: 'string' }, 'refresh-snapshot': { type: 'string' } },
  allowPositionals: true,
  parse(args, env) {
    const [action, ...rest] = args.positionals;
    if (!ACTIONS.includes(action as Action)) throw new UsageError(`schedule needs one of ${ACTIONS.join(', ')}${action ? `, got ${JSON.stringify(action)}` : ''}`, 'schedule');
    const common = { action: action as Action, ...configJsonTemporalArgs(args, env) };
    const note = typeof args.values['note'] === 'string' ? args.values['note'] : undefined;
    if (action === 'create') {
      if (rest.length > 0) throw new UsageError(`schedule create takes no positional arguments (got ${JSON.stringify(rest[0])}); use --id NAME`, 'schedule');
      const templates = templateIdsArg(args.values['templates'] as string | undefined);
      const rawCron = args.values['cron'];
      if (typeof rawCron !== 'string') throw new UsageError('schedule create needs --cron, e.g. --cron "0 3 * * 0"', 'schedule');
      const name = typeof args.values['id'] === 'string' ? args.values['id'] : templates.join('-');
      const refresh = args.values['refresh-snapshot'] ?? 'changed';
      if (refresh !== 'changed' && refresh !== 'always' && refresh !== 'never') {
        throw new UsageError(`--refresh-snapshot must be changed, always or never, got ${JSON.stringify(refresh)}`, 'schedule');
      }
      return { ...common, templates, cron: checkCron(rawCron), id: scheduleIdFrom(name), refreshSnapshot: refresh };
    }
    if (action === 'list') return common;
    if (rest.length !== 1) throw new UsageError(`schedule ${action} needs exactly one schedule id`, 'schedule');
    return { ...common, id: scheduleIdFrom(rest[0]!), ...(note !== undefined ? { note } : {}) };
  },
  run: schedule,
  render(result, options, output) {
    if (options.json) return output.out(JSON.stringify(result, null, 2));
    if ('done' in result) return output.out(`${result.scheduleId} ${result.done}`);
    const show = (s: ScheduleInfo) =>
      `${s.scheduleId.padEnd(28)} ${s.paused ? 'paused ' : 'active '} ${s.cron.join(' | ').padEnd(14)} templates ${s.templates?.join(',') ?? '?'}${s.nextRuns?.[0] ? `  next ${s.nextRuns[0]}` : ''}${s.note ? `  (${s.note})` : ''}`;
    if ('schedules' in result) {
      if (result.schedules.length === 0) return output.out('no rebuild schedules');
      for (const s of result.schedules) output.out(show(s));
      return;
    }
    const s = result.schedule;
    output.out(show(s));
    for (const r of s.recentRuns ?? []) output.out(`  run ${r.workflowId} (${r.scheduledAt})`);
    for (const w of s.runningWorkflows ?? []) output.out(`  running ${w}`);
  },
});
