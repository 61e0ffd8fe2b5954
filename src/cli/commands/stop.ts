/**
 * `phoenix-client stop <ID...>`: stops the guests (a stopped or missing one is left alone). This file
 * also holds what every lifecycle verb shares (restart, delete, reconfigure): each runs the
 * `guestLifecycle` workflow per guest, `phoenix-<verb>-<lxc|vm>-<id>`, and waits for it.
 */
import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { loadConfig, resolveGuest } from '../../config';
import { connectClient } from '../../temporal/connection';
import type { GuestLifecycleResult, LifecycleVerb } from '../../workflows/fleet/guest-lifecycle';
import { defineCommand, type Output } from '../command';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, guestIdArgs, type ConfigJsonTemporalOptions } from '../shared-options';
import type { Env } from '../../config';
import type { ParsedArgs } from '../command';

export interface VerbOptions extends ConfigJsonTemporalOptions {
  readonly ids: readonly number[];
}

export interface VerbResult {
  results: GuestLifecycleResult[];
}

export class VerbFailed extends Error {
  override name = 'VerbFailed';
}

export function verbOptions(args: ParsedArgs, env: Env, command: string): VerbOptions {
  return { ...configJsonTemporalArgs(args, env), ids: guestIdArgs(args, command) };
}

/** Runs `verb` on each guest, one after the other, in the order given; stops at the first failure. */
export async function runVerb(verb: LifecycleVerb, options: VerbOptions): Promise<VerbResult> {
  const { config } = await loadConfig(options.configDir);
  const guests = options.ids.map((id) => resolveGuest(config, id)); // unknown IDs: exit 2 before anything runs
  const client = await connectClient();
  const results: GuestLifecycleResult[] = [];
  try {
    for (const g of guests) {
      try {
        results.push(
          await client.workflow.execute('guestLifecycle', {
            workflowId: `phoenix-${verb}-${g.kind}-${g.id}`,
            taskQueue: options.taskQueue,
            args: [{ verb, kind: g.kind, id: g.id }],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            staticSummary: `${verb} ${g.kind === 'lxc' ? 'CT' : 'VM'} ${g.id} (${g.name})`,
          }) as GuestLifecycleResult,
        );
      } catch (err) {
        if (err instanceof WorkflowFailedError) throw new VerbFailed(err.cause?.message ?? err.message);
        throw err;
      }
    }
    return { results };
  } finally {
    await client.connection.close();
  }
}

export function renderVerb(result: VerbResult, options: VerbOptions, output: Output): void {
  if (options.json) {
    output.out(JSON.stringify(result.results, null, 2));
    return;
  }
  for (const r of result.results) {
    const who = `${r.kind === 'lxc' ? 'CT' : 'VM'} ${r.id}`;
    output.out(`${who}: ${r.steps.map((s) => s.summary).join('; ')}${r.steps.some((s) => s.changed) ? '' : ' (nothing changed)'}`);
  }
}

export const VERB_HELP_TAIL = [
  '',
  'Exit status: 0 done (or nothing to do); 1 when Proxmox refused or failed (the reason is printed);',
  '2 for bad input (an unknown ID, invalid configuration, a missing confirmation).',
  '',
  'Options:',
  ...CONFIG_JSON_TEMPORAL_HELP,
];

export const stopCommand = defineCommand<VerbOptions, VerbResult>({
  name: 'stop',
  summary: 'stop containers and VMs (already stopped: nothing to do)',
  help: ['Usage: phoenix-client stop <ID...> [--config-dir DIR] [--json]', '', 'Stops each guest if it is running.', ...VERB_HELP_TAIL].join('\n'),
  options: configJsonOptions,
  allowPositionals: true,
  parse: (args, env) => verbOptions(args, env, 'stop'),
  run: (options) => runVerb('stop', options),
  render: renderVerb,
});
