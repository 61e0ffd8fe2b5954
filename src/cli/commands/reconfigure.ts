/**
 * `phoenix-client reconfigure <ID>` (the original's --reconfigure): rolls the guest back to its
 * `pre-configured` snapshot, then runs its provisioning again. A guest without that snapshot is
 * an error (start converges it instead).
 */
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { configJsonOptions } from '../shared-options';
import { renderVerb, runVerb, VERB_HELP_TAIL, verbOptions, type VerbOptions, type VerbResult } from './stop';

export const reconfigureCommand = defineCommand<VerbOptions, VerbResult>({
  name: 'reconfigure',
  summary: "roll a guest back to its 'pre-configured' snapshot and provision it again",
  help: [
    'Usage: phoenix-client reconfigure <ID> [--config-dir DIR] [--json]',
    '',
    "Stops the guest, rolls it back to its 'pre-configured' snapshot and runs its provisioning",
    '(phoenix-lxc-<ctid> / phoenix-vm-<vmid>) again. Without that snapshot it fails and changes nothing.',
    ...VERB_HELP_TAIL,
  ].join('\n'),
  options: configJsonOptions,
  allowPositionals: true,
  parse: (args, env) => {
    const options = verbOptions(args, env, 'reconfigure');
    if (options.ids.length !== 1) throw new UsageError('reconfigure takes exactly one ID', 'reconfigure');
    return options;
  },
  run: (options) => runVerb('reconfigure', options),
  render: renderVerb,
});
