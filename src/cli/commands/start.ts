/**
 * `phoenix-client start <ID...>`: provisions the guests, building missing templates first,
 * and follows the runs step by step until they finish (or returns at once with --detach).
 * Starting an ID whose run is in progress attaches to it.
 *
 * Dependencies (`dependencies` in the config, and theirs) are provisioned first, level by level,
 * as `plan` says; `--no-deps` skips that and refuses when one has never been provisioned.
 * Clone parents need nothing here: each run's ensure_parent_template builds its template.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ancestors, buildLevels, closure, guestGraph, loadConfig, resolveGuest, type Guest, type PhoenixConfig } from '../../config';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { follow, followState, type FollowOutcome } from '../runs/follow';
import { startOrAttach, webUiUrl, workflowIdFor, type GuestRun } from '../runs/guest-runs';
import { progressPrinter } from '../runs/progress-printer';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, guestIdArgs, progressOnStderr, type ConfigJsonTemporalOptions } from '../shared-options';

export interface StartOptions extends ConfigJsonTemporalOptions {
  readonly ids: readonly number[];
  readonly detach: boolean;
  /** Do not provision the guests' dependencies first (refuse if one was never provisioned). */
  readonly noDeps?: boolean;
  /** Where live progress goes (stderr by default; tests collect it). */
  readonly progress: (line: string) => void;
  readonly tty: boolean;
}

export interface StartedRun {
  id: number;
  kind: 'lxc' | 'vm';
  workflowId: string;
  runId: string;
  attached: boolean;
  webUi: string;
  outcome?: FollowOutcome;
}

export interface StartResult {
  runs: StartedRun[];
}

export class ProvisioningFailed extends Error {
  override name = 'ProvisioningFailed';
  constructor(readonly result: StartResult) {
    const failed = result.runs.filter((r) => r.outcome && !r.outcome.ok);
    super(failed.map((r) => (r.outcome!.cancelled ? `${label(r)}: cancelled` : r.outcome!.error ?? `${r.workflowId} failed`)).join('\n'));
  }
}

const label = (r: { kind: 'lxc' | 'vm'; id: number }) => `${r.kind === 'lxc' ? 'CT' : 'VM'} ${r.id}`;

/**
 * The guests the requested ones depend on through `dependencies` (theirs, their templates', and
 * the dependencies' own, transitively), in no order. Clone parents are not listed: each run's
 * ensure_parent_template builds its template chain itself.
 */
export function prerequisitesOf(config: PhoenixConfig, ids: readonly number[]): number[] {
  const graph = guestGraph(config);
  const requested = new Set(ids);
  const needed = new Set<number>();
  for (const id of closure(graph, ids)) for (const d of graph.get(id)?.dependencies ?? []) if (!requested.has(d)) needed.add(d);
  return [...needed].sort((a, b) => a - b);
}

export async function start(options: StartOptions): Promise<StartResult> {
  const { config } = await loadConfig(options.configDir);
  const guests = options.ids.map((id) => resolveGuest(config, id)); // unknown IDs: exit 2 before anything starts
  const prerequisites = prerequisitesOf(config, options.ids);
  if (prerequisites.length > 0 && options.detach && !options.noDeps) {
    throw new UsageError(`${options.ids.join(', ')} need${options.ids.length > 1 ? '' : 's'} ${prerequisites.join(', ')} first, which --detach cannot wait for: start without --detach, or with --no-deps once they are up`, 'start');
  }
  const client = await connectClient();
  try {
    const state = followState();
    if (prerequisites.length > 0 && options.noDeps) await refuseUnbuilt(client, config, prerequisites);
    else if (prerequisites.length > 0) {
      const levels = buildLevels(guestGraph(config), prerequisites).map((level) => level.filter((id) => prerequisites.includes(id)));
      for (const level of levels.filter((l) => l.length > 0)) {
        options.progress(`first the dependencies: ${level.join(', ')}`);
        const done = await startAndFollow(client, config, level.map((id) => resolveGuest(config, id)), options, { state });
        if (done.runs.some((r) => !r.outcome?.ok)) throw new ProvisioningFailed(done);
      }
    }
    return await startAndFollow(client, config, guests, options, { state });
  } finally {
    await client.connection.close();
  }
}

