/**
 * `phoenix-client plan <ID...>`: what building these guests involves, from the config alone. For each
 * ID the clone chain (templates first) and the steps each guest's build runs; for several IDs also
 * the build levels (guests on one level can be built in parallel). Contacts neither Proxmox nor
 * Temporal.
 */
import { randomUUID } from 'node:crypto';
import { buildLevels, guestGraph, loadConfig, planTargets, resolveGuest, type GuestPlan, type TargetPlan } from '../../config';
import type { GuestInspection } from '../../shared/inspection';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { temporalSettings } from '../runs/temporal-options';
import type { SetupInspection } from '../../shared/setup';
import { UsageError } from '../errors';
import { CONFIG_JSON_TEMPORAL_HELP, configDirArg, configJsonOptions, guestIdArgs } from '../shared-options';

export interface PlanOptions {
  readonly configDir: string;
  readonly ids: readonly number[];
  readonly json: boolean;
  /** Also read the live state through a Phoenix worker (the CLI does unless --offline). */
  readonly live?: { readonly taskQueue: string; readonly timeoutMs: number };
  /** `--setup`: also what `phoenix-client setup` would change on the host (needs the live state). */
  readonly setup?: boolean;
}

export interface PlanResult {
  readonly configDir: string;
  readonly targets: readonly TargetPlan[];
  /** Everything the targets need, in levels that can each run in parallel. */
  readonly levels: readonly (readonly number[])[];
  readonly warningCount: number;
  /** What a run would change on the live host, per guest of the chains (with live). */
  readonly live?: readonly GuestInspection[];
  /** Why the live state could not be read (no worker, no Temporal, a Proxmox error). */
  readonly liveError?: string;
  /** With --setup: what a setup run would change on the host, by step. */
  readonly setup?: SetupInspection;
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { config, warnings } = await loadConfig(options.configDir);
  for (const id of options.ids) resolveGuest(config, id); // every unknown ID is bad input, before any output
  const targets = planTargets(config, options.ids);
  const result: PlanResult = {
    configDir: options.configDir,
    targets,
    levels: buildLevels(guestGraph(config), options.ids),
    warningCount: warnings.length,
  };
  if (!options.live) return result;
  try {
    const setup = options.setup ? { setup: await inspectSetupLive(options.live) } : {};
    if (options.ids.length === 0) return { ...result, ...setup };
    return { ...result, ...setup, live: await inspectLive(liveGuests(targets), options.live) };
  } catch (err) {
    return { ...result, liveError: err instanceof Error ? err.message : String(err) };
  }
}

function liveGuests(targets: readonly TargetPlan[]): Array<{ kind: 'lxc' | 'vm'; id: number }> {
  const seen = new Set<number>();
  return targets.flatMap((t) => t.chain).filter((g) => !seen.has(g.id) && seen.add(g.id)).map((g) => ({ kind: g.kind, id: g.id }));
}

/** The host-setup half: the read-only inspectHostSetup workflow on a worker. */
async function inspectSetupLive(live: NonNullable<PlanOptions['live']>): Promise<SetupInspection> {
  return runReadOnly<SetupInspection>('inspectHostSetup', [{ wipeDisks: false }], live);
}

/**
 * Reads the live state through the worker (which holds the Proxmox credentials) with the
 * read-only inspectGuests workflow, bounded in time so a missing worker cannot hang the CLI.
 */
function inspectLive(guests: Array<{ kind: 'lxc' | 'vm'; id: number }>, live: NonNullable<PlanOptions['live']>): Promise<GuestInspection[]> {
  return runReadOnly<GuestInspection[]>('inspectGuests', [{ guests }], live);
}

async function runReadOnly<T>(workflowType: string, args: unknown[], live: NonNullable<PlanOptions['live']>): Promise<T> {
  const deadline = <T>(p: Promise<T>, what: string, ms: number) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(what)), ms).unref())]);
  const client = await connectClient({ connectTimeoutMs: 3_000 }).catch((err: Error) => {
    throw new Error(`Temporal did not answer: ${err.message}`);
  });
  try {
    return await deadline(
      client.workflow.execute(workflowType, {
        workflowId: `phoenix-plan-${randomUUID()}`,
        taskQueue: live.taskQueue,
        args,
        workflowExecutionTimeout: live.timeoutMs,
      }) as Promise<T>,
      `no phoenix-worker answered on task queue '${live.taskQueue}'`,
      live.timeoutMs,
    );
  } finally {
    await client.connection.close();
  }
}

