/**
 * `phoenix-client start <ID...>`: provisions the guests, building missing templates first,
 * and follows the runs step by step until they finish (or returns at once with --detach).
 * Starting an ID whose run is in progress attaches to it.
 */
import { ancestors, guestGraph, loadConfig, resolveGuest, type PhoenixConfig } from '../../config';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { follow, type FollowOutcome } from '../runs/follow';
import { startOrAttach, webUiUrl, workflowIdFor, type GuestRun } from '../runs/guest-runs';
import { progressPrinter } from '../runs/progress-printer';
import { temporalSettings, TEMPORAL_HELP, type TemporalCliSettings } from '../runs/temporal-options';
import { CONFIG_DIR_HELP, configDirArg, configDirOption, guestIdArgs, JSON_HELP, jsonOption } from '../shared-options';

export interface StartOptions extends TemporalCliSettings {
  readonly configDir: string;
  readonly ids: readonly number[];
  readonly detach: boolean;
  readonly json: boolean;
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
    super(failed.map((r) => r.outcome!.error ?? `${r.workflowId} failed`).join('\n'));
  }
}

export async function start(options: StartOptions): Promise<StartResult> {
  const { config } = await loadConfig(options.configDir);
  const guests = options.ids.map((id) => resolveGuest(config, id)); // unknown IDs: exit 2 before anything starts
  const client = await connectClient();
  try {
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
        }),
      ),
    );
    printer.close();
    const result = { runs: started.map((r, i) => ({ ...r, outcome: outcomes[i]! })) };
    if (outcomes.some((o) => !o.ok)) throw new ProvisioningFailed(result);
    return result;
  } finally {
    await client.connection.close();
  }
}

/** The workflow ids of the templates a guest is cloned from, root first. */
function chainWorkflowIds(config: PhoenixConfig, id: number): string[] {
  return ancestors(guestGraph(config), id).map((ancestor) => workflowIdFor(resolveGuest(config, ancestor)));
}

export const startCommand = defineCommand<StartOptions, StartResult>({
  name: 'start',
  summary: 'provision containers and VMs (building missing templates first) and follow the runs',
  help: [
    'Usage: phoenix-client start <ID...> [--detach] [--config-dir DIR] [--json]',
    '',
    'Starts the provisioning workflow of each container or VM (phoenix-lxc-<ctid> / phoenix-vm-<vmid>),',
    'or attaches to it when it is already running, and follows every step until it ends. Templates a',
    'guest is cloned from are built first, once, even when several starts need them at the same time.',
    'Running it again on a provisioned guest changes nothing.',
    '',
    'Exit status: 0 when every run succeeded; 1 when one failed (the step and the reason are printed);',
    '2 for bad input (an unknown ID, invalid configuration).',
    '',
    'Options:',
    '  --detach           start (or attach) and return at once, without following',
    CONFIG_DIR_HELP,
    JSON_HELP,
    '',
    TEMPORAL_HELP,
  ].join('\n'),
  options: { ...configDirOption, ...jsonOption, detach: { type: 'boolean', default: false } },
  allowPositionals: true,
  parse: (args, env) => ({
    configDir: configDirArg(args, env),
    ids: guestIdArgs(args, 'start'),
    detach: args.values['detach'] === true,
    json: args.values['json'] === true,
    progress: (line) => void process.stderr.write(`${line}\n`),
    tty: process.stderr.isTTY === true,
    ...temporalSettings(env),
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
      output.out(`${run.kind === 'lxc' ? 'CT' : 'VM'} ${run.id} ready${ip ? ` (${ip})` : ''}: ${changed === 0 ? 'nothing changed' : `${changed} step(s) changed something`}`);
    }
  },
});
