/** `phoenix-client restart <ID...>`: stop (if running), then start. `start` still provisions/converges. */
import { defineCommand } from '../command';
import { configJsonOptions } from '../shared-options';
import { renderVerb, runVerb, VERB_HELP_TAIL, verbOptions, type VerbOptions, type VerbResult } from './stop';

export const restartCommand = defineCommand<VerbOptions, VerbResult>({
  name: 'restart',
  summary: 'stop and start containers and VMs (no provisioning; see start)',
  help: ['Usage: phoenix-client restart <ID...> [--config-dir DIR] [--json]', '', 'Stops each guest if it runs, then starts it.', ...VERB_HELP_TAIL].join('\n'),
  options: configJsonOptions,
  allowPositionals: true,
  parse: (args, env) => verbOptions(args, env, 'restart'),
  run: (options) => runVerb('restart', options),
  render: renderVerb,
});
