/**
 * `phoenix-client up [--all | ID...]` (the original's --LetsGo): brings the guests and everything
 * they need up as ONE workflow, `phoenixUp`, which provisions each guest as soon as its clone parent
 * and dependencies succeeded, independent branches in parallel. The client computes the DAG from
 * the config; the workflow only schedules. Follows every guest's steps like `start`, then prints
 * what succeeded, failed (step and reason) and was skipped.
 */
import { createHash } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { buildLevels, closure, clusterNodes, guestGraph, loadConfig, resolveGuest, type Guest, type PhoenixConfig } from '../../config';
import { connectClient } from '../../temporal/connection';
import type { PhoenixUpInput, PhoenixUpResult, UpNode } from '../../shared/phoenix-up';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { upProgressQuery } from '../../shared/progress';
import { follow } from '../runs/follow';
import { webUiUrl, workflowIdFor } from '../runs/guest-runs';
import { progressPrinter } from '../runs/progress-printer';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, guestIdArgs, progressOnStderr, type ConfigJsonTemporalOptions } from '../shared-options';

export interface UpOptions extends ConfigJsonTemporalOptions {
  /** Undefined: --all. */
  readonly ids?: readonly number[];
  readonly concurrency: number;
  readonly workflowId?: string;
  readonly progress: (line: string) => void;
  readonly tty: boolean;
}

export interface UpResult {
  workflowId: string;
  runId: string;
  webUi: string;
  /** Build order the config implies (level n needs only earlier levels). */
  levels: number[][];
  report: PhoenixUpResult;
}

export class UpFailed extends Error {
  override name = 'UpFailed';
  constructor(readonly result: UpResult) {
    super(['some guests did not come up:', ...reportLines(result.report)].join('\n'));
  }
}

/** The DAG of `ids` and everything they need (all guests when undefined), as phoenixUp's input. */
export function upNodes(config: PhoenixConfig, ids: readonly number[] | undefined): { nodes: UpNode[]; levels: number[][] } {
  const graph = guestGraph(config);
  const wanted = ids ?? [...graph.keys()];
  const levels = buildLevels(graph, wanted); // throws on a cycle before anything starts
  const node = config.hypervisor.proxmox?.node ?? 'default';
  const nodes = [...closure(graph, wanted)].sort((a, b) => a - b).map((id): UpNode => {
    const g = resolveGuest(config, id) as Guest & { start_at_boot?: boolean; boot_order?: number };
    const n = graph.get(id)!;
    return {
      id,
      kind: g.kind,
      ...(n.parent !== undefined ? { parent: n.parent } : {}),
      prerequisites: n.parent !== undefined ? [n.parent, ...n.dependencies] : [...n.dependencies],
      node,
      startAtBoot: g.start_at_boot === true,
      bootOrder: g.boot_order ?? 0,
    };
  });
  return { nodes, levels };
}

export function upWorkflowId(ids: readonly number[] | undefined): string {
  const key = ids === undefined ? 'all' : [...new Set(ids)].sort((a, b) => a - b).join(',');
  return `phoenix-up-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

export async function up(options: UpOptions): Promise<UpResult> {
  const { config } = await loadConfig(options.configDir);
  for (const id of options.ids ?? []) resolveGuest(config, id); // unknown IDs: exit 2 before anything starts
  const { nodes, levels } = upNodes(config, options.ids);
  // Several nodes: the workflow places the guests (and adds per-node template copies) from the live cluster.
  const several = clusterNodes(config.hypervisor).length > 1;
  const input: PhoenixUpInput = { nodes, concurrencyPerNode: options.concurrency, ...(several ? { place: true } : {}) };
  const workflowId = options.workflowId ?? upWorkflowId(options.ids);
  const client = await connectClient();
  try {
    const handle = await client.workflow.start('phoenixUp', {
      workflowId,
      taskQueue: options.taskQueue,
      args: [input],
      // A second `up` of the same set while one runs follows it instead of racing it.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `Up: ${options.ids ? options.ids.join(', ') : 'all guests'}`,
    });
    const runId = (await handle.describe()).runId;
    const webUi = webUiUrl(options.uiUrl, client.options.namespace, workflowId, runId);
    options.progress(`started ${workflowId}: ${webUi}`);
    const printer = progressPrinter(options.progress, options.tty);
    const childIds = new Map(nodes.map((n) => [n.id, workflowIdFor({ kind: n.kind, id: n.id })]));
    const outcome = await follow(client, handle, {
      related: [...childIds.values()],
      // One query of the fleet run says which children to look at.
      children: async (target) => {
        const named = await target.query(upProgressQuery);
        const ids = (list: number[]) => list.map((id) => childIds.get(id)).filter((id): id is string => id !== undefined);
        return { running: ids(named.running), settled: ids(named.settled) };
      },
      onStep: printer.step,
      onDetail: printer.detail,
      onConnection: printer.connection,
    });
    printer.close();
    if (outcome.cancelled) throw new Error(`${workflowId} was cancelled: it started nothing more; the guests' runs already in progress go on ("phoenix-client status <ID>", "phoenix-client cancel <ID>")`);
    if (!outcome.ok) throw new Error(outcome.unseen ? outcome.error : `${workflowId} failed: ${outcome.error}`);
    const result: UpResult = { workflowId, runId, webUi, levels, report: outcome.result as PhoenixUpResult };
    if (result.report.failed.length > 0 || result.report.skipped.length > 0) throw new UpFailed(result);
    return result;
  } finally {
    await client.connection.close();
  }
}