/** --no-deps: every dependency must have been provisioned (its latest run completed). */
async function refuseUnbuilt(client: Client, config: PhoenixConfig, ids: number[]): Promise<void> {
  const unbuilt: number[] = [];
  for (const id of ids) {
    const status = await client.workflow.getHandle(workflowIdFor(resolveGuest(config, id))).describe().then((d) => d.status.name, (err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw err;
    });
    if (status !== 'COMPLETED') unbuilt.push(id);
  }
  if (unbuilt.length > 0) {
    throw new UsageError(`--no-deps: ${unbuilt.join(', ')} ${unbuilt.length > 1 ? 'have' : 'has'} not been provisioned (no completed run); start ${unbuilt.length > 1 ? 'them' : 'it'} first, or leave out --no-deps`, 'start');
  }
}

async function startAndFollow(
  client: Client,
  config: PhoenixConfig,
  guests: Guest[],
  options: StartOptions,
  shared: { state: ReturnType<typeof followState> },
): Promise<StartResult> {
  const namespace = client.options.namespace;
  const runs: GuestRun[] = [];
  for (const guest of guests) runs.push(await startOrAttach(client, guest, options.taskQueue));
  const started: StartedRun[] = runs.map((r) => ({
    id: r.id,
    kind: r.kind,
    workflowId: r.workflowId,
    runId: r.runId,
    attached: !r.started,
    webUi: webUiUrl(options.uiUrl, namespace, r.workflowId, r.runId),
  }));
  for (const r of started) {
    options.progress(`${r.attached ? 'attached to the run in progress' : 'started'} ${r.workflowId}: ${r.webUi}`);
  }
  if (options.detach) return { runs: started };

  const printer = progressPrinter(options.progress, options.tty);
  const outcomes = await Promise.all(
    runs.map((run) =>
      follow(client, run.handle, {
        related: chainWorkflowIds(config, run.id),
        onStep: printer.step,
        onDetail: printer.detail,
        onConnection: printer.connection,
        ...shared,
      }),
    ),
  );
  printer.close();
  const result = { runs: started.map((r, i) => ({ ...r, outcome: outcomes[i]! })) };
  if (outcomes.some((o) => !o.ok)) throw new ProvisioningFailed(result);
  return result;
}

/** The workflow ids of the templates a guest is cloned from, root first. */
function chainWorkflowIds(config: PhoenixConfig, id: number): string[] {
  return ancestors(guestGraph(config), id).map((ancestor) => workflowIdFor(resolveGuest(config, ancestor)));
}

export const startCommand = defineCommand<StartOptions, StartResult>({
  name: 'start',
  summary: 'provision containers and VMs (building missing templates first) and follow the runs',
  help: [
    'Usage: phoenix-client start <ID...> [--detach] [--no-deps] [--config-dir DIR] [--json]',
    '',
    'Starts the provisioning workflow of each container or VM (phoenix-lxc-<ctid> / phoenix-vm-<vmid>),',
    'or attaches to it when it is already running, and follows every step until it ends. Templates a',
    'guest is cloned from are built first, once, even when several starts need them at the same time.',
    'Running it again on a provisioned guest changes nothing. Guests named in `dependencies` are',
    'provisioned first, in dependency order.',
    '',
    'Exit status: 0 when every run succeeded; 1 when one failed (the step and the reason are printed);',
    '2 for bad input (an unknown ID, invalid configuration).',
    '',
    'Options:',
    '  --detach           start (or attach) and return at once, without following',
    '  --no-deps          do not provision dependencies first (refused if one was never provisioned)',
    ...CONFIG_JSON_TEMPORAL_HELP,
  ].join('\n'),
  options: { ...configJsonOptions, detach: { type: 'boolean', default: false }, 'no-deps': { type: 'boolean', default: false } },
  allowPositionals: true,
  parse: (args, env) => ({
    ...configJsonTemporalArgs(args, env),
    ids: guestIdArgs(args, 'start'),
    detach: args.values['detach'] === true,
    noDeps: args.values['no-deps'] === true,
    ...progressOnStderr(),
  }),
  run: start,
  render(result, options, output) {
    if (options.json) {
      output.out(JSON.stringify(result.runs, null, 2));
      return;
    }
    for (const run of result.runs) {
      if (!run.outcome) {
        output.out(`${run.workflowId} ${run.attached ? 'attached' : 'started'} (run ${run.runId})`);
        continue;
      }
      const r = run.outcome.result as { ips?: string[]; ip?: string; steps?: Array<{ changed: boolean }> } | undefined;
      const changed = r?.steps?.filter((s) => s.changed).length ?? 0;
      const ip = r?.ip ?? r?.ips?.join(', ');
      output.out(`${label(run)} ready${ip ? ` (${ip})` : ''}: ${changed === 0 ? 'converged, nothing changed' : `${changed} step(s) changed something`}`);
    }
  },
});
