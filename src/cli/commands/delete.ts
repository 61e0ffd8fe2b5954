/**
 * `phoenix-client delete <ID...> --yes`: stops and destroys the guests through the API. Without
 * --yes nothing happens (exit 2). A template whose clones still exist is refused; an ID already
 * gone is a no-op.
 */
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { configJsonOptions } from '../shared-options';
import { renderVerb, runVerb, VERB_HELP_TAIL, verbOptions, type VerbOptions, type VerbResult } from './stop';

export const deleteCommand = defineCommand<VerbOptions, VerbResult>({
  name: 'delete',
  summary: 'stop and destroy containers and VMs (needs --yes)',
  help: [
    'Usage: phoenix-client delete <ID...> --yes [--config-dir DIR] [--json]',
    '',
    'Stops each guest, then destroys it and its disks. Refuses a template whose clones still exist.',
    'An ID that is already gone is left alone. --yes is required: without it nothing is touched.',
    ...VERB_HELP_TAIL.slice(0, 5),
    '  --yes              confirm the deletion',
    ...VERB_HELP_TAIL.slice(5),
  ].join('\n'),
  options: { ...configJsonOptions, yes: { type: 'boolean', default: false } },
  allowPositionals: true,
  parse: (args, env) => {
    const options = verbOptions(args, env, 'delete');
    if (args.values['yes'] !== true) {
      throw new UsageError(`delete destroys ${options.ids.join(', ')} and their disks; add --yes to confirm`, 'delete');
    }
    return options;
  },
  run: (options) => runVerb('delete', options),
  render: renderVerb,
});