function reportLines(report: PhoenixUpResult): string[] {
  const name = (kind: string, id: number) => `${kind === 'lxc' ? 'CT' : 'VM'} ${id}`;
  return [
    ...[...report.succeeded].sort((a, b) => a.id - b.id).map((s) => `succeeded ${name(s.kind, s.id)}${s.joined ? ' (joined the run in progress)' : ''}`),
    ...[...report.failed].sort((a, b) => a.id - b.id).map((f) => `failed    ${name(f.kind, f.id)}${f.step ? ` at step ${f.step}` : ''}: ${f.reason}`),
    ...[...report.skipped].sort((a, b) => a.id - b.id).map((s) => `skipped   ${name(s.kind, s.id)}: needs ${s.blockedBy.join(', ')}, which did not come up`),
    ...(report.bootOrder.length > 0 ? [`boot order: ${report.bootOrder.join(', ')}`] : []),
  ];
}

export const upCommand = defineCommand<UpOptions, UpResult>({
  name: 'up',
  summary: 'bring guests up with everything they need, in dependency order, branches in parallel (--LetsGo)',
  help: [
    'Usage: phoenix-client up (--all | <ID...>) [--concurrency N] [--workflow-id ID] [--config-dir DIR] [--json]',
    '',
    'Runs one workflow (phoenix-up-<hash of the IDs>) that provisions the guests and every template and',
    'dependency they need: each guest as soon as its clone parent and dependencies succeeded, independent',
    'branches in parallel, never two clones of one source at once. A failure stops only the guests that',
    'need it (reported as skipped). Guests provisioned here end up running; the report lists the',
    'start_at_boot guests in boot_order.',
    '',
    'Exit status: 0 when every guest came up; 1 when one failed or was skipped (the report says which,',
    'with the step and reason); 2 for bad input (an unknown ID, invalid configuration, a cycle).',
    '',
    'Options:',
    '  --all              every container and VM in the configuration',
    '  --concurrency N    guests provisioned at once per Proxmox node (default 2)',
    '  --workflow-id ID   the up workflow id (default phoenix-up-<hash of the IDs>)',
    ...CONFIG_JSON_TEMPORAL_HELP,
  ].join('\n'),
  options: {
    ...configJsonOptions,
    all: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'workflow-id': { type: 'string' },
  },
  allowPositionals: true,
  parse: (args, env) => {
    const all = args.values['all'] === true;
    if (all && args.positionals.length > 0) throw new UsageError('give either --all or IDs, not both', 'up');
    if (!all && args.positionals.length === 0) throw new UsageError('up needs --all or at least one container or VM ID', 'up');
    const rawConcurrency = args.values['concurrency'];
    let concurrency = 2;
    if (typeof rawConcurrency === 'string') {
      if (!/^[1-9][0-9]{0,2}$/.test(rawConcurrency)) throw new UsageError(`--concurrency ${JSON.stringify(rawConcurrency)} is not a positive number`, 'up');
      concurrency = Number(rawConcurrency);
    }
    const workflowId = args.values['workflow-id'];
    if (typeof workflowId === 'string' && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(workflowId)) {
      throw new UsageError(`--workflow-id ${JSON.stringify(workflowId)}: use letters, digits, '.', '_' or '-'`, 'up');
    }
    return {
      ...configJsonTemporalArgs(args, env),
      ...(all ? {} : { ids: guestIdArgs(args, 'up') }),
      concurrency,
      ...(typeof workflowId === 'string' ? { workflowId } : {}),
      ...progressOnStderr(),
    };
  },
  run: up,
  render(result, options, output) {
    if (options.json) {
      output.out(JSON.stringify(result, null, 2));
      return;
    }
    for (const line of reportLines(result.report)) output.out(line);
  },
});
