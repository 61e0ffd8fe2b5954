/**
 * `phoenix-client plan <ID...>`: what building these guests involves, from the config alone. For each
 * ID the clone chain (templates first) and the steps each guest's build runs; for several IDs also
 * the build levels (guests on one level can be built in parallel). Contacts neither Proxmox nor
 * Temporal.
 */
import { buildLevels, guestGraph, loadConfig, planTargets, resolveGuest, type GuestPlan, type TargetPlan } from '../../config';
import { defineCommand } from '../command';
import { CONFIG_DIR_HELP, configDirArg, configDirOption, guestIdArgs, JSON_HELP, jsonOption } from '../shared-options';

export interface PlanOptions {
  readonly configDir: string;
  readonly ids: readonly number[];
  readonly json: boolean;
}

export interface PlanResult {
  readonly configDir: string;
  readonly targets: readonly TargetPlan[];
  /** Everything the targets need, in levels that can each run in parallel. */
  readonly levels: readonly (readonly number[])[];
  readonly warningCount: number;
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { config, warnings } = await loadConfig(options.configDir);
  for (const id of options.ids) resolveGuest(config, id); // every unknown ID is bad input, before any output
  return {
    configDir: options.configDir,
    targets: planTargets(config, options.ids),
    levels: buildLevels(guestGraph(config), options.ids),
    warningCount: warnings.length,
  };
}

export const planCommand = defineCommand<PlanOptions, PlanResult>({
  name: 'plan',
  summary: 'show the template chain and build steps for guests, without contacting Proxmox',
  help: [
    'Usage: phoenix-client plan <ID...> [--config-dir DIR] [--json]',
    '',
    'For each container or VM ID: the chain of templates it is cloned from (root first) and the',
    'steps building each of them runs, with the values from the configuration. With several IDs,',
    'also the build levels: guests on one level can be built in parallel.',
    '',
    'Arguments:',
    '  ID                 a CTID from phoenix_lxc_configs.json or a VMID from phoenix_vm_configs.json',
    '',
    'Options:',
    CONFIG_DIR_HELP,
    JSON_HELP,
  ].join('\n'),
  options: { ...configDirOption, ...jsonOption },
  allowPositionals: true,
  parse: (args, env) => ({ configDir: configDirArg(args, env), ids: guestIdArgs(args, 'plan'), json: args.values['json'] === true }),
  run: plan,
  render(result, options, output) {
    if (options.json) {
      output.out(JSON.stringify(result, null, 2));
      return;
    }
    result.targets.forEach((target, i) => {
      if (i > 0) output.out('');
      const self = target.chain[target.chain.length - 1]!;
      output.out(`${self.id} ${self.name} (${kindName(self)}): builds ${target.chain.map((g) => g.id).join(' → ')}`);
      for (const guest of target.chain) renderGuest(guest, output);
    });
    if (result.targets.length > 1) {
      output.out('');
      output.out('Build levels (each level in parallel, after the one before):');
      result.levels.forEach((level, i) => output.out(`  ${i + 1}. ${level.join(', ')}`));
    }
    if (result.warningCount > 0) output.err(`note: the configuration has ${result.warningCount} warnings; run "phoenix-client validate" to see them`);
  },
});

const STEP_COLUMN = 26;

function renderGuest(guest: GuestPlan, output: { out(line: string): void }): void {
  const traits = [kindName(guest), ...(guest.template ? ['template'] : [])];
  const deps = guest.dependencies.length > 0 ? `; needs ${guest.dependencies.join(', ')} running` : '';
  output.out('');
  output.out(`  ${guest.id} ${guest.name} (${traits.join(', ')}${deps})`);
  for (const s of guest.steps) output.out(`    ${s.detail ? s.step.padEnd(STEP_COLUMN) + s.detail : s.step}`);
}

function kindName(guest: Pick<GuestPlan, 'kind'>): string {
  return guest.kind === 'lxc' ? 'container' : 'VM';
}
