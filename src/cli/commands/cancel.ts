/**
 * `phoenix-client cancel <ID...>` / `cancel --workflow-id ID`: cancels a guest's running
 * provisioning (or any Phoenix run by id: an `up`, a rebuild, a lifecycle verb) and waits for
 * the outcome. The running step stops at once; a guest job it was waiting for is left to finish
 * (the next `start` waits for it or takes its result over); what was done stays done (every
 * step is idempotent, so a later `start` resumes from the live state). A cancelled `up` starts
 * nothing more and leaves the guests' runs already in progress to finish.
 */
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { loadConfig, resolveGuest } from '../../config';
import { PhoenixStep } from '../../shared/search-attributes';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { workflowIdFor } from '../runs/guest-runs';
import { TEMPORAL_HELP } from '../runs/temporal-options';
import { CONFIG_DIR_HELP, configDirArg, configDirOption, guestIdArgs } from '../shared-options';

export interface CancelOptions {
  readonly configDir: string;
  readonly ids: readonly number[];
  readonly workflowIds?: readonly string[];
  /** How long to wait for each run to close (default 60 s). */
  readonly waitMs?: number;
}

export type CancelOutcome =
  /** The run ended CANCELED. */
  | 'cancelled'
  /** Nothing was running under that id. */
  | 'not running'
  /** The run ended otherwise before the cancel took effect (COMPLETED, FAILED, ...). */
  | 'finished first'
  /** Requested, but the run had not closed within the wait. */
  | 'requested';

export interface CancelResult {
  workflowId: string;
  outcome: CancelOutcome;
  /** The run's status when we stopped looking. */
  status?: string;
  /** The step that was running when the cancel arrived. */
  step?: string;
}

export async function cancel(options: CancelOptions): Promise<CancelResult[]> {
  const { config } = await loadConfig(options.configDir);
  const ids = [...options.ids.map((id) => workflowIdFor(resolveGuest(config, id))), ...(options.workflowIds ?? [])];
  const client = await connectClient();
  try {
    return await Promise.all(ids.map((workflowId) => cancelRun(client, workflowId, options.waitMs ?? 60_000)));
  } finally {
    await client.connection.close();
  }
}

async function cancelRun(client: Client, workflowId: string, waitMs: number): Promise<CancelResult> {
  let handle;
  let step: string | undefined;
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING') return { workflowId, outcome: 'not running', status: d.status.name };
    handle = client.workflow.getHandle(workflowId, d.runId);
    step = d.typedSearchAttributes.get(PhoenixStep);
    await handle.cancel();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { workflowId, outcome: 'not running', status: 'NOT_FOUND' };
    throw err;
  }
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    handle.result().then(
      (): CancelOutcome => 'finished first',
      (err: unknown): CancelOutcome => (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure ? 'cancelled' : 'finished first'),
    ),
    new Promise<CancelOutcome>((resolve) => (timer = setTimeout(() => resolve('requested'), waitMs))),
  ]).finally(() => clearTimeout(timer));
  const status = await handle.describe().then((d) => d.status.name, () => undefined);
  return { workflowId, outcome, ...(status ? { status } : {}), ...(step ? { step } : {}) };
}

export const cancelCommand = defineCommand<CancelOptions, CancelResult[]>({
  name: 'cancel',
  summary: "cancel a guest's running provisioning (or any Phoenix run) and show the outcome",
  help: [
    'Usage: phoenix-client cancel <ID...> [--workflow-id ID] [--config-dir DIR]',
    '',
    "Cancels each guest's running provisioning (phoenix-lxc-<ctid> / phoenix-vm-<vmid>), or the run",
    'named by --workflow-id (an up, a rebuild, a lifecycle verb), and waits up to 60 s for it to end.',
    'The run ends Canceled; a guest job its step was waiting for is left to finish, and the next',
    '"start" waits for it or takes its result over. A cancelled up leaves the guest runs it had',
    'started to finish.',
    '',
    'Options:',
    '  --workflow-id ID   cancel this run (repeatable)',
    CONFIG_DIR_HELP,
    '',
    TEMPORAL_HELP,
  ].join('\n'),
  options: { ...configDirOption, 'workflow-id': { type: 'string', multiple: true } },
  allowPositionals: true,
  parse: (args, env) => {
    const raw = args.values['workflow-id'];
    const workflowIds = Array.isArray(raw) ? raw.filter((w): w is string => typeof w === 'string') : [];
    for (const w of workflowIds) {
      if (!/^phoenix-[A-Za-z0-9._-]{1,200}$/.test(w)) throw new UsageError(`--workflow-id ${JSON.stringify(w)} is not a Phoenix run id (phoenix-...)`, 'cancel');
    }
    const ids = workflowIds.length > 0 && args.positionals.length === 0 ? [] : guestIdArgs(args, 'cancel');
    return { configDir: configDirArg(args, env), ids, workflowIds };
  },
  run: cancel,
  render(result, _options, output) {
    for (const r of result) {
      const at = r.step ? ` during ${r.step}` : '';
      const text: Record<CancelOutcome, string> = {
        cancelled: `cancelled${at}`,
        'not running': `not running${r.status && r.status !== 'NOT_FOUND' ? ` (last run: ${r.status})` : ''}`,
        'finished first': `ended ${r.status ?? ''} before the cancel took effect`.replace('  ', ' '),
        requested: `cancellation requested${at}; still ${r.status ?? 'running'} after the wait`,
      };
      output.out(`${r.workflowId}: ${text[r.outcome]}`);
    }
  },
});
