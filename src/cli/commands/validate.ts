/** `phoenix-client validate`: load the configuration and report every problem in it. */
import { formatIssue, loadConfig, type ConfigIssue } from '../../config';
import { defineCommand } from '../command';
import { CONFIG_DIR_HELP, configDirArg, configJsonOptions, JSON_HELP } from '../shared-options';

export interface ValidateOptions {
  readonly configDir: string;
  readonly json: boolean;
}

export interface ValidateResult {
  readonly configDir: string;
  readonly containers: number;
  readonly vms: number;
  readonly warnings: readonly ConfigIssue[];
}

/** Resolves when the configuration is valid; throws `ConfigError` (every error, plus warnings) when not. */
export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const { config, warnings } = await loadConfig(options.configDir);
  return { configDir: options.configDir, containers: config.containers.length, vms: config.vms.length, warnings };
}

export const validateCommand = defineCommand<ValidateOptions, ValidateResult>({
  name: 'validate',
  summary: 'check the configuration files; print every error as file: json.path: message',
  help: [
    'Usage: phoenix-client validate [--config-dir DIR] [--json]',
    '',
    'Checks phoenix_lxc_configs.json, phoenix_vm_configs.json and phoenix_hypervisor_config.json:',
    'each file against its schema, then across files (unique IDs, IPs and MACs, clone parents that',
    'are templates, no cycles, known features, no bind mounts on templates). Contacts nothing.',
    'Exit 0 when valid (warnings on stderr), 2 with every error on stderr, one per line.',
    '',
    'Options:',
    CONFIG_DIR_HELP,
    JSON_HELP,
  ].join('\n'),
  options: configJsonOptions,
  allowPositionals: false,
  parse: (args, env) => ({ configDir: configDirArg(args, env), json: args.values['json'] === true }),
  run: validate,
  render(result, options, output) {
    if (options.json) {
      output.out(JSON.stringify({ valid: true, ...result }, null, 2));
      return;
    }
    for (const w of result.warnings) output.err(`warning: ${formatIssue(w)}`);
    output.out(`${result.configDir}: valid (${result.containers} containers, ${result.vms} VMs, ${result.warnings.length} warnings)`);
  },
});