export const planCommand = defineCommand<PlanOptions, PlanResult>({
  name: 'plan',
  summary: 'show the template chain and build steps for guests, without contacting Proxmox',
  help: [
    'Usage: phoenix-client plan <ID...> [--offline] [--config-dir DIR] [--json]',
    '       phoenix-client plan --setup [ID...] [--config-dir DIR] [--json]',
    '',
    'For each container or VM ID: the chain of templates it is cloned from (root first) and the',
    'steps building each of them runs, with the values from the configuration. With several IDs,',
    'also the build levels: guests on one level can be built in parallel. Then, read through a',
    'phoenix-worker (read-only), what a run would change on the live host for each guest.',
    '',
    'Arguments:',
    '  ID                 a CTID from phoenix_lxc_configs.json or a VMID from phoenix_vm_configs.json',
    '',
    'Options:',
    '  --offline          only the configuration: do not read the live state',
    '  --setup            also what `phoenix-client setup` would change on the host, step by step (read-only)',
    ...CONFIG_JSON_TEMPORAL_HELP,
  ].join('\n'),
  options: { ...configJsonOptions, offline: { type: 'boolean', default: false }, setup: { type: 'boolean', default: false } },
  allowPositionals: true,
  parse: (args, env) => ({
    configDir: configDirArg(args, env),
    ids: args.values['setup'] === true && args.positionals.length === 0 ? [] : guestIdArgs(args, 'plan'),
    ...(args.values['setup'] === true ? { setup: setupNeedsLive(args.values['offline'] === true) } : {}),
    json: args.values['json'] === true,
    ...(args.values['offline'] === true ? {} : { live: { taskQueue: temporalSettings(env).taskQueue, timeoutMs: 30_000 } }),
  }),
  run: plan,
  render(result, options, output) {
    if (options.json) {
      output.out(JSON.stringify(result, null, 2));
      return;
    }
    if (result.setup) {
      output.out(`Host ${result.setup.node} setup (live): ${result.setup.changes.length === 0 ? 'nothing to do' : 'a setup run would:'}`);
      for (const c of result.setup.changes) output.out(`  ${c.step.padEnd(STEP_COLUMN - 2)} ${c.change}`);
      if (result.targets.length > 0) output.out('');
    }
    result.targets.forEach((target, i) => {
      if (i > 0) output.out('');
      const self = target.chain[target.chain.length - 1]!;
      output.out(`${self.id} ${self.name} (${kindName(self)}): builds ${target.chain.map((g) => g.id).join(' → ')}`);
      for (const guest of target.chain) renderGuest(guest, output, result.live?.find((l) => l.id === guest.id));
    });
    if (result.targets.length > 1) {
      output.out('');
      output.out('Build levels (each level in parallel, after the one before):');
      result.levels.forEach((level, i) => output.out(`  ${i + 1}. ${level.join(', ')}`));
    }
    if (result.liveError) output.err(`note: the live state was not read (${result.liveError}); this is the configuration's plan only (--offline skips the attempt)`);
    if (result.warningCount > 0) output.err(`note: the configuration has ${result.warningCount} warnings; run "phoenix-client validate" to see them`);
  },
});

// Wide enough for the longest step name, create_pre_configured_snapshot, and a space.
const STEP_COLUMN = 32;

function renderGuest(guest: GuestPlan, output: { out(line: string): void }, live: GuestInspection | undefined): void {
  const traits = [kindName(guest), ...(guest.template ? ['template'] : [])];
  const deps = guest.dependencies.length > 0 ? `; needs ${guest.dependencies.join(', ')} running` : '';
  output.out('');
  output.out(`  ${guest.id} ${guest.name} (${traits.join(', ')}${deps})`);
  const where = live?.node ? `${live.node}${live.placement ? ` (${live.placement})` : ''}` : `${guest.placement.node ?? 'placed at run time'} (${guest.placement.why})`;
  output.out(`    ${'node'.padEnd(STEP_COLUMN)}${where}`);
  const route = live?.route ?? guest.placement.route;
  if (route) output.out(`    ${'route'.padEnd(STEP_COLUMN)}${route}`);
  for (const s of guest.steps) output.out(`    ${s.detail ? s.step.padEnd(STEP_COLUMN) + s.detail : s.step}`);
  if (!live) return;
  output.out(`    live: ${live.state}, ${live.changes.length === 0 ? 'up to date: a run changes nothing' : 'a run would:'}`);
  for (const c of live.changes) output.out(`      ${c.step.padEnd(STEP_COLUMN - 3)} ${c.change}`);
}

function kindName(guest: Pick<GuestPlan, 'kind'>): string {
  return guest.kind === 'lxc' ? 'container' : 'VM';
}

function setupNeedsLive(offline: boolean): true {
  if (offline) throw new UsageError('--setup reads the live host; it cannot be combined with --offline', 'plan');
  return true;
}
