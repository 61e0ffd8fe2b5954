/**
 * What every lifecycle verb (stop, restart, delete, reconfigure) shares: each runs the
 * `guestLifecycle` workflow per guest, `phoenix-<verb>-<lxc|vm>-<id>`, waits for it, and prints
 * one line a guest. A verb's own file gives only its words and its extra checks.
 */
import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { loadConfig, resolveGuest, type Env } from '../../config';
import { connectClient } from '../../temporal/connection';
import type { GuestLifecycleResult, LifecycleVerb } from '../../workflows/fleet/guest-lifecycle';
import { defineCommand, type Command, type Output, type ParsedArgs } from '../command';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, guestIdArgs, type ConfigJsonTemporalOptions } from '../shared-options';

export interface VerbOptions extends ConfigJsonTemporalOptions {
  readonly ids: readonly number[];
}

export interface VerbResult {
  results: GuestLifecycleResult[];
}

export class VerbFailed extends Error {
  override name = 'VerbFailed';
}

function verbOptions(args: ParsedArgs, env: Env, command: string): VerbOptions {
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

function renderVerb(result: VerbResult, options: VerbOptions, output: Output): void {
  if (options.json) {
    output.out(JSON.stringify(result.results, null, 2));
    return;
  }
  for (const r of result.results) {
    const who = `${r.kind === 'lxc' ? 'CT' : 'VM'} ${r.id}`;
    output.out(`${who}: ${r.steps.map((s) => s.summary).join('; ')}${r.steps.some((s) => s.changed) ? '' : ' (nothing changed)'}`);
  }
}

export interface VerbCommandSpec {
  readonly verb: LifecycleVerb;
  readonly summary: string;
  /** The usage line, then what the verb does. */
  readonly about: readonly string[];
  /** Help lines of the verb's own options, listed before the shared ones. */
  readonly optionsHelp?: readonly string[];
  readonly options?: Command['options'];
  /** Refuses arguments the verb does not accept (throw a UsageError). */
  readonly check?: (options: VerbOptions, args: ParsedArgs) => void;
}

export function lifecycleVerbCommand(spec: VerbCommandSpec): Command<VerbOptions, VerbResult> {
  return defineCommand<VerbOptions, VerbResult>({
    name: spec.verb,
    summary: spec.summary,
    help: [
      ...spec.about,
      '',
      'Exit status: 0 done (or nothing to do); 1 when Proxmox refused or failed (the reason is printed);',
      '2 for bad input (an unknown ID, invalid configuration, a missing confirmation).',
      '',
      'Options:',
      ...(spec.optionsHelp ?? []),
      ...CONFIG_JSON_TEMPORAL_HELP,
    ].join('\n'),
    options: { ...configJsonOptions, ...spec.options },
    allowPositionals: true,
    parse: (args, env) => {
      const options = verbOptions(args, env, spec.verb);
      spec.check?.(options, args);
      return options;
    },
    run: (options) => runVerb(spec.verb, options),
    render: renderVerb,
  });
}
